"""Sharing an embedding backlog: `dailypapers index --shared` processes against a plain `index`.

    python benchmarks/shared_index_bench.py [--n 20000] [--model static] [--processes 1,2]

Loads N papers (the real ones of ../shared/data/hf_daily_papers.jsonl, then synthetic copies
with new ids) into a throwaway PostgreSQL (pgserver), then embeds the whole backlog, each time
from an empty vector index: once with a plain `dailypapers index` (the baseline: one process,
change order), then with 1, 2, … `dailypapers index --shared` processes started together. It
prints papers/s of wall time, the ranges each process took, and checks that every paper got
exactly one vector. On one 2-core machine two processes share the same cores, so the figure to
read is the overhead of claiming ranges (1 shared vs plain) and that the work splits without
overlap; the speed-up needs more machines (or cores).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from dailypapers.config import Settings  # noqa: E402
from dailypapers.store.db import open_store  # noqa: E402
from dailypapers.store.records import PaperRecord  # noqa: E402
from dailypapers.store.upsert import save_papers  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "hf_daily_papers.jsonl"


def records(n: int) -> list[PaperRecord]:
    rows = [json.loads(line) for line in DATA.open()]
    made = []
    for number in range(n):
        row = rows[number % len(rows)]
        made.append(
            PaperRecord(
                arxiv_id=f"{9000 + number // 90000:04d}.{number % 90000:05d}",
                title=row["title"],
                abstract=row.get("abstract"),
                authors=row.get("authors") or None,
                source="hf",
            )
        )
    return made


def run(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dailypapers", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--model", default="static", choices=("static", "minilm"))
    parser.add_argument("--processes", default="1,2")
    parser.add_argument("--chunk", type=int, default=512, help="papers per range")
    args = parser.parse_args()

    import pgserver
    from sqlalchemy import func, select, text

    from dailypapers.search.embed.models import get_embedder
    from dailypapers.search.vectors.pgvector import EMBEDDINGS
    from dailypapers.search.vectors.registry import open_vector_index
    from dailypapers.store.models import JobRun, Paper

    root = Path(tempfile.mkdtemp(prefix="dp-shared-bench-"))
    server = pgserver.get_server(root / "pg", cleanup_mode="stop")
    host = server.get_uri().split("host=", 1)[1]
    url = f"postgresql+psycopg://postgres@/postgres?host={host}"
    settings = Settings(data_dir=root / "data", database_url=url, embed_inline_max=0)
    store = open_store(settings, migrate_schema=False)
    with store.engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
    store.migrate()
    batch = records(args.n)
    for start in range(0, len(batch), 5000):
        save_papers(store, batch[start : start + 5000])
    with store.session() as session:
        total = session.scalar(select(func.count(Paper.id)))
    print(
        f"shared_index_bench: {total:,} papers, model {args.model}, ranges of {args.chunk}, "
        f"load average {os.getloadavg()[0]:.1f} (2 cores)"
    )
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DAILYPAPERS_DATA_DIR": str(settings.data_dir),
        "DAILYPAPERS_EMBEDDER": args.model,
        "DAILYPAPERS_WORKER_POLL_SECONDS": "0.2",
    }
    index = open_vector_index(store)
    dim = get_embedder(args.model).dim

    def fresh() -> None:
        index.reset(args.model, dim)
        with store.session() as session:
            session.execute(JobRun.__table__.delete())

    def vectors() -> int:
        with store.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(EMBEDDINGS)).scalar_one())

    fresh()
    started = time.perf_counter()
    plain = run(env, "index", "--no-progress", "--chunk", str(args.chunk))
    _, err = plain.communicate()
    assert plain.returncode == 0, err[-2000:]
    base = time.perf_counter() - started
    assert vectors() == total
    print(f"  plain index (baseline)   {total / base:8,.0f} papers/s  ({base:.1f} s)")
    for count in (int(c) for c in args.processes.split(",")):
        fresh()
        started = time.perf_counter()
        procs = [run(env, "index", "--shared", "--chunk", str(args.chunk)) for _ in range(count)]
        outs = [p.communicate() for p in procs]
        took = time.perf_counter() - started
        for p, (_, err) in zip(procs, outs, strict=True):
            assert p.returncode == 0, err[-2000:]
        taken = [int(out.split()[0]) for out, _ in outs]
        with store.session() as session:
            attempts = session.scalars(select(JobRun.attempts).where(JobRun.job == "embed")).all()
        assert vectors() == total and set(attempts) == {1}, (vectors(), set(attempts))
        print(
            f"  {count} × index --shared     {total / took:8,.0f} papers/s  ({took:.1f} s; "
            f"ranges per process {taken}; ratio to baseline {base / took:.2f})"
        )
    store.dispose()


if __name__ == "__main__":
    main()
