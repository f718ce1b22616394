"""Which query stems a text holds: the shortcut agrees with analysing every word."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dailypapers.search import analysis
from support.search import real_rows

WORDS = (
    "dying lying tying skies hoping happy cries possibly capability generator activity "
    "urgency models modelling diffusion diffused relational organization naïve Zoë "
    "text-to-image foo_bar x86 GPT-4o LLaMA-2 "
).split() + ["a" * 45]


def test_every_stem_of_real_abstracts_is_found_as_a_full_analysis_finds_it():
    for row in real_rows(300):
        text = f"{row['title']} {row['abstract']}"
        held = set(analysis.text_tokens(text))
        assert analysis.stems_in(text, held) == held
        # And stems it does not hold are not found, however close their spelling.
        near = {s + "x" for s in held} | {s[:-1] for s in held if len(s) > 2}
        assert analysis.stems_in(text, near) == near & held


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(WORDS) | st.text("abcdeiyngs_-. 4Z", max_size=12), max_size=30),
    st.lists(st.sampled_from(WORDS), max_size=6),
)
def test_the_shortcut_equals_intersecting_every_token(words, asked):
    text = " ".join(words)
    wanted = {s for word in asked for s in analysis.text_tokens(word)}
    wanted |= {analysis.stem(w) for w in words if analysis.stem(w)}
    assert analysis.stems_in(text, wanted) == set(analysis.text_tokens(text)) & wanted
