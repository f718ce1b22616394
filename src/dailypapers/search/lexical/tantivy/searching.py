"""Reading the tantivy index: ranked search (all words first, then any), the scores of given
papers, and id filtering."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import tantivy
from tantivy import Occur, Query

from dailypapers.search.lexical.base import Filters, LexicalResult, Rank, Sort
from dailypapers.search.lexical.tantivy.query import BuiltQuery, build_query, filter_clauses
from dailypapers.search.lexical.tantivy.schema import SCHEMA

if TYPE_CHECKING:
    from dailypapers.search.query import ParsedQuery


def search_index(
    index: tantivy.Index,
    query: ParsedQuery,
    *,
    limit: int,
    offset: int = 0,
    filters: Filters | None = None,
    sort: Sort = "relevance",
    rank: Rank = "all-first",
) -> LexicalResult:
    """One page of papers matching `query`: those with every word first, then any word."""
    searcher = index.searcher()
    filters = filters or Filters()
    order = {"date": "day", "votes": "votes"}.get(sort)
    wanted = offset + limit
    result = LexicalResult()
    for mode in ("all", "any"):
        built = build_query(SCHEMA, query, filters, mode=mode, expand=rank == "any")
        if built is None:
            continue
        if rank == "any" and mode == "all" and build_query(SCHEMA, query, filters, mode="any"):
            continue  # bm25 over any word ranks alone (the hybrid's lexical half)
        hits = ranked_hits(searcher, built, wanted + 1, order)
        ids = searcher.fast_field_values("id", [address for _, address in hits])
        scores = [float(score) for score, _ in hits]
        more = len(ids) > wanted
        ids, scores = ids[:wanted], scores[:wanted]
        if mode == "all":
            result = LexicalResult(ids, scores, len(ids) + more, built.kind, exact=not more)
            # Enough papers contain every word (or there is only one word): done.
            if more or len(ids) == wanted or not built.can_relax:
                break
            continue
        # Papers with every word stay first; papers with some words follow.
        seen = set(result.ids)
        for paper_id, score in zip(ids, scores, strict=True):
            if paper_id not in seen and len(result.ids) < wanted:
                result.ids.append(paper_id)
                result.scores.append(score)
        result.total = max(result.total, len(result.ids) + more)
        result.exact = not more
        result.mode = "any" if len(result.ids) > len(seen) else result.mode
        result.related = built.related
    result.ids = result.ids[offset:wanted]
    result.scores = result.scores[offset:wanted]
    return result


# Hidden papers a ranking without the exclusion may have to skip before it falls back to one
# with it: a few hidden papers near the top cost nothing, many fall back.
HIDDEN_SLACK = 16


def ranked_hits(
    searcher: tantivy.Searcher, built: BuiltQuery, limit: int, order: str | None
) -> list[tuple[float, tantivy.DocAddress]]:
    """The first `limit` (score, address) hits of `built`, hidden papers left out.

    Not counted: counting every match scores them all, where top-k skips whole blocks (a broad
    query at 1M papers: ~10x slower). Past the page, totals are lower bounds. A relevance
    ranking whose only exclusion is the hidden papers asks without it (block-max WAND, see
    `BuiltQuery.unexcluded`) and drops the hidden hits: the first `limit` visible papers are
    exact as long as no more than HIDDEN_SLACK hidden ones rank above the last of them."""
    if built.unexcluded is not None and order is None:
        asked = limit + HIDDEN_SLACK
        found = searcher.search(built.unexcluded, limit=asked, count=False).hits
        hidden = searcher.fast_field_values("hidden", [address for _, address in found])
        visible = [hit for hit, gone in zip(found, hidden, strict=True) if not gone]
        if len(visible) >= limit or len(found) < asked:
            return visible[:limit]
    return searcher.search(built.query, limit=limit, count=False, order_by_field=order).hits


def filter_index(
    index: tantivy.Index, ids: Sequence[int], query: ParsedQuery, filters: Filters
) -> set[int]:
    """Which of `ids` pass the query's field filters (and `filters`)."""
    if not ids:
        return set()
    searcher = index.searcher()
    clauses = [(Occur.Must, Query.term_set_query(SCHEMA, "id", list(ids)))]
    clauses += filter_clauses(SCHEMA, query, filters)
    found = searcher.search(Query.boolean_query(clauses), limit=len(ids), count=False)
    return set(searcher.fast_field_values("id", [address for _, address in found.hits]))


def score_index(
    index: tantivy.Index, ids: Sequence[int], query: ParsedQuery, filters: Filters
) -> dict[int, float]:
    """The bm25 that the hybrid's keyword ranking (rank "any") gives each of `ids` that it
    matches: the same query as `search_index`, asked only of these papers, so a paper that
    the other half found scores as if the keyword half had ranked it too."""
    if not ids:
        return {}
    built = build_query(SCHEMA, query, filters, mode="any", expand=True) or build_query(
        SCHEMA, query, filters, mode="all"
    )
    if built is None or built.kind == "filter":
        return {}
    searcher = index.searcher()
    only = Query.const_score_query(Query.term_set_query(SCHEMA, "id", list(ids)), 0.0)
    asked = Query.boolean_query([(Occur.Must, built.query), (Occur.Must, only)])
    found = searcher.search(asked, limit=len(ids), count=False)
    found_ids = searcher.fast_field_values("id", [address for _, address in found.hits])
    return {
        int(paper_id): float(score)
        for paper_id, (score, _) in zip(found_ids, found.hits, strict=True)
    }
