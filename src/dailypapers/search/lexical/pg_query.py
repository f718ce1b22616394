"""The query language compiled to PostgreSQL tsquery SQL, every user value a bound parameter.

Used by the PostgreSQL lexical engine (`postgres.py`); fragments only, no database access.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from dailypapers.search.query import word_parts

if TYPE_CHECKING:
    from dailypapers.search.lexical.base import Filters
    from dailypapers.search.query import ParsedQuery

DAY = "coalesce(l.date, (p.published_at AT TIME ZONE 'UTC')::date)"
VOTES = "(p.imported_upvotes + (SELECT count(*) FROM upvotes u WHERE u.paper_id = p.id))"


def word_sql(name: str) -> str:
    """A word as a tsquery: stemmed (titles, abstracts) or as written (author names)."""
    return f"(phraseto_tsquery('english', :{name}) || phraseto_tsquery('simple', :{name}))"


class Builder:
    """Collects SQL fragments with their bound parameters (user text only ever in params)."""

    def __init__(self) -> None:
        self.params: dict[str, Any] = {}

    def bind(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return name


def units(b: Builder, query: ParsedQuery) -> list[tuple[str, str]]:
    """(tsquery SQL, user text) for each word and phrase of the query."""
    # A hyphenated word as its words in order: the parser would also ask for the whole compound
    # ("quaffle-play"), which text that writes "quaffle players" lacks (tantivy matches both).
    # Not "in-context": as words, the stop word would drop out and leave "context" alone.
    words = [(word_sql(b.bind(spaced(term))), term) for term in query.terms]
    phrases = [(f"phraseto_tsquery('english', :{b.bind(p)})", p) for p in query.phrases]
    return words + phrases


def spaced(word: str) -> str:
    return word.replace("-", " ") if len(word_parts(word)) > 1 else word


def match_sql(units: list[tuple[str, str]], query: ParsedQuery, mode: str) -> str | None:
    words = [sql for sql, _ in units[: len(query.terms)]]
    phrases = [sql for sql, _ in units[len(query.terms) :]]
    if mode == "any":
        if len(words) < 2:
            return None
        combined = [f"({' || '.join(words)})", *phrases]
    else:
        combined = [*words, *phrases]
    return " && ".join(combined) if combined else None


def rare_words_match(units: list[tuple[str, str]], idf: list[float], words: int, most: int) -> str:
    """Any-word matching on the `most` rarest words only (phrases still required).

    Scoring runs once per matching row: matching every paper that has a common word ("model")
    would rank most of the table. The rare words say what the query is about; the common ones
    still count in the score of the papers found.
    """
    ranked = sorted(range(words), key=lambda i: -idf[i])[:most]
    rare = " || ".join(units[i][0] for i in sorted(ranked))
    phrases = [sql for sql, _ in units[words:]]
    return " && ".join([f"({rare})", *phrases])


def filter_sql(b: Builder, query: ParsedQuery, filters: Filters) -> list[str]:
    where = ["NOT p.hidden"]
    for author in query.authors:
        names = [w.lower() for w in re.findall(r"\w+", author)]
        if names:
            lexemes = " <-> ".join(f"{n}:B" for n in names) if len(names) > 1 else f"{names[0]}:B"
            if len(names) > 1:  # "First Last" in order; allow a middle name between
                lexemes = " <2> ".join(f"{n}:B" for n in names)
                exact = " <-> ".join(f"{n}:B" for n in names)
                where.append(
                    f"(p.search_tsv @@ to_tsquery('simple', :{b.bind(exact)})"
                    f" OR p.search_tsv @@ to_tsquery('simple', :{b.bind(lexemes)}))"
                )
            else:
                where.append(f"p.search_tsv @@ to_tsquery('simple', :{b.bind(lexemes)})")
    for category in filters.categories:
        where.append(
            "EXISTS (SELECT 1 FROM json_array_elements_text(p.categories) c"  # noqa: S608
            f" WHERE lower(c) = :{b.bind(category.lower())})"
        )
    if filters.since:
        where.append(f"{DAY} >= :{b.bind(filters.since)}")
    if filters.until:
        where.append(f"{DAY} <= :{b.bind(filters.until)}")
    if filters.has_code is not None:
        has = "(p.code_url IS NOT NULL AND p.code_url <> '')"
        where.append(has if filters.has_code else f"NOT {has}")
    for excluded in query.excluded:
        where.append(f"NOT (p.search_tsv @@ {word_sql(b.bind(excluded))})")
    return where
