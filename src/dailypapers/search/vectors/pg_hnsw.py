"""The HNSW graph of a pgvector dimension: dropped for a large backlog, built once after it.

pgvector updates its graph on every insert, and at a million vectors that is the slow part of
embedding: 60 inserts/s with PostgreSQL's default 128 MB of shared buffers, 230/s with 3 GB,
against 2,100 vectors/s for building the whole graph at once (docs/deploy.md). So
`dailypapers index` with a backlog of at least BULK_MIN papers and BULK_SHARE of the vectors
drops the dimension's index before it adds them (`drop`), and `ensure` builds it again when the
run ends. Searches stay exact meanwhile: the planner scans the table (slow at 1M, correct).

`ensure` runs at the end of every `dailypapers index`, so a bulk run that was killed leaves the
index missing only until the next run. It builds CONCURRENTLY, so web processes keep saving
and embedding papers while it runs; a concurrent build that failed leaves an invalid index,
which `ensure` drops and builds again. The definition is migration 0004's.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text

if TYPE_CHECKING:
    from dailypapers.store.db import Store

log = logging.getLogger(__name__)

BULK_MIN = 20_000  # papers pending: below this, inserting into the graph is quick enough
# ... and at least this share of the vectors there will be. Building is faster from about 3 %
# (128 MB of shared buffers) to 11 % (3 GB) of new vectors; 20 % keeps a live site's graph
# (and its fast searches) through ordinary imports, and drops it for first loads and rebuilds.
BULK_SHARE = 0.2
# Memory for the build: pgvector builds in memory while the graph fits and inserts one by one
# (the slow path, with a NOTICE) once it does not. About dim * 4 + 400 bytes a vector at m = 16,
# so 2 GiB holds about 1.2M vectors of 256 dimensions; beyond that the server's own
# maintenance_work_mem decides (raise it there: this session never asks for more than 2 GiB).
BUILD_MEMORY_MAX = 2 * 1024**3
GRAPH_LOCK = 0x6470_686E_7377  # advisory lock key: one process drops or builds a graph at a time


def index_name(dim: int) -> str:
    return f"ix_paper_embeddings_hnsw_{int(dim)}"


def worth_dropping(pending: int, existing: int) -> bool:
    """Whether adding `pending` vectors to `existing` ones is faster without the graph."""
    return pending >= BULK_MIN and pending >= BULK_SHARE * (existing + pending)


def state(store: Store, dim: int) -> str:
    """ "valid", "invalid" (a concurrent build that failed) or "missing"."""
    with store.engine.connect() as conn:
        valid = conn.execute(
            text(
                "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE c.relname = :name"
            ),
            {"name": index_name(dim)},
        ).scalar_one_or_none()
    return "missing" if valid is None else ("valid" if valid else "invalid")


def drop(store: Store, dim: int) -> None:
    """Drop the dimension's graph (waits for running searches, blocks none after)."""
    with _autocommit(store) as conn, _graph_lock(conn):
        conn.execute(text(f"DROP INDEX CONCURRENTLY IF EXISTS {index_name(dim)}"))
    log.info("dropped %s for a bulk load; it is built again when the load ends", index_name(dim))


def ensure(store: Store, dim: int) -> bool:
    """Build the dimension's graph if it is missing or invalid; returns whether it built.

    One process at a time (an advisory lock): a second waits for the first's build and then
    finds the graph valid, so an index still being built is never taken for a failed one."""
    if state(store, dim) == "valid":
        return False
    name = index_name(dim)
    started = time.perf_counter()
    with _autocommit(store) as conn, _graph_lock(conn):
        current = state(store, dim)
        if current == "valid":
            return False
        if current == "invalid":  # a concurrent build that failed
            conn.execute(text(f"DROP INDEX CONCURRENTLY IF EXISTS {name}"))
        rows = conn.execute(
            text("SELECT count(*) FROM paper_embeddings WHERE vector_dims(embedding) = :dim"),
            {"dim": dim},
        ).scalar_one()
        memory = min(BUILD_MEMORY_MAX, max(64 * 1024**2, int(rows * (dim * 4 + 400) * 1.2)))
        shown = conn.execute(text("SELECT pg_size_bytes(current_setting('maintenance_work_mem'))"))
        raised = memory > int(shown.scalar_one())  # for this session only, never lowered
        if raised:
            conn.execute(text(f"SET maintenance_work_mem = '{memory // 1024**2}MB'"))
        try:
            conn.execute(
                text(
                    f"CREATE INDEX CONCURRENTLY {name} ON paper_embeddings "
                    f"USING hnsw ((embedding::vector({dim})) vector_cosine_ops) "
                    f"WHERE vector_dims(embedding) = {dim}"
                )
            )
        finally:
            if raised:
                conn.execute(text("RESET maintenance_work_mem"))
    log.info("built %s over %d vectors in %.0f s", name, rows, time.perf_counter() - started)
    return True


@contextmanager
def _graph_lock(conn: Connection) -> Iterator[None]:
    conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": GRAPH_LOCK})
    try:
        yield
    finally:
        conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": GRAPH_LOCK})


def _autocommit(store: Store):  # noqa: ANN202 - a connection context
    # CREATE/DROP INDEX CONCURRENTLY cannot run inside a transaction.
    return store.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
