"""Subscriber topics and the boolean matching that decides whether a new paper belongs.

A topic is one string:

    cat:cs.CL            an arXiv category (a prefix such as `cat:cs` takes the whole archive)
    search:<query>       a saved search: its new matches arrive as an alert section
    <words>              keywords, e.g. `diffusion` or `"image editing" -video`

Keywords and saved searches use the site's query language (phrases, `-exclude`, `author:`,
`cat:`). An alert must not invent matches, so matching here is boolean — every word (stemmed
as the search index stems it), phrase, author and category must be there — never a top-k.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from dailypapers.errors import BadQuery, InvalidInput

MAX_TOPICS = 20
MAX_TOPIC_CHARS = 250
_WORD = re.compile(r"\w+")
_CATEGORY = re.compile(r"^[A-Za-z-]+(\.[A-Za-z-]+)?$")

try:  # the search issue's analysers: the same stemming the index uses
    from dailypapers.search.analysis import name_tokens as _name_tokens
    from dailypapers.search.analysis import text_tokens as _text_tokens
except ImportError:  # pragma: no cover - the search package is part of the product

    def _text_tokens(text: str) -> list[str]:
        return [word.lower() for word in _WORD.findall(text)]

    _name_tokens = _text_tokens


@dataclass(slots=True)
class Topic:
    kind: str  # "category" | "keywords" | "search"
    value: str  # the category, or the query text

    def __str__(self) -> str:
        return {"category": "cat:", "search": "search:", "keywords": ""}[self.kind] + self.value

    @property
    def label(self) -> str:
        return {"category": "category ", "search": "search ", "keywords": ""}[self.kind] + (
            self.value if self.kind == "category" else f"“{self.value}”"
        )


def parse_topic(text: str) -> Topic:
    """A topic from its string form; InvalidInput says what is wrong with it."""
    text = " ".join((text or "").split())
    if not text:
        raise InvalidInput("a topic cannot be empty")
    if len(text) > MAX_TOPIC_CHARS:
        raise InvalidInput(f"a topic is at most {MAX_TOPIC_CHARS} characters")
    lowered = text.lower()
    if lowered.startswith("cat:") and " " not in text:
        category = text[4:]
        if not _CATEGORY.match(category):
            raise InvalidInput(f"not an arXiv category: {category!r} (e.g. cat:cs.CL)")
        return Topic("category", category)
    if lowered.startswith("search:"):
        kind, value = "search", text[7:].strip()
    else:
        kind, value = "keywords", text
    try:
        matcher_for(value)
    except BadQuery as exc:
        raise InvalidInput(str(exc)) from None
    if not value:
        raise InvalidInput("a saved search needs a query")
    return Topic(kind, value)


def normalize_topics(texts: list[str]) -> list[str]:
    """Validated, de-duplicated topic strings in the order given."""
    seen: dict[str, None] = {}
    for text in texts:
        if text and text.strip():
            seen.setdefault(str(parse_topic(text)), None)
    if len(seen) > MAX_TOPICS:
        raise InvalidInput(f"at most {MAX_TOPICS} topics")
    return list(seen)


@dataclass(slots=True)
class PaperDoc:
    """The parts of a paper that topics look at, analysed once per digest run."""

    id: int
    title: str
    abstract: str
    authors: list[str]
    categories: list[str]
    listed_on: date | None = None
    _tokens: list[str] | None = field(default=None, repr=False)
    _names: set[str] | None = field(default=None, repr=False)

    @property
    def tokens(self) -> list[str]:
        if self._tokens is None:
            self._tokens = _text_tokens(f"{self.title}\n{self.abstract}")
        return self._tokens

    @property
    def token_set(self) -> set[str]:
        return set(self.tokens)

    @property
    def names(self) -> set[str]:
        if self._names is None:
            self._names = set(_name_tokens(" ".join(self.authors)))
        return self._names


def _contains(tokens: list[str], phrase: list[str]) -> bool:
    if not phrase:
        return True
    first, size = phrase[0], len(phrase)
    return any(
        tokens[i] == first and tokens[i : i + size] == phrase for i in range(len(tokens) - size + 1)
    )


def _category_match(wanted: str, categories: list[str]) -> bool:
    wanted = wanted.lower()
    return any(c.lower() == wanted or c.lower().startswith(wanted + ".") for c in categories)


@dataclass(slots=True)
class Matcher:
    """A compiled topic: `matches(doc)` is True when the paper satisfies every part."""

    terms: list[str] = field(default_factory=list)
    phrases: list[list[str]] = field(default_factory=list)
    excluded: list[list[str]] = field(default_factory=list)
    authors: list[set[str]] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    since: date | None = None
    until: date | None = None

    def matches(self, doc: PaperDoc) -> bool:
        if self.categories and not any(_category_match(c, doc.categories) for c in self.categories):
            return False
        if self.since and (doc.listed_on is None or doc.listed_on < self.since):
            return False
        if self.until and (doc.listed_on is None or doc.listed_on > self.until):
            return False
        if self.authors and not all(name <= doc.names for name in self.authors):
            return False
        if self.terms or self.excluded:
            tokens = doc.token_set
            if any(term not in tokens for term in self.terms):
                return False
            for words in self.excluded:
                if (len(words) == 1 and words[0] in tokens) or (
                    len(words) > 1 and _contains(doc.tokens, words)
                ):
                    return False
        return all(_contains(doc.tokens, phrase) for phrase in self.phrases)


@lru_cache(maxsize=4096)
def matcher_for(query: str) -> Matcher:
    """Compile a query in the site's language (raises BadQuery)."""
    from dailypapers.search.query import parse_query

    parsed = parse_query(query)
    if parsed.is_empty:
        raise BadQuery("the query is empty")
    matcher = Matcher(categories=list(parsed.categories), since=parsed.since, until=parsed.until)
    for term in parsed.terms:
        matcher.terms.extend(_text_tokens(term))
    matcher.terms = list(dict.fromkeys(matcher.terms))
    matcher.phrases = [p for p in (_text_tokens(text) for text in parsed.phrases) if p]
    matcher.excluded = [e for e in (_text_tokens(text) for text in parsed.excluded) if e]
    matcher.authors = [s for s in (set(_name_tokens(a)) for a in parsed.authors) if s]
    if parsed.arxiv_id:  # an id as a topic never matches a *new* paper; keep it harmless
        matcher.terms.append(f"\0{parsed.arxiv_id}")
    return matcher


def topic_matcher(topic: Topic) -> Matcher:
    if topic.kind == "category":
        return Matcher(categories=[topic.value])
    return matcher_for(topic.value)
