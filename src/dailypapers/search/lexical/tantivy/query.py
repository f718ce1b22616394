"""Turn a ParsedQuery into a tantivy query: bm25 per field, weighted title > authors > abstract."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta

import tantivy
from tantivy import Occur, Query

from dailypapers.search import analysis
from dailypapers.search.expansion import related_words
from dailypapers.search.lexical.base import (
    ABSTRACT_WEIGHT,
    AUTHORS_WEIGHT,
    LONG_QUERY_TITLE_WEIGHT,
    LONG_QUERY_WORDS,
    TITLE_WEIGHT,
    Filters,
)
from dailypapers.search.query import ParsedQuery, any_mode_words

TEXT_FIELDS = (("title", TITLE_WEIGHT), ("abstract", ABSTRACT_WEIGHT))


@dataclass
class BuiltQuery:
    query: Query
    kind: str  # "all" | "any" | "filter"
    can_relax: bool  # an "all words" query that an "any word" one could widen
    related: list[str] = dataclasses.field(default_factory=list)  # asked (`expansion.py`)
    # The same ranking without the clause that leaves hidden papers out, when that is its only
    # exclusion: a plain union of terms, which tantivy ranks by block-max WAND (an exclusion
    # turns that off: 1.4-1.5x slower at 1M papers, benchmarks/search_bench.py). Its hits
    # include hidden papers, which the reader drops (`searching.py`).
    unexcluded: Query | None = None


def _field_query(
    schema: tantivy.Schema, field: str, tokens: list[str] | list[tuple[int, str]]
) -> Query | None:
    """One token: a term; more: a phrase (tokens may carry their positions, to leave gaps)."""
    if not tokens:
        return None
    if len(tokens) == 1:
        token = tokens[0]
        return Query.term_query(schema, field, token if isinstance(token, str) else token[1])
    return Query.phrase_query(schema, field, tokens)


def _text_clause(
    schema: tantivy.Schema, text: str, *, with_authors: bool = True, title: float = TITLE_WEIGHT
) -> Query | None:
    """A word or phrase in the title, the abstract or (by name) the authors, weighted."""
    parts = _text_parts(schema, text, with_authors=with_authors, title=title)
    if not parts:
        return None
    return parts[0][1] if len(parts) == 1 else Query.boolean_query(parts)


def _text_parts(
    schema: tantivy.Schema, text: str, *, with_authors: bool = True, title: float = TITLE_WEIGHT
) -> list[tuple[Occur, Query]]:
    """The per-field queries of a word or phrase, each boosted by its field's weight."""
    parts: list[tuple[Occur, Query]] = []
    stems = analysis.phrase_tokens(text)
    for field, weight in TEXT_FIELDS:
        weight = title if field == "title" else weight
        query = _field_query(schema, field, stems)
        if query is not None:
            parts.append((Occur.Should, Query.boost_query(query, weight)))
    if with_authors:
        parts += _author_part(schema, text)
    return parts


def _author_part(schema: tantivy.Schema, text: str) -> list[tuple[Occur, Query]]:
    """A word or phrase as a name in the authors, weighted (nothing if it has no name tokens)."""
    query = _field_query(schema, "authors", analysis.name_tokens(text))
    return [] if query is None else [(Occur.Should, Query.boost_query(query, AUTHORS_WEIGHT))]


def _body_parts(schema: tantivy.Schema, text: str) -> list[tuple[Occur, Query]]:
    """A word's stems in the combined body field (its copies of the title carry the title's
    weight), and the word as a name in the authors."""
    stems = [
        (Occur.Should, Query.term_query(schema, "body", s)) for _, s in analysis.phrase_tokens(text)
    ]
    return stems + _author_part(schema, text)


def _related_parts(
    schema: tantivy.Schema, related: list[tuple[str, float]]
) -> list[tuple[Occur, Query]]:
    """Related words (`expansion.py`) in the body field, each at its lower weight."""
    return [
        (Occur.Should, Query.boost_query(Query.term_query(schema, "body", stem), weight))
        for word, weight in related
        for stem in analysis.text_tokens(word)
    ]


def _day(value) -> datetime:  # noqa: ANN001
    return datetime(value.year, value.month, value.day)


