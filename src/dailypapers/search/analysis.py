"""Text analysis shared by the index, the "why" of a hit and highlighting.

The same analysers index text and analyse queries, so a query word matches exactly the
indexed words it should: English stemming for titles and abstracts (Snowball, as PostgreSQL's
`english` configuration), lower-cased and accent-folded names for authors.
"""

from __future__ import annotations

import re
from functools import lru_cache

import tantivy

TEXT = "dp_text"
NAME = "dp_name"
KEYWORD = "dp_keyword"
_WORD = re.compile(r"\w+")
# PostgreSQL's `english` stop words (tsearch_data/english.stop). Inside a phrase or a hyphenated
# word they leave a gap, as `phraseto_tsquery('english', ...)` does: "text-to-image" asks for
# "text", any one word, "image". Skipping them is also what keeps such phrases fast: "to" is in
# nearly every abstract, and a phrase reads the positions of every document holding all its words.
PHRASE_STOPWORDS = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom this
    that these those am is are was were be been being have has had having do does did doing a an
    the and but if or because as until while of at by for with about against between into through
    during before after above below to from up down in out on off over under again further then
    once here there when where why how all any both each few more most other some such no nor not
    only own same so than too very s t can will just don should now""".split()
)


@lru_cache
def analyzer(name: str) -> tantivy.TextAnalyzer:
    """The analyser registered in the index under `name`."""
    if name == KEYWORD:
        builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.raw()).filter(
            tantivy.Filter.lowercase()
        )
        return builder.build()
    builder = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
    )
    if name == TEXT:
        builder = builder.filter(tantivy.Filter.stemmer("english"))
    return builder.build()


def text_tokens(text: str) -> list[str]:
    """Stemmed tokens of title/abstract text."""
    return analyzer(TEXT).analyze(text)


# English Snowball rewrites a word's ending only, so a word whose stem is s starts with s minus
# its last letter ("hoping" -> "hope", "happy" -> "happi"); the exceptions are these stems of
# its exceptional forms ("dying" -> "die"), checked over every word of the 12k real abstracts.
_NOT_PREFIX_STEMS = frozenset({"die", "lie", "tie"})


_ASCII_WORD = re.compile(r"[a-z0-9]+")  # the simple tokenizer's words, in lower-case ASCII


def stems_in(text: str, wanted: set[str]) -> set[str]:
    """Those of the stems `wanted` that `text` holds: `set(text_tokens(text)) & wanted`, but
    only the words that could stem to one are stemmed, each distinct word once (a page's
    explanation asks this of every hit's abstract; a long query asks 20 stems or more)."""
    if not wanted:
        return set()
    if not text.isascii() or wanted & _NOT_PREFIX_STEMS:  # accents fold: analyse it all
        return set(text_tokens(text)) & wanted
    prefixes = tuple({s[:-1] or s for s in wanted})
    found = set()
    for word in set(_ASCII_WORD.findall(text.lower())):
        if word.startswith(prefixes):
            stemmed = stem(word)
            if stemmed in wanted:
                found.add(stemmed)
    return found


def phrase_tokens(text: str) -> list[tuple[int, str]]:
    """(position, stem) of the words of `text` that a phrase match needs: stop words leave gaps.

    Only when two or more other words remain: "in-context" stays the phrase "in context", where
    "context" alone would match far more than was asked.
    """
    stems = text_tokens(text)
    words = name_tokens(text)  # the same tokens, unstemmed (the analysers differ only there)
    every = list(enumerate(stems))
    if len(words) != len(stems):
        return every
    kept = [(i, s) for (i, s), w in zip(every, words, strict=True) if w not in PHRASE_STOPWORDS]
    if len(kept) < 2:
        return every
    first = kept[0][0]
    return [(i - first, s) for i, s in kept]


def name_tokens(text: str) -> list[str]:
    """Folded tokens of author names."""
    return analyzer(NAME).analyze(text)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The stem of one word ('' for none)."""
    tokens = analyzer(TEXT).analyze(word)
    return tokens[0] if tokens else ""


def highlight_spans(
    text: str, stems: set[str], names: set[str] = frozenset()
) -> list[tuple[int, int]]:
    """Character spans of the words in `text` whose stem (or folded name) is wanted."""
    spans = []
    for match in _WORD.finditer(text):
        word = match.group(0)
        if stem(word) in stems or (
            names and name_tokens(word)[:1] and name_tokens(word)[0] in names
        ):
            spans.append(match.span())
    return spans
