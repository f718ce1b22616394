"""The semantic half as search uses it: embed the query, ask the vector index, apply filters.

The embedder and the vector index are the semantic module's (`embeddings.py`, `vectors.py`);
this adapter only picks the model the index was built with and keeps what the filters allow.
When no vectors exist yet, search is lexical only.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from dailypapers.search.fusion import Candidate

if TYPE_CHECKING:
    from dailypapers.search.lexical.base import Filters, LexicalIndex
    from dailypapers.search.query import ParsedQuery
    from dailypapers.store.db import Store

log = logging.getLogger(__name__)


def query_vector(store: Store, text: str):  # noqa: ANN201
    """The query embedded by the model the vector index holds, or None without vectors."""
    from dailypapers.search.embed.models import get_embedder
    from dailypapers.search.vectors.registry import open_vector_index

    index = open_vector_index(store)
    model = index.meta().get("model")
    if not model or len(index) == 0:
        return None, index
    return get_embedder(model).embed([text])[0], index


def model_weight(store: Store) -> float:
    """How much the semantic ranking counts in fusion, for the model the index was built with."""
    from dailypapers.search.fusion import MODEL_WEIGHTS, SEMANTIC_WEIGHT
    from dailypapers.search.vectors.registry import open_vector_index

    model = open_vector_index(store).meta().get("model")
    return MODEL_WEIGHTS.get(model or "", SEMANTIC_WEIGHT)


def semantic_candidates(
    store: Store, query: ParsedQuery, filters: Filters, engine: LexicalIndex, *, k: int
) -> list[Candidate]:
    """Up to k papers nearest the query's words that pass its filters, best first."""
    try:
        vector, index = query_vector(store, query.free_text)
    except Exception:  # a missing or broken model must not take lexical search down with it
        log.exception("semantic search unavailable")
        return []
    if vector is None:
        return []
    restricted = bool(
        filters.categories
        or filters.since
        or filters.until
        or filters.has_code is not None
        or query.authors
        or query.excluded
    )
    depth = k * 5 if restricted else k
    ids, scores = index.search(vector, depth)
    ids = [int(i) for i in ids]
    allowed = engine.filter_ids(ids, query, filters)
    kept = [
        Candidate(paper_id, float(score))
        for paper_id, score in zip(ids, scores, strict=True)
        if paper_id in allowed
    ]
    return kept[:k]
