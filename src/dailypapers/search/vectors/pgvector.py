"""`VectorIndex` on PostgreSQL: a pgvector table with HNSW indexes (migration 0004 makes them).

The column is an untyped `vector` so each model keeps its own dimension; one partial
expression index per shipped dimension (`embedding::vector(384)` where the row has 384) gives
the HNSW search. Metadata (model, applied change number) lives in `sync_state` under
`search.vectors`. A large backlog is loaded without the graph and the graph built after it
(`pg_hnsw.py`).
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

from dailypapers.search.vectors import pg_hnsw
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


# Vectors travel as one binary COPY into a staging table, then one upsert: formatting 256
# floats a row as text took 330 µs of Python per vector (2.2 s per chunk of 4,096).
_STAGE = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS paper_embeddings_stage (paper_id int4, "
    "model varchar(40), stamp float8, embedding vector) ON COMMIT DROP"
)
_MERGE = (
    "INSERT INTO paper_embeddings (paper_id, model, stamp, embedding) "
    "SELECT paper_id, model, stamp, embedding FROM paper_embeddings_stage "
    "ON CONFLICT (paper_id) DO UPDATE SET model = EXCLUDED.model, stamp = EXCLUDED.stamp, "
    "embedding = EXCLUDED.embedding"
)
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
_COPY_TRAILER = (-1).to_bytes(2, "big", signed=True)


def copy_payload(
    ids: np.ndarray, model: str, stamps: np.ndarray | None, vectors: np.ndarray
) -> bytes:
    """PostgreSQL's binary COPY stream of (paper_id, model, stamp, embedding) rows, built by
    numpy in one pass: every row has the same layout, so the rows are one record array."""
    name = model.encode()
    dim = vectors.shape[1]
    layout = np.dtype(
        [
            ("fields", ">i2"),
            ("id_len", ">i4"),
            ("id", ">i4"),
            ("model_len", ">i4"),
            ("model", f"S{len(name)}"),
            ("stamp_len", ">i4"),
            ("stamp", ">f8"),
            ("vector_len", ">i4"),
            ("dim", ">i2"),
            ("unused", ">i2"),
            ("vector", ">f4", (dim,)),
        ]
    )
    rows = np.zeros(len(ids), dtype=layout)
    rows["fields"] = 4
    rows["id_len"], rows["id"] = 4, ids
    rows["model_len"], rows["model"] = len(name), name
    rows["stamp_len"], rows["stamp"] = 8, stamps if stamps is not None else 0.0
    rows["vector_len"], rows["dim"], rows["vector"] = 4 + 4 * dim, dim, vectors
    return _COPY_HEADER + rows.tobytes() + _COPY_TRAILER


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
        # One row per id, the last given winning (as one upsert per row would leave it).
        last = {int(paper_id): n for n, paper_id in enumerate(ids)}
        order = np.fromiter(last.values(), dtype=np.int64, count=len(last))
        payload = copy_payload(
            np.fromiter(last, dtype=np.int64, count=len(last)),
            current["model"],
            np.asarray(stamps, dtype=np.float64)[order] if stamps is not None else None,
            np.asarray(vectors, dtype=np.float32)[order],
        )
        with self.store.engine.begin() as conn:
            raw = conn.connection.driver_connection
            with raw.cursor() as cursor:  # type: ignore[union-attr]
                cursor.execute(_STAGE)
                with cursor.copy("COPY paper_embeddings_stage FROM STDIN (FORMAT BINARY)") as copy:
                    copy.write(payload)
                cursor.execute(_MERGE)
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

    def prepare_bulk(self, pending: int) -> bool:
        """Drop the model's HNSW graph before a large backlog (built again by flush(force))."""
        if pending < pg_hnsw.BULK_MIN:  # the usual case: no count of a million rows
            return False
        dim = int(self.meta().get("dim") or 0)
        if dim not in INDEXED_DIMS or not pg_hnsw.worth_dropping(pending, len(self)):
            return False
        pg_hnsw.drop(self.store, dim)
        return True

    def flush(self, force: bool = False) -> None:
        """PostgreSQL keeps the HNSW graph current on every insert; `force` (the end of an
        index run) also builds the graph a bulk load dropped or a killed build left invalid."""
        if not force:  # every inline embed flushes: nothing to read then
            return
        dim = int(self.meta().get("dim") or 0)
        if dim in INDEXED_DIMS:
            pg_hnsw.ensure(self.store, dim)
