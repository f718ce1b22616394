"""`VectorIndex` on PostgreSQL: a pgvector table with HNSW indexes (migration 0004 makes them).

The column is an untyped `vector` so each model keeps its own dimension; one partial
expression index per shipped dimension (`embedding::vector(384)` where the row has 384) gives
the HNSW search. Metadata (model, applied change number, the generation a reset starts)
lives in `sync_state` under `search.vectors`. A large backlog is loaded without the graph and
the graph built after it (`pg_hnsw.py`). Every write numbers its vectors (`seq`, from the
`change_counters` row "vectors" under its row lock, as store/changes.py numbers papers), so
each machine's copy of them (mirror.py) catches up by number.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    BigInteger,
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
from dailypapers.search.vectors.pg_stream import copy_payload, read_copy
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
    Column("seq", BigInteger, nullable=False, server_default="0"),  # migration 0012
)


# Vectors travel as one binary COPY into a staging table, then one upsert: formatting 256
# floats a row as text took 330 µs of Python per vector (2.2 s per chunk of 4,096).
_STAGE = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS paper_embeddings_stage (paper_id int4, "
    "model varchar(40), stamp float8, embedding vector) ON COMMIT DROP"
)
_MERGE = (
    "INSERT INTO paper_embeddings (paper_id, model, stamp, embedding, seq) "
    "SELECT paper_id, model, stamp, embedding, %s FROM paper_embeddings_stage "
    "ON CONFLICT (paper_id) DO UPDATE SET model = EXCLUDED.model, stamp = EXCLUDED.stamp, "
    "embedding = EXCLUDED.embedding, seq = EXCLUDED.seq"
)
# The next vector change number: taken as late as possible in the writing transaction (just
# before the merge), so a second writer waits for this one's commit and numbers become
# visible in the order they were handed out.
COUNTER = "vectors"
_NEXT_SEQ = text(
    "INSERT INTO change_counters (name, value) VALUES (:name, 1) ON CONFLICT (name) "
    "DO UPDATE SET value = change_counters.value + 1 RETURNING value"
)
_POSITION = text(
    "SELECT (SELECT value FROM change_counters WHERE name = :name), "
    "(SELECT value FROM sync_state WHERE key = :key)"
)
_AFTER = (
    "COPY (SELECT paper_id, seq, embedding FROM paper_embeddings "
    "WHERE (seq, paper_id) > ({seq}, {paper_id}) AND vector_dims(embedding) = {dim} "
    "ORDER BY seq, paper_id LIMIT {limit}) TO STDOUT (FORMAT BINARY)"
)
_PENDING = text(
    "SELECT count(*) FROM (SELECT 1 FROM paper_embeddings WHERE seq > :seq LIMIT :cap) AS p"
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

    def meta_for_search(self) -> dict[str, Any]:
        return self.meta()

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
            # A new generation: every machine's copy starts over (mirror.py).
            generation = uuid.uuid4().hex
            self._write_meta(conn, {"model": model, "dim": dim, "generation": generation})
            conn.execute(_NEXT_SEQ, {"name": COUNTER})

    def position(self) -> tuple[int, dict[str, Any]]:
        """(the last vector change number handed out, the metadata) in one round trip."""
        with self.store.engine.connect() as conn:
            seq, meta = conn.execute(_POSITION, {"name": COUNTER, "key": META_KEY}).one()
        return int(seq or 0), {"model": None, "dim": 0, **(meta or {})}

    def pending_after(self, seq: int, cap: int) -> int:
        """How many vectors are numbered above `seq`, counted up to `cap`."""
        with self.store.engine.connect() as conn:
            return int(conn.execute(_PENDING, {"seq": int(seq), "cap": int(cap)}).scalar_one())

    def rows_after(
        self, cursor: tuple[int, int], dim: int, limit: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Up to `limit` vectors of `dim` dimensions after (seq, paper_id) `cursor`, in that
        order: (paper ids, seqs, vectors), as one binary COPY."""
        # Every value is an int (cast here), so formatting them into the COPY is safe.
        statement = _AFTER.format(
            seq=int(cursor[0]), paper_id=int(cursor[1]), dim=int(dim), limit=int(limit)
        )
        with self.store.engine.connect() as conn:
            raw = conn.connection.driver_connection
            with raw.cursor() as cur, cur.copy(statement) as copy:  # type: ignore[union-attr]
                payload = b"".join(bytes(block) for block in copy)
        return read_copy(payload, dim)

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
            seq = conn.execute(_NEXT_SEQ, {"name": COUNTER}).scalar_one()
            with raw.cursor() as cursor:  # type: ignore[union-attr]
                cursor.execute(_MERGE, (int(seq),))
            if meta:  # in the same transaction as the vectors it describes
                self._write_meta(conn, {**self._read_meta(conn), **meta})

    def remove(self, ids: Sequence[int]) -> None:
        """Forget these vectors. Numbers tell copies what was written, not what was deleted,
        so a removal starts a new generation: every machine's copy takes the vectors anew
        (nothing in dailypapers removes vectors: papers are never deleted)."""
        if len(ids) == 0:
            return
        with self.store.engine.begin() as conn:
            conn.execute(delete(EMBEDDINGS).where(EMBEDDINGS.c.paper_id.in_([int(i) for i in ids])))
            self._write_meta(conn, {**self._read_meta(conn), "generation": uuid.uuid4().hex})
            conn.execute(_NEXT_SEQ, {"name": COUNTER})

    def get(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        query = select(EMBEDDINGS.c.paper_id, EMBEDDINGS.c.embedding).where(
            EMBEDDINGS.c.paper_id.in_([int(i) for i in ids])
        )
        with self.store.engine.connect() as conn:
            return {pid: np.asarray(vec, dtype=np.float32) for pid, vec in conn.execute(query)}

    def scores(self, vector: np.ndarray, ids: Sequence[int]) -> dict[int, float]:
        query = as_query(vector)
        dim = int(len(query))
        if not ids:
            return {}
        # `dim` is an int, so formatting it into the statement is safe.
        statement = text(
            f"SELECT paper_id, 1 - (embedding::vector({dim}) <=> CAST(:q AS vector({dim}))) "  # noqa: S608
            f"FROM paper_embeddings WHERE paper_id = ANY(:ids) AND vector_dims(embedding) = {dim}"
        )
        literal = _vector_literal(query)
        with self.store.engine.connect() as conn:
            rows = conn.execute(statement, {"q": literal, "ids": [int(i) for i in ids]})
            return {int(paper_id): float(score) for paper_id, score in rows}

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
        literal = _vector_literal(query)
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


def _vector_literal(query: np.ndarray) -> str:
    """A query vector as pgvector's text form, bound as a parameter."""
    return "[" + ",".join(f"{x:.7g}" for x in query.tolist()) + "]"
