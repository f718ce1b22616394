"""Search as the site, the API, the CLI and digests use it: one function, `search_papers`.

Hybrid by default: the lexical engine (bm25, `lexical.py`) and the semantic one (embeddings,
H4b's vector index) each rank candidates; reciprocal rank fusion merges them
(`fusion.py`), exact title and author matches get a boost, and every hit says why it matched.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Literal

from sqlalchemy import select

from dailypapers.errors import BadQuery
from dailypapers.search.completion import completed, semantic_half
from dailypapers.search.explain import RowLoader, SearchHit, explain
from dailypapers.search.fusion import Candidate, fuse
from dailypapers.search.health import damaged, guarded
from dailypapers.search.lexical.base import Filters, Rank, Sort
from dailypapers.search.query import ParsedQuery, check_day, parse_query
from dailypapers.search.semantic import SemanticHalf, model_weight
from dailypapers.store.models import Paper

__all__ = ["SearchHit", "SearchPage", "search_papers"]

if TYPE_CHECKING:
    from dailypapers.store.db import Store

log = logging.getLogger(__name__)
Mode = Literal["hybrid", "lexical", "semantic"]
SORTS = ("relevance", "date", "votes")
MODES = ("hybrid", "lexical", "semantic")
MAX_LIMIT = 120
MAX_OFFSET = 10_000
_HALVES = ThreadPoolExecutor(max_workers=8, thread_name_prefix="search-semantic")
CANDIDATES = 100  # per engine, before fusion: deep enough that fusion can reorder the top
# The lexical half of hybrid search ranks by bm25 over any query word: "every word first" is
# right for a keyword search, but as a half of fusion it ranked worse (benchmarks/relevance.py).
HYBRID_LEXICAL_RANK: Rank = "any"


@dataclass
class SearchPage:
    hits: list[SearchHit]
    total: int  # matches known (lexical count, at least the hits shown)
    query: ParsedQuery
    mode: Mode
    highlight: set[str] = field(default_factory=set)  # stems to highlight in titles/abstracts
    highlight_names: set[str] = field(default_factory=set)  # folded author-name tokens
    matched: str = "none"  # how the lexical engine matched: "all" words, "any" word, "filter"
    total_exact: bool = True  # False: there are at least `total` matches


def _check(limit: int, offset: int, sort: str, mode: str) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise BadQuery(f"limit must be between 1 and {MAX_LIMIT}")
    if not 0 <= offset <= MAX_OFFSET:
        raise BadQuery(f"offset must be between 0 and {MAX_OFFSET}")
    if sort not in SORTS:
        raise BadQuery(f"sort must be one of {', '.join(SORTS)}")
    if mode not in MODES:
        raise BadQuery(f"mode must be one of {', '.join(MODES)}")


def search_papers(
    store: Store,
    query: str | ParsedQuery,
    *,
    limit: int = 20,
    offset: int = 0,
    since: date | None = None,
    until: date | None = None,
    category: str | None = None,
    has_code: bool | None = None,
    sort: Sort = "relevance",
    mode: Mode = "hybrid",
    rows: RowLoader | None = None,
) -> SearchPage:
    """Search papers; raises BadQuery for a query or argument a user must fix.

    `rows` reads the shown papers' rows by id (explain.RowLoader): a caller that loads their
    cards anyway passes its loader, and the page's papers are read once."""
    _check(limit, offset, sort, mode)
    check_day("since", since)
    check_day("until", until)
    parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
    filters = Filters.combine(
        parsed, since=since, until=until, category=category, has_code=has_code
    )
    browsing = since or until or category or has_code is not None  # filters without words
    if parsed.is_empty and parsed.text and not browsing:
        return SearchPage([], 0, parsed, mode)  # symbols only ("😀 ✨", "!!!"): nothing to find
    engine = guarded(store)  # a damaged index: no lexical hits while it is rebuilt
    wanted = offset + limit
    pinned = _pinned(store, parsed)

    lexical = None
    if parsed.arxiv_id and not _has_more_than_id(parsed):
        # Only an id: that paper, or nothing (not every paper in the index).
        hits, stems, names = explain(
            store,
            parsed,
            [Candidate(pinned, 1.0)] if pinned else [],
            semantic_ids=set(),
            lexical_ids=set(),
            pinned=pinned,
            rows=rows,
        )
        return SearchPage(hits if offset == 0 else [], len(hits), parsed, mode, stems, names)
    # The semantic half (embed the query, ask the vector index: ONNX and the database driver
    # release the GIL) runs in a thread while this one asks the keyword index; in hybrid
    # relevance it also asks the keyword index to score its own candidates (completion.py).
    semantic_job: Future[tuple[SemanticHalf, dict[int, float]]] | None = None
    k = max(wanted, CANDIDATES)
    hybrid = mode == "hybrid" and sort == "relevance"
    complete = hybrid and HYBRID_LEXICAL_RANK == "any"
    if mode != "lexical" and parsed.free_text and (sort == "relevance" or mode == "semantic"):
        semantic_job = _HALVES.submit(
            semantic_half, store, parsed, filters, engine, k=k, complete=complete
        )
    asked = engine
    if mode != "semantic" or not parsed.free_text:
        depth = wanted if sort != "relevance" or mode == "lexical" else max(wanted, CANDIDATES)
        rank: Rank = HYBRID_LEXICAL_RANK if hybrid else "all-first"
        try:
            lexical = engine.search(parsed, limit=depth, filters=filters, sort=sort, rank=rank)
        except Exception as exc:  # a derived index: answer without it, rebuild it
            engine = damaged(store, engine, exc)
            lexical = engine.search(parsed, limit=depth, filters=filters, sort=sort, rank=rank)
    half, keyword_scores = SemanticHalf([], None), {}
    if semantic_job is not None:
        try:
            half, keyword_scores = semantic_job.result()
        except Exception as exc:  # its filter_ids asks the keyword index
            if engine is asked:  # not yet replaced by the lexical half's failure
                engine = damaged(store, engine, exc)
            half, keyword_scores = semantic_half(
                store, parsed, filters, engine, k=k, complete=complete
            )
    semantic, model = half.candidates, half.model
    lexical_list = (
        [Candidate(i, s) for i, s in zip(lexical.ids, lexical.scores, strict=True)]
        if lexical
        else []
    )
    if complete:
        lexical_list, semantic = completed(store, half, lexical_list, keyword_scores)

    if sort != "relevance" and lexical is not None:
        ranked = lexical_list  # never completed outside relevance order
        total = lexical.total
    elif sort != "relevance":
        # Semantic only, by date or votes: the papers close enough in meaning, in that order.
        ranked = _sorted(store, semantic, sort)
        total = len(ranked)
    else:
        weight = model_weight(model) if semantic else 1.0
        ranked = fuse(store, parsed, lexical_list, semantic, mode=mode, semantic_weight=weight)
        total = max(lexical.total if lexical else 0, len(ranked))
    if pinned is not None:
        top = max((c.score for c in ranked), default=0.0)
        ranked = [Candidate(pinned, top + 1.0)] + [c for c in ranked if c.paper_id != pinned]
        total = max(total, 1)

    page = ranked[offset:wanted]
    semantic_ids = {c.paper_id for c in semantic}
    lexical_ids = {c.paper_id for c in lexical_list}
    hits, stems, names = explain(
        store,
        parsed,
        page,
        semantic_ids=semantic_ids,
        lexical_ids=lexical_ids,
        pinned=pinned,
        rows=rows,
        related=lexical.related if lexical else (),
    )
    matched = lexical.mode if lexical else "none"
    exact = lexical.exact if lexical else True
    return SearchPage(hits, total, parsed, mode, stems, names, matched, exact)


