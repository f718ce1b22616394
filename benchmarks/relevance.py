"""Known-item search relevance, measured honestly: MRR@10 and Recall@10 per query set and kind.

    python benchmarks/relevance.py [--data FILE] [--postgres] [--sets test,dev,own64] [--verbose]

Loads the 12,203 real papers of ../shared/data/hf_daily_papers.jsonl into a SQLite store (and,
with --postgres, into a throwaway PostgreSQL from pgserver), then runs three query sets through
`search_papers` in lexical, semantic and hybrid mode and reports where the paper sought ranks:

- `benchmarks/queries/test.jsonl`: held out; report on it, never tune on it (no --verbose misses);
- `benchmarks/queries/dev.jsonl`: tune on it (`--verbose` lists its misses);
- `benchmarks/relevance_queries.jsonl`: the 64 older queries, written where the code was tuned;
- `benchmarks/queries/hard-{test,dev}.jsonl`: 60 + 60 hard paraphrases (kind `paraphrase_hard`):
  short, in a reader's own words, avoiding the title's words and the abstract's distinctive
  terms, calibrated so that plain bm25 scores about as low on them as on the issue's held-out
  paraphrases (hard-test is held out like test).

Both split files hold paraphrases (the idea, not the title's words), descriptive queries and
author/title fragments, written by hand from each target's abstract; targets were drawn with a
fixed seed across the date range (`benchmarks/queries/pick_targets.py`).

Beside the product, the same run scores a 30-line baseline: SQLite FTS5 bm25 (porter, title 2,
abstract 1) over an OR of the query's words, MiniLM cosine over "title. abstract", and reciprocal
rank fusion (k = 60) of the two top-100s. Both use the int8 MiniLM the product ships (per-channel
int8, cosine 0.994 to torch fp32; torch is not installed here), so the comparison is of what each
does with the same vectors. Document vectors are cached on disk, keyed by model and text hash.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sqlite3
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from dailypapers.config import Settings  # noqa: E402
from dailypapers.search.service import search_papers  # noqa: E402
from dailypapers.store.db import Store, open_store  # noqa: E402
from dailypapers.store.records import ListingRecord, PaperRecord  # noqa: E402
from dailypapers.store.upsert import save_papers  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "hf_daily_papers.jsonl"
SETS = {
    "test": ROOT / "benchmarks" / "queries" / "test.jsonl",
    "dev": ROOT / "benchmarks" / "queries" / "dev.jsonl",
    "own64": ROOT / "benchmarks" / "relevance_queries.jsonl",
    "hard-test": ROOT / "benchmarks" / "queries" / "hard-test.jsonl",
    "hard-dev": ROOT / "benchmarks" / "queries" / "hard-dev.jsonl",
}
MODES = ("lexical", "semantic", "hybrid")
MODEL = "minilm"
RRF_K = 60


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


def read_queries(name: str) -> list[dict]:
    items = []
    for line in SETS[name].open():
        if line.strip():
            row = json.loads(line)
            if "q" in row:  # the 64 older queries: {"q": ..., "id": ...}
                row = {"query": row["q"], "target": row["id"], "kind": "all"}
            items.append(row)
    return items


# --- document vectors, cached by model + text -----------------------------------------------


def _key(text: str) -> str:
    return hashlib.sha1(f"{MODEL}\0{text}".encode()).hexdigest()


def paper_vectors(rows: list[dict], cache_dir: Path) -> np.ndarray:
    """One MiniLM vector per row ("title. abstract", as the product embeds), cached on disk."""
    from dailypapers.search.embed.models import get_embedder, paper_text

    path = cache_dir / f"vectors-{MODEL}.npz"
    cached: dict[str, np.ndarray] = {}
    if path.exists():
        with np.load(path) as saved:
            cached = dict(zip(saved["keys"].tolist(), saved["vectors"], strict=True))
    texts = [paper_text(r["title"], r.get("abstract")) for r in rows]
    keys = [_key(t) for t in texts]
    missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in cached}.items())
    if missing:
        started = time.perf_counter()
        vectors = get_embedder(MODEL).embed([t for _, t in missing])
        cached.update(zip([k for k, _ in missing], vectors, strict=True))
        cache_dir.mkdir(parents=True, exist_ok=True)
        np.savez(path, keys=np.array(list(cached)), vectors=np.stack(list(cached.values())))
        elapsed = time.perf_counter() - started
        print(
            f"embedded {len(missing):,} papers with {MODEL} in {elapsed:.1f} s "
            f"({elapsed / len(missing) * 1000:.1f} ms per paper, cached in {path})"
        )
    return np.stack([cached[k] for k in keys]).astype(np.float32)


def load(store: Store, rows: list[dict], vectors: np.ndarray) -> None:
    """The real papers (once) and their cached vectors in the store's vector index."""
    from sqlalchemy import func, select

    from dailypapers.search.follow import catch_up
    from dailypapers.search.vectors.registry import open_vector_index
    from dailypapers.store.changes import latest_change_seq
    from dailypapers.store.models import Paper

    with store.session() as session:
        count = session.scalar(select(func.count(Paper.id)))
    if not count:
        started = time.perf_counter()
        for start in range(0, len(rows), 2000):
            save_papers(store, [_record(r) for r in rows[start : start + 2000]])
        catch_up(store, vectors=False)  # the keyword index follows the change sequence
        print(f"imported {len(rows):,} papers in {time.perf_counter() - started:.1f} s")
    with store.session() as session:
        ids = dict(session.execute(select(Paper.arxiv_id, Paper.id)).all())
    index = open_vector_index(store)
    if index.meta().get("model") == MODEL and len(index) == len(rows):
        return
    index.reset(MODEL, vectors.shape[1])
    for start in range(0, len(rows), 2000):
        part = rows[start : start + 2000]
        index.add([ids[r["arxiv_id"]] for r in part], vectors[start : start + 2000])
    with store.session() as session:
        index.set_meta(applied_seq=latest_change_seq(session))  # every paper is embedded
    index.flush(force=True)


