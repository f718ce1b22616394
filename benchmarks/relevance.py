"""Search relevance on paraphrase-style queries: MRR@10 and Recall@10 per search mode.

    python benchmarks/relevance.py [--n 64] [--model minilm|static] [--postgres] [--data-dir DIR]

Loads the 12,203 real papers of ../shared/data/hf_daily_papers.jsonl into a SQLite store
(reused from --data-dir across runs), embeds them with the chosen model, then runs every query
of benchmarks/relevance_queries.jsonl — written as people describe a paper they half remember,
not its title — through `search_papers` in lexical, semantic and hybrid mode, and reports
where the paper sought ranks. `--postgres` repeats the lexical and hybrid runs on PostgreSQL
(pgserver) with the same vectors, to compare the two lexical engines.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from dailypapers.config import Settings  # noqa: E402
from dailypapers.search.service import search_papers  # noqa: E402
from dailypapers.store.db import Store, open_store  # noqa: E402
from dailypapers.store.records import ListingRecord, PaperRecord  # noqa: E402
from dailypapers.store.upsert import save_papers  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "hf_daily_papers.jsonl"
QUERIES = ROOT / "benchmarks" / "relevance_queries.jsonl"
MODES = ("lexical", "semantic", "hybrid")


def _record(row: dict) -> PaperRecord:
    published = row.get("published_at")
    return PaperRecord(
        arxiv_id=row["arxiv_id"],
        title=row["title"],
        abstract=row.get("abstract"),
        authors=row.get("authors") or None,
        published_at=datetime.fromisoformat(published.replace("Z", "+00:00"))
        if published
        else None,
        upvotes=row.get("upvotes"),
        source="hf",
        listing=ListingRecord(date=date.fromisoformat(row["daily_date"]), source="hf")
        if row.get("daily_date")
        else None,
    )


def load(store: Store, model: str) -> None:
    """Import the real papers (once) and embed them with `model` (once)."""
    from dailypapers.search.vectors.indexing import index_papers
    from dailypapers.search.vectors.registry import open_vector_index

    with store.session() as session:
        from sqlalchemy import func, select

        from dailypapers.store.models import Paper

        count = session.scalar(select(func.count(Paper.id)))
    if not count:
        started = time.perf_counter()
        rows = [json.loads(line) for line in DATA.open()]
        for start in range(0, len(rows), 2000):
            save_papers(store, [_record(r) for r in rows[start : start + 2000]])
        print(f"imported {len(rows):,} papers in {time.perf_counter() - started:.1f} s")
    index = open_vector_index(store)
    if index.meta().get("model") != model or len(index) < 12_000:
        started = time.perf_counter()
        report = index_papers(store, model=model, rebuild=index.meta().get("model") != model)
        print(
            f"embedded {report.embedded:,} papers with {model} in "
            f"{time.perf_counter() - started:.1f} s"
        )


def evaluate(store: Store, queries: list[dict], modes: tuple[str, ...]) -> dict[str, dict]:
    results = {}
    for mode in modes:
        reciprocal, found, times, misses = 0.0, 0, [], []
        for item in queries:
            started = time.perf_counter()
            page = search_papers(store, item["q"], limit=10, mode=mode)
            times.append(time.perf_counter() - started)
            ranked = [hit.arxiv_id for hit in page.hits]
            if item["id"] in ranked:
                reciprocal += 1 / (ranked.index(item["id"]) + 1)
                found += 1
            else:
                misses.append(item["q"])
        times.sort()
        results[mode] = {
            "mrr": reciprocal / len(queries),
            "recall": found / len(queries),
            "p50_ms": times[len(times) // 2] * 1000,
            "misses": misses,
        }
    return results


def report(label: str, results: dict[str, dict], verbose: bool) -> None:
    for mode, r in results.items():
        print(
            f"{label:<11} {mode:<9} MRR@10 {r['mrr']:.3f}   Recall@10 {r['recall']:.3f}"
            f"   p50 {r['p50_ms']:.1f} ms"
        )
        if verbose:
            for q in r["misses"]:
                print(f"    miss: {q}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=0, help="use the first N queries (0 = all)")
    parser.add_argument("--model", default="minilm", choices=("minilm", "static"))
    parser.add_argument(
        "--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "dp-relevance"
    )
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    parser.add_argument("--skip-sqlite", action="store_true", help="with --postgres: only it")
    parser.add_argument("--verbose", action="store_true", help="list the queries missed")
    args = parser.parse_args()

    queries = [json.loads(line) for line in QUERIES.open() if line.strip()]
    if args.n:
        queries = queries[: args.n]
    data_dir = args.data_dir / args.model
    settings = Settings(
        data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'db.sqlite'}", embed_inline_max=0
    )
    store = open_store(settings, migrate_schema=True)
    load(store, args.model)
    print(f"{len(queries)} queries, 12,203 papers, embeddings: {args.model}")
    if not args.skip_sqlite:
        report("sqlite", evaluate(store, queries, MODES), args.verbose)
    if args.postgres:
        report("postgresql", evaluate(postgres_copy(store, settings), queries, MODES), args.verbose)


def postgres_copy(store: Store, settings: Settings) -> Store:
    """The same papers in a throwaway PostgreSQL (pgserver), sharing the vector files' model."""
    import pgserver
    from sqlalchemy import text

    root = Path(tempfile.mkdtemp(prefix="dp-relevance-pg-"))
    server = pgserver.get_server(root, cleanup_mode="stop")
    host = server.get_uri().split("host=", 1)[1]
    url = f"postgresql+psycopg://postgres@/postgres?host={host}"
    pg = open_store(
        Settings(data_dir=root / "data", database_url=url, embed_inline_max=0),
        migrate_schema=False,
    )
    with pg.engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
    pg.migrate()
    rows = [json.loads(line) for line in DATA.open()]
    for start in range(0, len(rows), 2000):
        save_papers(pg, [_record(r) for r in rows[start : start + 2000]])
    with pg.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE papers"))
    copy_vectors(store, pg)
    return pg


def copy_vectors(source: Store, target: Store) -> None:
    """The same vectors, by arXiv id (embedding 12k papers again takes minutes)."""
    from sqlalchemy import select

    from dailypapers.search.vectors.registry import open_vector_index
    from dailypapers.store.models import Paper

    with source.session() as session:
        ids = dict(session.execute(select(Paper.arxiv_id, Paper.id)).all())
    with target.session() as session:
        target_ids = dict(session.execute(select(Paper.arxiv_id, Paper.id)).all())
    vectors = open_vector_index(source).get(list(ids.values()))
    index = open_vector_index(target)
    index.reset(_model_of(source), len(next(iter(vectors.values()))))
    pairs = [(target_ids[a], vectors[i]) for a, i in ids.items() if i in vectors]
    import numpy as np

    for start in range(0, len(pairs), 2000):
        chunk = pairs[start : start + 2000]
        index.add([p for p, _ in chunk], np.stack([v for _, v in chunk]))
    index.flush()


def _model_of(store: Store) -> str:
    from dailypapers.search.vectors.registry import open_vector_index

    return open_vector_index(store).meta()["model"]


if __name__ == "__main__":
    main()
