"""The semantic half as search uses it: embed the query, ask the vector index, apply filters.

The embedder and the vector index are the semantic module's (`embeddings.py`, `vectors.py`);
this adapter only picks the model the index was built with and keeps what the filters allow.
When no vectors exist yet, search is lexical only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dailypapers.search.fusion import Candidate
from dailypapers.store.id_lists import for_dialect

if TYPE_CHECKING:
    from dailypapers.search.lexical.base import Filters, LexicalIndex
    from dailypapers.search.query import ParsedQuery
    from dailypapers.store.db import Store

log = logging.getLogger(__name__)


@dataclass(slots=True)
class SemanticHalf:
    """The papers nearest the query, and what scores more of them (`cosines_of`)."""

    candidates: list[Candidate]
    model: str | None
    vector: Any = None  # the query's vector (numpy), None without vectors
    index: Any = None  # the VectorIndex that answered


# Below this cosine (by model) a paper is not "close in meaning": a nonsense query finds nothing
# rather than the nearest hundred papers. Tuned on benchmarks/queries/dev.jsonl (docs/search.md).
SIMILARITY_FLOORS = {"minilm": 0.35, "static": 0.45}
# Title-only papers (no abstract) are short texts that sit close to any short query and crowd
# the semantic ranking; their cosine counts this much less.
TITLE_ONLY_PENALTY = 0.2


def query_vector(store: Store, text: str):  # noqa: ANN201
    """(the query embedded by the model the vector index was built with, or None before any
    was; the index; its model)."""
    from dailypapers.search.embed.models import get_embedder
    from dailypapers.search.vectors.registry import open_vector_index

    index = open_vector_index(store)
    model = index.meta_for_search().get("model")
    if not model:  # an index with a model and no vectors yet simply finds nothing
        return None, index, model
    return get_embedder(model).embed([text])[0], index, model


def model_weight(model: str | None) -> float:
    """How much the semantic ranking counts in fusion, for the model the index was built with."""
    from dailypapers.search.fusion import MODEL_WEIGHTS, SEMANTIC_WEIGHT

    return MODEL_WEIGHTS.get(model or "", SEMANTIC_WEIGHT)


def semantic_candidates(
    store: Store, query: ParsedQuery, filters: Filters, engine: LexicalIndex, *, k: int
) -> SemanticHalf:
    """Up to k papers nearest the query's words that pass its filters, best first, and the
    model that embedded them (None without vectors)."""
    try:
        vector, index, model = query_vector(store, query.free_text)
    except Exception:  # a missing or broken model must not take lexical search down with it
        log.exception("semantic search unavailable")
        return SemanticHalf([], None)
    if vector is None:
        return SemanticHalf([], model)
    floor = SIMILARITY_FLOORS.get(model or "", 0.0)
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
    if restricted:  # the keyword index applies the query's filters
        allowed = engine.filter_ids(ids, query, filters)
        short = _title_only(store, [i for i in ids if i in allowed])
    else:  # only moderation's: one read of two small partial indexes answers both
        hidden, short = _hidden_and_title_only(store, ids)
        allowed = set(ids) - hidden
    kept = _ranked(
        ((i, float(score)) for i, score in zip(ids, scores, strict=True) if i in allowed),
        short,
        floor,
    )
    return SemanticHalf(kept[:k], model, vector, index)


def _ranked(cosines: Iterable[tuple[int, float]], short: set[int], floor: float) -> list[Candidate]:
    """Candidates by cosine less the title-only penalty, those at the floor or above, best
    first."""
    scored = [
        Candidate(paper_id, cosine - (TITLE_ONLY_PENALTY if paper_id in short else 0.0))
        for paper_id, cosine in cosines
    ]
    return sorted((c for c in scored if c.score >= floor), key=lambda c: -c.score)


def cosines_of(store: Store, half: SemanticHalf, ids: list[int]) -> list[Candidate]:
    """The papers of `ids` (which passed the query's filters) as the semantic half would have
    scored them: their cosine, less the title-only penalty, those at the floor or above."""
    if half.vector is None or not ids:
        return []
    floor = SIMILARITY_FLOORS.get(half.model or "", 0.0)
    # The penalty only lowers a cosine: those below the floor without it are out already.
    cosines = {i: c for i, c in half.index.scores(half.vector, ids).items() if c >= floor}
    return _ranked(cosines.items(), _title_only(store, list(cosines)), floor)


def _title_only(store: Store, ids: list[int]) -> set[int]:
    """Those of `ids` whose paper has no abstract."""
    if not ids:
        return set()
    with store.session() as session:
        return set(session.scalars(_TITLE_ONLY_AMONG(session), {"ids": ids}))


def _hidden_and_title_only(store: Store, ids: list[int]) -> tuple[set[int], set[int]]:
    """(those of `ids` that moderation hid, those whose paper has no abstract)."""
    hidden: set[int] = set()
    short: set[int] = set()
    if not ids:
        return hidden, short
    with store.session() as session:
        for paper_id, is_hidden in session.execute(_HIDDEN_OR_TITLE_ONLY(session), {"ids": ids}):
            (hidden if is_hidden else short).add(paper_id)
    return hidden, short


def _among_where(postgresql: bool, predicate: str):  # noqa: ANN202 - a Select
    from sqlalchemy import select, text

    from dailypapers.store.id_lists import among
    from dailypapers.store.models import Paper

    # The predicate as written in its partial index (ix_papers_title_only, ix_papers_hidden),
    # so that index is used.
    return select(Paper.id).where(among(Paper.id, postgresql), text(f"({predicate})"))


def _title_only_among(postgresql: bool):  # noqa: ANN202 - a Select
    from dailypapers.store.models import TITLE_ONLY

    return _among_where(postgresql, TITLE_ONLY)


def _hidden_or_title_only_among(postgresql: bool):  # noqa: ANN202 - a CompoundSelect
    from sqlalchemy import false, true, union_all

    from dailypapers.store.models import HIDDEN, TITLE_ONLY

    hidden = _among_where(postgresql, HIDDEN).add_columns(true())
    short = _among_where(postgresql, TITLE_ONLY).add_columns(false())
    return union_all(hidden, short)


_TITLE_ONLY_AMONG = for_dialect(_title_only_among)
_HIDDEN_OR_TITLE_ONLY = for_dialect(_hidden_or_title_only_among)
