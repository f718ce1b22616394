"""Similar papers and plain semantic search over the vector index.

Both return paper ids with cosine scores, best first, leaving out hidden papers; filters are
applied to an over-fetched candidate list, widened until enough papers pass. (The hybrid
search's own adapter is `semantic.py`.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache

import numpy as np
from sqlalchemy import select

from dailypapers.errors import NotFound
from dailypapers.search.embed.models import get_embedder, paper_text
from dailypapers.search.vectors.indexing import embed_papers
from dailypapers.search.vectors.registry import open_vector_index
from dailypapers.store.db import Store
from dailypapers.store.models import Paper
from dailypapers.timeutil import as_utc

MAX_FETCH = 20_000  # candidates at most, however selective the filters


@lru_cache(maxsize=2048)
def _query_vector(model: str, query: str) -> np.ndarray:
    return get_embedder(model).embed([query])[0]


def _visible(
    store: Store,
    ids: Sequence[int],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    categories: Sequence[str] | None = None,
    exclude: frozenset[int] = frozenset(),
) -> set[int]:
    """Those of `ids` that are not hidden and match the filters."""
    query = select(Paper.id, Paper.published_at, Paper.categories).where(
        Paper.id.in_([int(i) for i in ids]), Paper.hidden.is_(False)
    )
    wanted = set(categories or ())
    keep = set()
    with store.session() as session:
        for paper_id, published, cats in session.execute(query):
            if paper_id in exclude:
                continue
            if since is not None and (published is None or as_utc(published) < as_utc(since)):
                continue
            if until is not None and (published is None or as_utc(published) > as_utc(until)):
                continue
            if wanted and not wanted.intersection(cats or ()):
                continue
            keep.add(paper_id)
    return keep


def nearest(
    store: Store,
    vector: np.ndarray,
    k: int,
    keep: Callable[[list[int]], set[int]],
    *,
    widen: bool = False,
) -> tuple[list[int], list[float]]:
    """The k best vector neighbours that `keep` lets through, over-fetching as needed."""
    index = open_vector_index(store)
    fetch = k * 4 if widen else k + 16
    while True:
        ids, scores = index.search(vector, fetch)
        kept = keep(ids.tolist())
        hits = [(int(i), float(s)) for i, s in zip(ids, scores, strict=True) if int(i) in kept]
        if len(hits) >= k or len(ids) < fetch or fetch >= MAX_FETCH:
            hits = hits[:k]
            return [h[0] for h in hits], [h[1] for h in hits]
        fetch = min(MAX_FETCH, fetch * 4)


def semantic_search(
    store: Store,
    query: str,
    k: int = 50,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    categories: Sequence[str] | None = None,
) -> tuple[list[int], list[float]]:
    """Papers nearest in meaning to `query` (cosine), best first; ([], []) before any index.

    `since`/`until` bound the publication time; `categories` keeps papers in any of them.
    """
    model = open_vector_index(store).meta().get("model")
    if not model or not query.strip() or k <= 0:
        return [], []
    vector = _query_vector(model, query.strip())

    def keep(ids: list[int]) -> set[int]:
        return _visible(store, ids, since=since, until=until, categories=categories)

    widen = since is not None or until is not None or bool(categories)
    return nearest(store, vector, k, keep, widen=widen)


def paper_vector(store: Store, paper_id: int) -> np.ndarray:
    """A paper's vector: from the index, else embedded now (and stored). NotFound if no paper."""
    index = open_vector_index(store)
    found = index.get([paper_id]).get(paper_id)
    if found is not None:
        return found
    with store.session() as session:
        paper = session.get(Paper, paper_id)
        if paper is None:
            raise NotFound(f"no paper with id {paper_id}")
        text = paper_text(paper.title, paper.abstract)
    embed_papers(store, [paper_id])  # creates the index if there was none
    found = index.get([paper_id]).get(paper_id)
    return found if found is not None else get_embedder(index.meta()["model"]).embed([text])[0]


def similar_papers(store: Store, paper_id: int, k: int = 10) -> list[tuple[int, float]]:
    """The k papers nearest to this one (not itself, not hidden), with cosine scores.

    A paper without a vector yet (saved in a bulk import not indexed so far) is embedded on
    the fly. Raises NotFound for an unknown paper id.
    """
    vector = paper_vector(store, paper_id)

    def keep(ids: list[int]) -> set[int]:
        return _visible(store, ids, exclude=frozenset({paper_id}))

    ids, scores = nearest(store, vector, k, keep)
    return list(zip(ids, scores, strict=True))
