"""Loading a large vector backlog into pgvector: graph dropped and built after, against live.

    python benchmarks/vector_bulk_bench.py [--n 100000] [--dim 256]

Saves N synthetic papers into a throwaway PostgreSQL (pgserver, its default settings: 128 MB
of shared buffers), then adds N random unit vectors to the empty vector index in the chunks
`dailypapers index` uses for the static model, twice: with the HNSW graph updated on every
insert (the baseline, what every run did before pg_hnsw.py), and as `dailypapers index` now
does for a backlog of at least pg_hnsw.BULK_MIN papers: graph dropped, rows added, graph
built once (CREATE INDEX CONCURRENTLY). It prints vectors/s of each and their ratio, and the
Recall@10 of both graphs against exact search. Embedding itself is left out (it is the same
in both).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from dailypapers.config import Settings  # noqa: E402
from dailypapers.search.vectors import pg_hnsw  # noqa: E402
from dailypapers.search.vectors.indexing import CHUNK  # noqa: E402
from dailypapers.search.vectors.registry import open_vector_index  # noqa: E402
from dailypapers.store.db import open_store  # noqa: E402
from dailypapers.store.records import PaperRecord  # noqa: E402
from dailypapers.store.upsert import save_papers  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=256, choices=(256, 384))
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()
    import pgserver
    from sqlalchemy import select, text

    from dailypapers.store.models import Paper

    work = Path(tempfile.mkdtemp(prefix="dp-vector-bulk-"))
    server = pgserver.get_server(work / "pg", cleanup_mode="stop")
    host = server.get_uri().split("host=", 1)[1]
    url = f"postgresql+psycopg://postgres@/postgres?host={host}"
    store = open_store(
        Settings(data_dir=work / "data", database_url=url, embed_inline_max=0),
        migrate_schema=False,
    )
    with store.engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
    store.migrate()
    started = time.perf_counter()
    for lo in range(0, args.n, 20_000):
        batch = range(lo, min(args.n, lo + 20_000))
        save_papers(store, [PaperRecord(arxiv_id=f"9{i:09d}", title=f"paper {i}") for i in batch])
    with store.session() as session:
        ids = list(session.scalars(select(Paper.id).order_by(Paper.id)))
    print(f"{len(ids):,} papers saved in {time.perf_counter() - started:.0f} s")
    with store.engine.connect() as conn:
        buffers = conn.execute(text("SHOW shared_buffers")).scalar_one()
    print(f"PostgreSQL shared_buffers {buffers}; load average {os.getloadavg()[0]:.1f} (2 cores)")

    rng = np.random.default_rng(7)
    # Clustered like papers on topics (uniform random vectors have no near neighbours to find).
    centres = rng.standard_normal((max(10, len(ids) // 150), args.dim))
    vectors = centres[rng.integers(0, len(centres), len(ids))]
    vectors = (vectors + 0.6 * rng.standard_normal(vectors.shape)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    queries = vectors[rng.choice(len(ids), args.queries, replace=False)]
    queries = queries + rng.normal(0, 0.3 / np.sqrt(args.dim), queries.shape).astype(np.float32)

    def recall() -> float:
        found = []
        for query in queries:
            got, _ = index.search(query, 10)
            want, _ = index.search(query, 10, exact=True)
            found.append(len(set(got) & set(want)) / 10)
        return float(np.mean(found))

    chunk = CHUNK["static"]
    index = open_vector_index(store)

    def load(bulk: bool) -> tuple[float, float]:
        index.reset("static" if args.dim == 256 else "minilm", args.dim)
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM paper_embeddings"))
        began = time.perf_counter()
        if bulk:
            index.prepare_bulk(len(ids))
        for lo in range(0, len(ids), chunk):
            index.add(ids[lo : lo + chunk], vectors[lo : lo + chunk])
        loaded = time.perf_counter()
        index.flush(force=True)
        return loaded - began, time.perf_counter() - loaded

    if not pg_hnsw.worth_dropping(len(ids), 0):
        print(f"note: below pg_hnsw.BULK_MIN ({pg_hnsw.BULK_MIN:,}) both runs keep the graph")
    live, _ = load(bulk=False)
    live_recall = recall()
    print(f"graph updated on every insert (baseline): {len(ids):,} in {live:.1f} s")
    rows, build = load(bulk=True)
    bulk = rows + build
    print(f"graph dropped, built after: rows {rows:.1f} s + build {build:.1f} s = {bulk:.1f} s")
    assert pg_hnsw.state(store, args.dim) == "valid"
    print(
        f"\n{'N':>10}{'live graph /s':>15}{'bulk /s':>10}{'ratio':>8}"
        f"{'Recall@10 live':>16}{'Recall@10 bulk':>16}\n"
        f"{len(ids):>10,}{len(ids) / live:>15,.0f}{len(ids) / bulk:>10,.0f}"
        f"{live / bulk:>8.2f}{live_recall:>16.3f}{recall():>16.3f}"
    )


if __name__ == "__main__":
    main()