def _sorted(store: Store, candidates: list[Candidate], sort: Sort) -> list[Candidate]:
    """Candidates newest first (by listing date, else first submission) or most voted first."""
    from dailypapers.store.models import DailyListing

    if not candidates:
        return []
    with store.session() as session:
        rows = session.execute(
            select(Paper.id, DailyListing.date, Paper.published_at, Paper.imported_upvotes)
            .outerjoin(DailyListing, DailyListing.paper_id == Paper.id)
            .where(Paper.id.in_([c.paper_id for c in candidates]))
        ).all()
    keys = {}
    for row in rows:
        day = row.date or (row.published_at.date() if row.published_at else date.min)
        key = day.toordinal() if sort == "date" else (row.imported_upvotes or 0)
        keys[row.id] = max(key, keys.get(row.id, key))  # a paper listed twice: its latest day
    return sorted(candidates, key=lambda c: (-keys.get(c.paper_id, 0), -c.score))


def _has_more_than_id(parsed: ParsedQuery) -> bool:
    return bool(
        parsed.terms or parsed.phrases or parsed.authors or parsed.categories or parsed.excluded
    )


def _pinned(store: Store, parsed: ParsedQuery) -> int | None:
    """The paper an arXiv id in the query names, if we have it."""
    if not parsed.arxiv_id:
        return None
    with store.session() as session:
        return session.scalar(
            select(Paper.id).where(Paper.arxiv_id == parsed.arxiv_id, Paper.hidden.is_(False))
        )
