"""`VectorIndex` on PostgreSQL: a pgvector table with HNSW indexes (migration 0003 makes them).

The column is an untyped `vector` so each model keeps its own dimension; one partial
expression index per shipped dimension (`embedding::vector(384)` where the row has 384) gives
the HNSW search. Metadata (model, applied change number) lives in `sync_state` under
`search.vectors`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert

from dailypapers.search.vectors.base import as_query
from dailypapers.store.models import SyncState
from dailypapers.timeutil import utcnow

if TYPE_CHECKING:
    from dailypapers.store.db import Store

META_KEY = "search.vectors"
INDEXED_DIMS = (384, 256)  # dimensions with an HNSW index (the shipped models')

_metadata = MetaData()
EMBEDDINGS = Table(
    "paper_embeddings",
    _metadata,
    Column("paper_id", Integer, ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True),
    Column("model", String(40), nullable=False),
    Column("stamp", Float, nullable=False),  # the paper's modified_at (epoch) it was made from
    Column("embedding", Vector(), nullable=False),
)


class PgVectorIndex:
    """Paper vectors in PostgreSQL (pgvector), searched through an HNSW index."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def meta(self) -> dict[str, Any]:
        with self.store.engine.connect() as conn:
            value = conn.execute(
                select(SyncState.value).where(SyncState.key == META_KEY)
            ).scalar_one_or_none()
        return {"model": None, "dim": 0, **(value or {})}

    def set_meta(self, **values: Any) -> None:
        with self.store.engine.begin() as conn:
            self._write_meta(conn, {**self._read_meta(conn), **values})

    def _read_meta(self, conn: Any) -> dict[str, Any]:
        row = conn.execute(
            select(SyncState.value).where(SyncState.key == META_KEY).with_for_update()
        ).scalar_one_or_none()
        return dict(row or {})

    def _write_meta(self, conn: Any, value: dict[str, Any]) -> None:
        table = SyncState.__table__
        statement = insert(table).values(key=META_KEY, value=value, updated_at=utcnow())
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.key],
                set_={
                    "value": statement.excluded.value,
                    "updated_at": statement.excluded.updated_at,
                },
            )
        )

    def reset(self, model: str, dim: int) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(delete(EMBEDDINGS))
            self._write_meta(conn, {"model": model, "dim": dim})

    def __len__(self) -> int:
        with self.store.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(EMBEDDINGS)).scalar_one())

    def is_empty(self) -> bool:
        with self.store.engine.connect() as conn:  # one index probe, not a count of 1M rows
            return conn.execute(select(EMBEDDINGS.c.paper_id).limit(1)).first() is None

    def add(
        self,
        ids: Sequence[int],
        vectors: np.ndarray,
        stamps: Sequence[float] | None = None,
        *,
        meta: dict[str, Any] | None = None,
    ) -> None:
        if len(ids) == 0:
            if meta:
                self.set_meta(**meta)
            return
        current = self.meta()
        if not current.get("model"):
            raise RuntimeError("reset(model, dim) the vector index before adding to it")
        if np.shape(vectors) != (len(ids), current["dim"]):
            raise ValueError(f"expected {len(ids)} vectors of {current['dim']} dimensions")
        rows = {
            int(paper_id): {
                "paper_id": int(paper_id),
                "model": current["model"],
                "stamp": float(stamps[n]) if stamps is not None else 0.0,
                "embedding": np.asarray(vectors[n], dtype=np.float32),
            }
            for n, paper_id in enumerate(ids)
        }
        statement = insert(EMBEDDINGS)
        statement = statement.on_conflict_do_update(
            index_elements=[EMBEDDINGS.c.paper_id],
            set_={
                "model": statement.excluded.model,
                "stamp": statement.excluded.stamp,
                "embedding": statement.excluded.embedding,
            },
        )
        with self.store.engine.begin() as conn:
            conn.execute(statement, list(rows.values()))
            if meta:  # in the same transaction as the vectors it describes
                self._write_meta(conn, {**self._read_meta(conn), **meta})

    def remove(self, ids: Sequence[int]) -> None:
        if len(ids) == 0:
            return
        with self.store.engine.begin() as conn:
            conn.execute(delete(EMBEDDINGS).where(EMBEDDINGS.c.paper_id.in_([int(i) for i in ids])))

    def get(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        query = select(EMBEDDINGS.c.paper_id, EMBEDDINGS.c.embedding).where(
            EMBEDDINGS.c.paper_id.in_([int(i) for i in ids])
        )
        with self.store.engine.connect() as conn:
            return {pid: np.asarray(vec, dtype=np.float32) for pid, vec in conn.execute(query)}

    def stamps(self, ids: Sequence[int]) -> dict[int, float]:
        query = select(EMBEDDINGS.c.paper_id, EMBEDDINGS.c.stamp).where(
            EMBEDDINGS.c.paper_id.in_([int(i) for i in ids])
        )
        with self.store.engine.connect() as conn:
            return {pid: float(stamp) for pid, stamp in conn.execute(query)}

    def search(
        self, vector: np.ndarray, k: int, *, exact: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        query = as_query(vector)
        dim = int(len(query))
        if k <= 0:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        # The cast to a fixed dimension lets the planner use that dimension's partial HNSW index;
        # `dim` is an int, so formatting it into the statement is safe.
        distance = f"(embedding::vector({dim}) <=> CAST(:q AS vector({dim})))"
        statement = text(
            f"SELECT paper_id, 1 - {distance} AS score FROM paper_embeddings "  # noqa: S608
            f"WHERE vector_dims(embedding) = {dim} ORDER BY {distance} LIMIT :k"
        )
        literal = "[" + ",".join(f"{x:.7g}" for x in query.tolist()) + "]"
        with self.store.engine.begin() as conn:
            # ef_search bounds how many candidates HNSW returns; keep it above k.
            conn.execute(text(f"SET LOCAL hnsw.ef_search = {min(1000, max(64, 2 * k))}"))
            if exact:  # a sequential scan computes every distance
                conn.execute(text("SET LOCAL enable_indexscan = off"))
            rows = conn.execute(statement, {"q": literal, "k": int(k)}).all()
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        scores = np.array([r[1] for r in rows], dtype=np.float32)
        return ids, scores

    def flush(self, force: bool = False) -> None:
        """Nothing to do: PostgreSQL keeps the HNSW index current on every insert."""