def filter_clauses(schema: tantivy.Schema, query: ParsedQuery, filters: Filters) -> list:
    clauses: list[tuple[Occur, Query]] = []
    for author in query.authors:
        tokens = analysis.name_tokens(author)
        if tokens:
            # Every name part must appear; a quoted full name must appear in order.
            clauses.append(
                (
                    Occur.Must,
                    Query.phrase_query(schema, "authors", tokens, 2)
                    if len(tokens) > 1
                    else Query.term_query(schema, "authors", tokens[0]),
                )
            )
    for category in filters.categories:
        clauses.append((Occur.Must, Query.term_query(schema, "categories", category.lower())))
    if filters.since or filters.until:
        lower = _day(filters.since) if filters.since else None
        upper = _day(filters.until) + timedelta(days=1) if filters.until else None
        clauses.append(
            (
                Occur.Must,
                Query.range_query(
                    schema, "day", tantivy.FieldType.Date, lower, upper, include_upper=upper is None
                ),
            )
        )
    if filters.has_code is not None:
        clauses.append((Occur.Must, Query.term_query(schema, "has_code", filters.has_code)))
    for excluded in query.excluded:
        clause = _text_clause(schema, excluded)
        if clause is not None:
            clauses.append((Occur.MustNot, clause))
    clauses.append((Occur.MustNot, Query.term_query(schema, "hidden", True)))  # always last
    return clauses


def build_query(
    schema: tantivy.Schema,
    query: ParsedQuery,
    filters: Filters,
    *,
    mode: str,
    expand: bool = False,
) -> BuiltQuery | None:
    """The tantivy query for `mode` ("all" words or "any" word); None if nothing to ask.
    `expand`: an any-word query of more than LONG_QUERY_WORDS words also asks for its words'
    related words (`expansion.py`)."""
    # Each field saturates on its own in tantivy's bm25, so in a long query the common words
    # that happen to be in short titles outrank the paper described: long queries describe
    # content, short ones are title or name fragments (benchmarks/relevance.py, dev split).
    title = LONG_QUERY_TITLE_WEIGHT if len(query.terms) > LONG_QUERY_WORDS else TITLE_WEIGHT
    words = [c for c in (_text_clause(schema, t, title=title) for t in query.terms) if c]
    phrases = [c for c in (_text_clause(schema, p, title=title) for p in query.phrases) if c]
    clauses: list[tuple[Occur, Query]] = [(Occur.Must, p) for p in phrases]
    if mode == "all":
        clauses += [(Occur.Must, w) for w in words]
    elif len(words) > 1:
        parts = any_mode_words(query.terms)
        some = [c for c in (_text_clause(schema, t, title=title) for t in parts) if c]
        clauses.append((Occur.Must, Query.boolean_query([(Occur.Should, w) for w in some])))
    else:
        return None  # "any" adds nothing to a one-word query
    kind = "all" if mode == "all" else "any"
    filters_ = filter_clauses(schema, query, filters)
    if mode == "any" and not phrases and all(occur == Occur.MustNot for occur, _ in filters_):
        # One flat union of boosted field terms: tantivy can then skip blocks that cannot reach
        # the top k (block-max WAND), which a union of nested unions does not allow.
        long = len(query.terms) > LONG_QUERY_WORDS
        flat = [
            part
            for t in any_mode_words(query.terms)
            for part in (_body_parts(schema, t) if long else _text_parts(schema, t, title=title))
        ]
        # Only a long query describes a paper in the reader's words; a short one names it (on
        # dev, shorter queries gained nothing from related words).
        related = related_words(any_mode_words(query.terms)) if expand and long else []
        flat += _related_parts(schema, related)
        return BuiltQuery(
            Query.boolean_query(flat + filters_),
            kind,
            can_relax=True,
            related=[word for word, _ in related],
            unexcluded=Query.boolean_query(flat) if len(filters_) == 1 else None,  # hidden only
        )
    if not clauses:
        kind = "filter"
        clauses.append((Occur.Must, Query.all_query()))
    clauses += filters_
    return BuiltQuery(Query.boolean_query(clauses), kind, can_relax=len(words) > 1)