# --- the baseline -----------------------------------------------------------------------------


class Baseline:
    """FTS5 bm25 (porter; title 2, abstract 1) of any word + MiniLM cosine, RRF (k = 60)."""

    def __init__(self, rows: list[dict], vectors: np.ndarray) -> None:
        from dailypapers.search.embed.models import get_embedder

        self.ids = [r["arxiv_id"] for r in rows]
        self.vectors = vectors
        self.embedder = get_embedder("minilm")
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE VIRTUAL TABLE docs USING fts5(title, abstract, tokenize='porter')")
        self.db.executemany(
            "INSERT INTO docs(rowid, title, abstract) VALUES (?, ?, ?)",
            [(i, r["title"], r.get("abstract") or "") for i, r in enumerate(rows)],
        )

    def lexical(self, query: str, k: int = 100) -> list[int]:
        words = re.findall(r"\w+", query.lower())
        if not words:
            return []
        match = " OR ".join(f'"{w}"' for w in words)
        sql = "SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 2.0, 1.0) LIMIT ?"
        return [row[0] for row in self.db.execute(sql, (match, k))]

    def semantic(self, query: str, k: int = 100) -> list[int]:
        scores = self.vectors @ self.embedder.embed([query])[0]
        return np.argsort(-scores)[:k].tolist()

    def search(self, query: str, mode: str = "hybrid", k: int = 10) -> list[str]:
        if mode == "lexical":
            ranked = self.lexical(query)
        elif mode == "semantic":
            ranked = self.semantic(query)
        else:
            fused: dict[int, float] = {}
            for ranking in (self.lexical(query), self.semantic(query)):
                for rank, doc in enumerate(ranking, start=1):
                    fused[doc] = fused.get(doc, 0.0) + 1 / (RRF_K + rank)
            ranked = sorted(fused, key=lambda d: -fused[d])
        return [self.ids[i] for i in ranked[:k]]


# --- scoring ------------------------------------------------------------------------------------


