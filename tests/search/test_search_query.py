"""The query language: one parser for every backend, with errors a user can act on."""

from __future__ import annotations

from datetime import date

import pytest

from dailypapers.errors import BadQuery
from dailypapers.search.query import any_mode_words, parse_query


def test_words_phrases_excludes_and_operators():
    q = parse_query(
        'diffusion "image editing" -video -"text to speech" author:"Jane Doe" author:smith '
        "cat:cs.CV since:2024-01-01 until:2024-06-30"
    )
    assert q.terms == ["diffusion"]
    assert q.phrases == ["image editing"]
    assert q.excluded == ["video", "text to speech"]
    assert q.authors == ["Jane Doe", "smith"]
    assert q.categories == ["cs.CV"]
    assert (q.since, q.until) == (date(2024, 1, 1), date(2024, 6, 30))


def test_operators_are_case_insensitive_and_partial_dates_widen():
    q = parse_query("AUTHOR:lecun Since:2024-05 UNTIL:2025")
    assert q.authors == ["lecun"]
    assert q.since == date(2024, 5, 1)
    assert q.until == date(2025, 12, 31)
    assert parse_query("until:2024-02").until == date(2024, 2, 29)


def test_query_stopwords_are_dropped_from_free_words_only():
    q = parse_query('how to make the models reason "state of the art"')
    assert q.terms == ["make", "models", "reason"]
    assert q.phrases == ["state of the art"]
    assert "the" in q.dropped and "how" in q.dropped
    assert "state of the art" in q.free_text and "how" in q.free_text


def test_a_query_of_stopwords_only_still_searches_them():
    assert parse_query("the who").terms == ["the", "who"]


def test_repeated_words_count_once():
    assert parse_query("step by step Step").terms == ["step"]


@pytest.mark.parametrize(
    "text",
    [
        "2405.15738",
        "arXiv:2405.15738v2",
        "https://arxiv.org/abs/2405.15738",
        "https://huggingface.co/papers/2405.15738",
    ],
)
def test_arxiv_id_or_url_is_recognised(text):
    q = parse_query(text)
    assert q.arxiv_id == "2405.15738"
    assert not q.terms


def test_arxiv_id_inside_a_longer_query_is_kept_with_the_words():
    q = parse_query("2405.15738 diffusion")
    assert q.arxiv_id == "2405.15738"
    assert q.terms == ["diffusion"]


def test_unknown_operator_is_searched_as_words():
    q = parse_query("BERT: pretraining")
    assert q.terms == ["BERT", "pretraining"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"unclosed phrase', "quote is not closed"),
        ("since:2024-13-01", "since: wants a date"),
        ("until:yesterday", "until: wants a date"),
        ("author:", "author: needs a value"),
        ("cat:", "cat: needs a value"),
        ("since:2025-01-01 until:2024-01-01", "is after"),
        ("x" * 251, "too long"),
        ("-since:2024-01-01", "not supported"),
    ],
)
def test_bad_queries_say_what_is_wrong(text, message):
    with pytest.raises(BadQuery, match=message):
        parse_query(text)


def test_empty_query_is_empty():
    assert parse_query("   ").is_empty
    assert not parse_query("cat:cs.CL").is_empty


def test_free_text_keeps_the_words_in_the_order_typed():
    """The semantic half embeds a sentence: stopwords stay, in place (a scrambled "router
    remembers earlier layers chose that what" reads as another sentence); operators and
    exclusions are left out."""
    q = parse_query('router that remembers "what earlier" layers chose -video cat:cs.LG')
    assert q.free_text == "router that remembers what earlier layers chose"
    assert q.terms == ["router", "remembers", "layers", "chose"]


def test_any_word_ranking_splits_hyphenated_words_into_their_topic_parts():
    """Ranking by any word: "text-to-image" counts as text and image, and "in-context" as
    context (a phrase "in context" would read the positions of nearly every paper); a word
    of stop words only stays whole."""
    words = ["text-to-image", "in-context", "image-to", "to-do", "GPT-4", "diffusion"]
    assert any_mode_words(words) == ["text", "image", "context", "to-do", "GPT", "4", "diffusion"]
