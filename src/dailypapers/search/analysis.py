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