def score(queries: list[dict], search) -> dict:  # noqa: ANN001 - query text -> ranked arXiv ids
    per_kind: dict[str, list[tuple[float, bool]]] = {}
    times, misses = [], []
    for item in queries:
        started = time.perf_counter()
        ranked = search(item["query"])
        times.append(time.perf_counter() - started)
        target = item["target"]
        hit = target in ranked[:10]
        rr = 1 / (ranked.index(target) + 1) if hit else 0.0
        per_kind.setdefault(item["kind"], []).append((rr, hit))
        per_kind.setdefault("all", []).append((rr, hit)) if item["kind"] != "all" else None
        if not hit:
            misses.append(f"{item['kind']}: {item['query']}")
    times.sort()
    return {
        "kinds": {
            kind: (sum(r for r, _ in v) / len(v), sum(h for _, h in v) / len(v), len(v))
            for kind, v in per_kind.items()
        },
        "p50_ms": times[len(times) // 2] * 1000,
        "misses": misses,
    }


def product(store: Store, mode: str):  # noqa: ANN201
    return lambda q: [h.arxiv_id for h in search_papers(store, q, limit=10, mode=mode).hits]


def report(engine: str, sets: dict[str, list[dict]], methods: dict, verbose: bool) -> None:
    names = list(methods)
    print(f"\n{engine}: MRR@10 / Recall@10")
    print(f"| set | kind | n | {' | '.join(names)} |")
    print("|---|---|---|" + "---|" * len(names))
    results = {(s, m): score(queries, methods[m]) for s, queries in sets.items() for m in names}
    for set_name in sets:
        kinds = results[(set_name, names[0])]["kinds"]
        for kind in sorted(kinds, key=lambda k: (k == "all", k)):
            cells = []
            for m in names:
                mrr, recall, n = results[(set_name, m)]["kinds"][kind]
                cells.append(f"{mrr:.3f} / {recall:.3f}")
            print(f"| {set_name} | {kind} | {kinds[kind][2]} | {' | '.join(cells)} |")
    p50 = ", ".join(f"{m} {results[(next(iter(sets)), m)]['p50_ms']:.1f} ms" for m in names)
    print(f"p50 per query ({next(iter(sets))}): {p50}")
    if verbose:
        for set_name in sets:
            if set_name.endswith("test"):
                continue  # held out: its misses are not for reading (write dev queries instead)
            for m in names:
                for miss in results[(set_name, m)]["misses"]:
                    print(f"  miss [{set_name} {m}] {miss}")


def main() -> None:
    global MODEL
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="hf_daily_papers.jsonl")
    parser.add_argument(
        "--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "dp-relevance-eval"
    )
    parser.add_argument(
        "--sets", default="test,dev,own64,hard-test,hard-dev", help="comma-separated query sets"
    )
    parser.add_argument(
        "--model", default=MODEL, choices=("minilm", "static"), help="the product's vectors"
    )
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    parser.add_argument("--skip-sqlite", action="store_true", help="with --postgres: only it")
    parser.add_argument("--verbose", action="store_true", help="list misses (not on test)")
    parser.add_argument(
        "--baseline-halves", action="store_true", help="also score the baseline's bm25 and cosine"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="MODULE.NAME=VALUE",
        help="override a search tunable, e.g. semantic.SIMILARITY_FLOORS='{\"minilm\": 0.3}'",
    )
    args = parser.parse_args()
    for assignment in args.set:
        override(assignment)
    MODEL = args.model

    rows = [json.loads(line) for line in args.data.open()]
    vectors = paper_vectors(rows, args.data_dir)
    minilm = vectors if MODEL == "minilm" else None
    sets = {name: read_queries(name) for name in args.sets.split(",")}
    print(
        f"{len(rows):,} papers ({sum(not r.get('abstract') for r in rows):,} title-only), "
        f"product vectors: {MODEL}; "
        + ", ".join(f"{name}: {len(q)} queries" for name, q in sets.items())
    )
    if minilm is None:  # the baseline is MiniLM whatever the product's vectors are
        MODEL = "minilm"
        minilm = paper_vectors(rows, args.data_dir)
        MODEL = args.model
    baseline = Baseline(rows, minilm)
    methods = {"baseline": baseline.search}
    if args.baseline_halves:
        methods["bl-bm25"] = lambda q: baseline.search(q, mode="lexical")
        methods["bl-cosine"] = lambda q: baseline.search(q, mode="semantic")
    settings = Settings(
        data_dir=args.data_dir / f"sqlite-{MODEL}",
        database_url=f"sqlite:///{args.data_dir / f'sqlite-{MODEL}' / 'db.sqlite'}",
        embed_inline_max=0,
    )
    if not args.skip_sqlite:
        store = open_store(settings, migrate_schema=True)
        load(store, rows, vectors)
        report("sqlite", sets, methods | {m: product(store, m) for m in MODES}, args.verbose)
    if args.postgres:
        pg = postgres_store(rows, vectors)
        report("postgresql", sets, methods | {m: product(pg, m) for m in MODES}, args.verbose)


def override(assignment: str) -> None:
    """Set a module constant of dailypapers.search for this run (to tune on dev)."""
    import importlib

    target, value = assignment.split("=", 1)
    module_name, name = target.rsplit(".", 1)
    module = importlib.import_module(f"dailypapers.search.{module_name}")
    if not hasattr(module, name):
        raise SystemExit(f"no tunable {target}")
    current = getattr(module, name)
    if isinstance(current, dict):
        value = current | json.loads(value)
    elif isinstance(current, bool):
        value = value.lower() in ("1", "true", "yes", "on")
    elif not isinstance(current, str):
        value = type(current)(value)
    setattr(module, name, value)
    print(f"override: {target} = {getattr(module, name)!r}")


def postgres_store(rows: list[dict], vectors: np.ndarray) -> Store:
    """The same papers and vectors in a throwaway PostgreSQL (pgserver)."""
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
    load(pg, rows, vectors)
    with pg.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE papers"))
    return pg


if __name__ == "__main__":
    main()
