"""The vector index interface, and its file implementation for the embedded (SQLite) setup.

Every index stores, per paper id, one float32 vector and the paper's `modified_at` it was built
from (so a catch-up can skip what is current), plus a small metadata document (the model that
built it, the applied change number). `registry.open_vector_index(store)` picks the
implementation: pgvector on PostgreSQL (`pgvector.py`), files in `<data_dir>/search/vectors/`
otherwise (`files.py`). The implementations import this module, never the reverse.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    pass


class VectorIndex(Protocol):
    """Paper-id-keyed vectors with nearest-neighbour search by cosine (vectors are unit length)."""

    def add(
        self,
        ids: Sequence[int],
        vectors: np.ndarray,
        stamps: Sequence[float] | None = None,
        *,
        meta: dict[str, Any] | None = None,
    ) -> None:
        """Insert or replace the vectors of these papers; `stamps` are their modified_at (epoch).

        `meta` keys are updated in the same step as the vectors (all or nothing)."""

    def remove(self, ids: Sequence[int]) -> None:
        """Forget these papers (unknown ids are ignored)."""

    def search(
        self, vector: np.ndarray, k: int, *, exact: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """The k nearest paper ids and their cosine similarities, best first (`exact`: no
        approximate index, every vector compared)."""

    def get(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        """The stored vectors of those of `ids` that have one."""

    def scores(self, vector: np.ndarray, ids: Sequence[int]) -> dict[int, float]:
        """The cosine similarity of `vector` to each of `ids` that has a vector (as `search`
        would score them)."""

    def stamps(self, ids: Sequence[int]) -> dict[int, float]:
        """The modified_at (epoch seconds) each of `ids` with a vector was embedded from."""

    def meta(self) -> dict[str, Any]:
        """The index's metadata: at least `model` (None while empty) and `dim`."""

    def meta_for_search(self) -> dict[str, Any]:
        """meta(), read for a search that follows on this object (the PostgreSQL copy checks
        itself against pgvector in the same round trip)."""

    def set_meta(self, **values: Any) -> None:
        """Update metadata keys (e.g. `applied_seq`, the change number applied)."""

    def reset(self, model: str, dim: int) -> None:
        """Drop every vector and start an empty index for `model` vectors of `dim` dimensions."""

    def prepare_bulk(self, pending: int) -> bool:
        """About to add `pending` vectors in one run: an index that updates a graph on every
        insert may drop it now and build it once at flush(force=True). Returns whether it did."""

    def flush(self, force: bool = False) -> None:
        """Make recent additions fast to search (fold them into the HNSW graph when many, or
        always with `force`)."""

    def __len__(self) -> int: ...

    def is_empty(self) -> bool:
        """True when the index holds no vector (cheaper than len on a large table)."""


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest scores, best first (argpartition, then a small sort)."""
    k = min(k, len(scores))
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    return part[np.argsort(-scores[part], kind="stable")]


def as_query(vector: np.ndarray) -> np.ndarray:
    """A contiguous float32 row: a float64 query against float32 rows is ~10x slower in numpy."""
    return np.ascontiguousarray(np.asarray(vector, dtype=np.float32).reshape(-1))
