"""Search speed at scale: lexical (tantivy), vectors, and /api/papers/search end to end.

    python benchmarks/search_bench.py [--n 1000000] [--queries 200] [--keep DIR]
                                      [--vectors static|none] [--skip vector-index]
                                      [--backend sqlite|postgresql]

Builds (once; reused from --keep) a SQLite store of the 12,203 real papers of
../shared/data/hf_daily_papers.jsonl plus synthetic ones up to N (titles and ~150-word
abstracts drawn from the real papers' word frequencies), through `save_papers`, each batch
followed by the keyword index's catch-up as in a real import; then embeds
them with the static model (the fast path) for hybrid search, or (`--vectors synthetic`, the
default above 100k) files clustered synthetic vectors under it and the real papers' own static
vectors, so that queries find neighbours above the similarity floor. It prints p50/p99 for:
- lexical all-terms and any-term queries (2-3 words taken from real titles), top 20;
- the lexical engine as search uses it (all words, then any word when too few);
- vector top-10 (H4b's `embed_bench.vector_section`: the SQLite-mode vector index against
  exact numpy search over N clustered vectors);
- `/api/papers/search` end to end over HTTP (`dailypapers serve` in a subprocess: routing,
  validation, hybrid search, cards, JSON), hybrid and lexical; then hybrid again for the dev
  split's queries of more than 6 words (a reader describing a paper, the related-words path);
and, as baselines in the same run, exact numpy search and a linear scan over titles and
abstracts (how arxiv-sanity-lite searches). `--backend postgresql` builds the store in a
throwaway PostgreSQL (pgserver, kept in --keep's `pg/` folder) instead: the same tantivy index
in the data dir, vectors in pgvector; the API's hybrid is then asked of two servers in turn,
one searching this machine's copy of the vectors, the other pgvector's HNSW index (the
baseline).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from dailypapers.config import Settings  # noqa: E402
from dailypapers.search.query import QUERY_STOPWORDS, parse_query  # noqa: E402
from dailypapers.store.db import Store, open_store  # noqa: E402
from dailypapers.store.records import ListingRecord, PaperRecord  # noqa: E402
from dailypapers.store.upsert import save_papers  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "hf_daily_papers.jsonl"
CATEGORIES = "cs.CL cs.LG cs.CV cs.AI stat.ML cs.IR cs.RO cs.SE cs.CR eess.IV q-bio.NC".split()
FIRST = "Wei Maria Chen John Anna Ahmed Yuki Olga Pierre Carlos Priya Lars Fatima Ivan Mei".split()
LAST = "Zhang Smith Müller García Wang Kowalski Nakamura Rossi Dubois Novak Singh Kim Ali".split()
BATCH = 5000


def pct(times: list[float]) -> tuple[float, float]:
    ms = sorted(t * 1000 for t in times)
    return ms[len(ms) // 2], ms[min(len(ms) - 1, int(len(ms) * 0.99))]


def real_rows() -> list[dict]:
    return [json.loads(line) for line in DATA.open()]


def real_record(row: dict) -> PaperRecord:
    published = row.get("published_at")
    return PaperRecord(
        arxiv_id=row["arxiv_id"],
        title=row["title"],
        abstract=row.get("abstract"),
        authors=row.get("authors") or None,
        categories=[random.choice(CATEGORIES)],
        published_at=datetime.fromisoformat(published.replace("Z", "+00:00"))
        if published
        else None,
        upvotes=row.get("upvotes"),
        source="hf",
        listing=ListingRecord(date=date.fromisoformat(row["daily_date"]), source="hf")
        if row.get("daily_date")
        else None,
    )


class Synthetic:
    """Papers whose words follow the real abstracts' word frequencies."""

    def __init__(self, rows: list[dict], seed: int = 7) -> None:
        counts = Counter(
            word
            for row in rows
            for word in re.findall(r"[A-Za-z][A-Za-z-]+", row.get("abstract") or "")
        )
        self.words = list(counts)
        self.cumulative = []
        total = 0
        for word in self.words:
            total += counts[word]
            self.cumulative.append(total)
        self.rng = random.Random(seed)

    def text(self, n: int) -> str:
        return " ".join(self.rng.choices(self.words, cum_weights=self.cumulative, k=n))

    def record(self, number: int) -> PaperRecord:
        rng = self.rng
        day = date(2020, 1, 1) + timedelta(days=number % 2400)
        return PaperRecord(
            arxiv_id=synthetic_id(number),
            title=self.text(rng.randint(6, 12)).capitalize(),
            abstract=self.text(rng.randint(110, 190)) + ".",
            authors=[f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.randint(2, 6))],
            categories=rng.sample(CATEGORIES, rng.randint(1, 3)),
            published_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
            version=1,
            upvotes=int(rng.paretovariate(1.5)) - 1,
            code_url="https://github.com/example/x" if rng.random() < 0.3 else None,
            source="synthetic",
        )


def synthetic_id(number: int) -> str:
    # Old-style ids keep synthetic papers clear of every real new-style id.
    return f"synth/{number:07d}"


def build(store: Store, n: int) -> None:
    """Fill the store to n papers through save_papers, each batch followed by the keyword
    index's catch-up, as an import does (`dailypapers.search.follow`)."""
    from sqlalchemy import func, select

    from dailypapers.search.follow import catch_up
    from dailypapers.store.models import Paper

    with store.session() as session:
        have = session.scalar(select(func.count(Paper.id))) or 0
    if have >= n:
        print(f"store: reusing {have:,} papers")
        return
    rows = real_rows()
    started = time.perf_counter()
    if have == 0:
        for s in range(0, len(rows), BATCH):
            result = save_papers(store, [real_record(r) for r in rows[s : s + BATCH]])
            catch_up(store, result, final=False, vectors=False)
        have = len(rows)
    synthetic = Synthetic(rows)
    made = 0
    generating = 0.0
    for start in range(have, n, BATCH):
        t = time.perf_counter()
        batch = []
        for number in range(start, min(n, start + BATCH)):
            batch.append(synthetic.record(number))
        generating += time.perf_counter() - t
        result = save_papers(store, batch)
        catch_up(store, result, final=False, vectors=False)
        made += len(batch)
        if made % 100_000 < BATCH:
            rate = made / (time.perf_counter() - started - generating)
            print(f"  {have + made:,} papers, {rate:,.0f} papers/s saved and indexed", flush=True)
    from dailypapers.search.lexical.registry import lexical_index

    lexical_index(store).flush(release=True)
    elapsed = time.perf_counter() - started - generating
    print(
        f"store: saved {n - len(rows) if have == len(rows) else made:,} papers in {elapsed:.0f} s "
        f"(save_papers + the keyword index's catch-up; generation time excluded)"
    )


def synthetic_vectors(store: Store, n: int) -> None:
    """Clustered unit vectors for every paper, filed as the static model's, then the real
    papers' own vectors (`real_vectors`); result quality is not measured here."""
    import numpy as np
    from sqlalchemy import func, select

    from dailypapers.search.embed.models import STATIC, get_embedder
    from dailypapers.search.vectors.registry import open_vector_index
    from dailypapers.store.models import Paper
    from embed_bench import clustered, topic_centres

    index = open_vector_index(store)
    if index.meta().get("model") == STATIC and len(index) >= n:
        print(f"vectors: reusing {len(index):,} synthetic vectors")
        real_vectors(store)
        return
    dim = get_embedder(STATIC).dim
    started = time.perf_counter()
    index.reset(STATIC, dim)
    with store.session() as session:
        top = session.scalar(select(func.max(Paper.id))) or 0
    rng = np.random.default_rng(5)
    centres = topic_centres()[:, :dim]
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    hnsw = _drop_hnsw(store, dim)  # PostgreSQL: build the graph once, after the rows
    for start in range(1, top + 1, 100_000):
        ids = np.arange(start, min(top, start + 99_999) + 1)
        vectors = clustered(
            len(ids), int(rng.integers(1 << 30)), np.pad(centres, ((0, 0), (0, 384 - dim)))
        )[:, :dim]
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        index.add(ids.tolist(), np.ascontiguousarray(vectors, dtype=np.float32))
        print(f"  {start + len(ids) - 1:,} vectors stored", flush=True)
    if hnsw:
        from sqlalchemy import text

        built = time.perf_counter()
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("SET maintenance_work_mem = '3GB'"))
            conn.execute(text("SET max_parallel_maintenance_workers = 2"))
            conn.execute(text(hnsw))
            conn.execute(text("ANALYZE paper_embeddings"))
        print(f"  HNSW index built in {time.perf_counter() - built:.0f} s")
    index.flush(force=True)
    took = time.perf_counter() - started
    print(f"vectors: {len(index):,} synthetic {dim}-d vectors indexed in {took:.0f} s")
    real_vectors(store)


def real_vectors(store: Store) -> None:
    """The real papers' vectors from the static model itself (once per store), so that queries
    of real title words find neighbours above its similarity floor and the API's hybrid runs
    its whole fusion. A synthetic vector sits at cosine 0.25-0.32 from any query, below the
    floor (0.45): without this step the semantic half keeps nothing."""
    from sqlalchemy import select

    from dailypapers.search.embed.models import STATIC, get_embedder, paper_text
    from dailypapers.search.vectors.registry import open_vector_index
    from dailypapers.store.models import Paper

    marker = Path(store.settings.data_dir) / "bench-real-vectors"
    if marker.exists():
        return
    started = time.perf_counter()
    with store.session() as session:
        rows = session.execute(
            select(Paper.id, Paper.title, Paper.abstract).where(~Paper.arxiv_id.like("synth/%"))
        ).all()
    vectors = get_embedder(STATIC).embed([paper_text(r.title, r.abstract) for r in rows])
    index = open_vector_index(store)
    for start in range(0, len(rows), 2000):
        chunk = rows[start : start + 2000]
        index.add([r.id for r in chunk], vectors[start : start + len(chunk)])
    index.flush(force=True)
    marker.touch()
    took = time.perf_counter() - started
    print(f"vectors: the {len(rows):,} real papers' own static vectors stored in {took:.0f} s")


def _drop_hnsw(store: Store, dim: int) -> str | None:
    """Drop the dimension's HNSW index before a bulk load; returns the statement that rebuilds it
    (as migration 0004 made it). None on SQLite."""
    if store.is_sqlite:
        return None
    from sqlalchemy import text

    name = f"ix_paper_embeddings_hnsw_{dim}"
    with store.engine.begin() as conn:
        conn.execute(text(f"DROP INDEX IF EXISTS {name}"))
    return (
        f"CREATE INDEX {name} ON paper_embeddings "
        f"USING hnsw ((embedding::vector({dim})) vector_cosine_ops) "
        f"WHERE vector_dims(embedding) = {dim}"
    )


def embed(store: Store, model: str) -> None:
    from dailypapers.search.vectors.indexing import index_papers
    from dailypapers.search.vectors.registry import open_vector_index

    index = open_vector_index(store)
    started = time.perf_counter()
    report = index_papers(store, model=model)
    if report.embedded:
        print(
            f"vectors: embedded {report.embedded:,} papers with {model} in "
            f"{time.perf_counter() - started:.0f} s "
            f"({report.embedded / (time.perf_counter() - started):,.0f}/s)"
        )
    else:
        print(f"vectors: reusing {len(index):,} {model} vectors")


def lexical_queries(count: int, seed: int = 3) -> list[str]:
    """2-3 consecutive content words from real titles, as people type them."""
    rng = random.Random(seed)
    rows = [r for r in real_rows() if r.get("title")]
    queries = []
    while len(queries) < count:
        words = [
            w
            for w in re.findall(r"[A-Za-z][A-Za-z-]+", rng.choice(rows)["title"])
            if w.lower() not in QUERY_STOPWORDS and len(w) > 2
        ]
        size = rng.choice((2, 3))
        if len(words) >= size:
            start = rng.randrange(len(words) - size + 1)
            queries.append(" ".join(words[start : start + size]).lower())
    return queries


def described_queries() -> list[str]:
    """The dev split's queries of more than 6 words (a reader describing a paper: the keyword
    half then ranks one `body` field and asks related words); never the test split."""
    from dailypapers.search.lexical.base import LONG_QUERY_WORDS
    from dailypapers.search.query import parse_query

    queries = []
    for name in ("dev", "hard-dev"):
        with (ROOT / "benchmarks" / "queries" / f"{name}.jsonl").open() as handle:
            queries += [json.loads(line)["query"] for line in handle]
    return [q for q in queries if len(parse_query(q).terms) > LONG_QUERY_WORDS]


def lexical_section(store: Store, queries: list[str], slowest: int = 0) -> dict[str, float]:
    from dailypapers.search.lexical.base import Filters
    from dailypapers.search.lexical.registry import lexical_index
    from dailypapers.search.lexical.tantivy.query import build_query
    from dailypapers.search.lexical.tantivy.schema import SCHEMA

    engine = lexical_index(store)
    engine.ensure_current(store)
    searcher = engine._reader().searcher()
    print(
        f"lexical: tantivy, {searcher.num_docs:,} documents, "
        f"{len(queries)} queries of 2-3 words, top 20"
    )
    figures = {}
    for mode in ("all", "any"):
        times, matched = [], []
        for text in queries[:20] + queries:  # the first 20 warm the page cache
            parsed = parse_query(text)
            started = time.perf_counter()
            built = build_query(SCHEMA, parsed, Filters(), mode=mode)
            # As the engine asks: the top 20 (+1 to know there is more), not counted.
            found = searcher.search(built.query, limit=21, count=False)
            searcher.fast_field_values("id", [a for _, a in found.hits])
            times.append(time.perf_counter() - started)
            matched.append(searcher.search(built.query, limit=1, count=True).count)
        p50, p99 = pct(times[20:])
        figures[mode] = p50
        label = "all terms" if mode == "all" else "any term "
        print(
            f"  {label}              p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  "
            f"(median matches {statistics.median(matched[20:]):,.0f})"
        )
        timed = sorted(zip(times[20:], queries, matched[20:], strict=True), reverse=True)
        for took, text, count in timed[:slowest]:
            print(f"    {took * 1000:6.2f} ms  {text!r}  ({count:,} matches)")
    times = []
    for text in queries:
        parsed = parse_query(text)
        started = time.perf_counter()
        engine.search(parsed, limit=20)
        times.append(time.perf_counter() - started)
    p50, p99 = pct(times)
    print(f"  engine (all, then any) p50 {p50:6.2f} ms  p99 {p99:6.2f} ms")
    keyword_half_section(searcher, queries, described_queries())
    return figures


def keyword_half_section(searcher, short: list[str], long: list[str]) -> None:  # noqa: ANN001
    """The hybrid's keyword half: bm25 over any word, top 100, related words for long queries.
    Baseline: the same query with its exclusion of hidden papers in it, as it was asked until
    2026-12-03 (an exclusion turns tantivy's block-max WAND off); each query is asked both
    ways in turn, and the two rankings are compared."""
    from dailypapers.search.lexical.base import Filters
    from dailypapers.search.lexical.tantivy.query import build_query
    from dailypapers.search.lexical.tantivy.schema import SCHEMA
    from dailypapers.search.lexical.tantivy.searching import ranked_hits

    print("keyword half of hybrid search (any word, top 100)")
    for label, queries in (("2-3 words", short), (f"{len(long)} dev queries of 7+ words", long)):
        times: dict[str, list[float]] = {"excluding": [], "wand": []}
        differ = 0
        for warm, text in [(True, q) for q in queries[:20]] + [(False, q) for q in queries]:
            built = build_query(SCHEMA, parse_query(text), Filters(), mode="any", expand=True)
            if built is None:
                continue
            started = time.perf_counter()
            before = searcher.search(built.query, limit=101, count=False).hits
            times["excluding"].append(time.perf_counter() - started)
            started = time.perf_counter()
            now = ranked_hits(searcher, built, 101, None)
            times["wand"].append(time.perf_counter() - started)
            if warm:
                times["excluding"].pop(), times["wand"].pop()
                continue
            differ += [score for score, _ in before] != [score for score, _ in now]
        (b50, b99), (n50, n99) = pct(times["excluding"]), pct(times["wand"])
        print(
            f"  {label}: with the exclusion (baseline) p50 {b50:6.2f} ms  p99 {b99:6.2f} ms; "
            f"as ranked p50 {n50:6.2f} ms  p99 {n99:6.2f} ms  ({b50 / n50:.2f}x at p50; "
            f"rankings differing: {differ})"
        )


def linear_scan_section(store: Store, queries: list[str], lexical_p50: float) -> None:
    """arxiv-sanity-lite's search: score every paper by query-word counts in title/abstract."""
    from sqlalchemy import select

    from dailypapers.store.models import Paper

    with store.session() as session:
        docs = [
            (pid, (title or "").lower(), (abstract or "").lower())
            for pid, title, abstract in session.execute(
                select(Paper.id, Paper.title, Paper.abstract)
            )
        ]
    times = []
    for text in queries[:5]:
        words = text.lower().split()
        started = time.perf_counter()
        scored = []
        for pid, title, abstract in docs:
            score = sum(title.count(w) * 3 + abstract.count(w) for w in words)
            if score:
                scored.append((score, pid))
        scored.sort(reverse=True)
        times.append(time.perf_counter() - started)
    p50, _ = pct(times)
    print(
        f"  baseline linear scan over titles+abstracts (arxiv-sanity-lite style), 5 queries: "
        f"p50 {p50:8.1f} ms  ({p50 / lexical_p50:,.0f}x slower than tantivy all-terms)"
    )
    del docs


def serve(settings: Settings, mirror: bool) -> tuple[subprocess.Popen, int]:
    """`dailypapers serve` (uvicorn, one worker, access log off) on a free loopback port; it
    brings the indexes (and, on PostgreSQL with `mirror`, this machine's vector copy) current
    before it listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "DAILYPAPERS_DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.db_url,
        "DAILYPAPERS_SECRET_KEY": "bench",
        "DAILYPAPERS_EMBED_INLINE_MAX": "0",
        "DAILYPAPERS_VECTOR_MIRROR": "true" if mirror else "false",
    }
    command = [sys.executable, "-m", "dailypapers", "serve", "--port", str(port)]
    process = subprocess.Popen([*command, "--no-access-log"], env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 900  # a first vector copy of 1M takes about a minute
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("dailypapers serve did not start")


def api_section(store: Store, settings: Settings, queries: list[str]) -> None:
    """`/api/papers/search` over HTTP from this process (one kept-alive connection per server),
    each query asked of every server and mode in turn, in a rotating order."""
    servers = [("this machine's copy", True)]
    if not store.is_sqlite:  # pgvector's HNSW index (the baseline) beside this machine's copy
        servers.append(("pgvector HNSW", False))
    started = []
    try:
        runs = []
        for label, mirror in servers:
            began = time.perf_counter()
            process, port = serve(settings, mirror)
            started.append(process)
            took = time.perf_counter() - began
            print(f"  dailypapers serve ({label}) listening after {took:.1f} s")
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            vectors = f", vectors: {label}" if not store.is_sqlite else ""
            shape = f"hybrid  p50 {{:6.2f}} ms  p99 {{:6.2f}} ms  (HTTP{vectors})"
            runs.append((shape, connection, "hybrid"))
        runs.append(("lexical p50 {:6.2f} ms  p99 {:6.2f} ms  (HTTP)", runs[0][1], "lexical"))
        times = ask_in_turn(runs, queries[:10] + queries)
        for label, _, _ in runs:
            print("  /api/papers/search " + label.format(*pct(times[label][10:])))
        described = described_queries()
        hybrid = [run for run in runs if run[2] == "hybrid"]
        times = ask_in_turn(hybrid, described)
        for label, _, _ in hybrid:
            shape = label.replace("(HTTP", f"(HTTP, {len(described)} dev queries of 7+ words")
            print("  /api/papers/search " + shape.format(*pct(times[label])))
    finally:
        for process in started:
            process.terminate()
            process.wait(timeout=60)


def ask_in_turn(
    runs: list[tuple[str, http.client.HTTPConnection, str]], queries: list[str]
) -> dict[str, list[float]]:
    """Each query asked of every (label, connection, mode) in a rotating order; seconds taken."""
    times: dict[str, list[float]] = {label: [] for label, _, _ in runs}
    for number, text in enumerate(queries):
        turn = number % len(runs)
        for label, connection, mode in runs[turn:] + runs[:turn]:
            path = "/api/papers/search?" + urlencode({"q": text, "limit": 20, "mode": mode})
            began = time.perf_counter()
            connection.request("GET", path)
            answer = connection.getresponse()
            body = answer.read()
            times[label].append(time.perf_counter() - began)
            assert answer.status == 200, body[:300]
    return times


def database_url(backend: str, root: Path) -> str:
    """SQLite in the data dir, or a PostgreSQL server (pgserver) kept in `root/pg`."""
    if backend == "sqlite":
        return f"sqlite:///{root / 'db.sqlite'}"
    import pgserver
    from sqlalchemy import create_engine, text

    root.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(root / "pg", cleanup_mode="stop")
    host = server.get_uri().split("host=", 1)[1]
    url = f"postgresql+psycopg://postgres@/postgres?host={host}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
    engine.dispose()
    main.server = server  # kept alive (and stopped at exit) with the process
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--keep", type=Path, default=None, help="reuse/keep the store here")
    parser.add_argument(
        "--vectors",
        default="auto",
        choices=("auto", "synthetic", "static", "minilm", "none"),
        help="how papers get vectors for hybrid search (auto: static up to 100k, else synthetic)",
    )
    parser.add_argument("--skip", default="", help="comma list: vector-index,scan,api")
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument(
        "--slowest", type=int, default=0, help="also list the N slowest lexical queries per mode"
    )
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    root = args.keep or Path(tempfile.gettempdir()) / f"dp-search-bench-{args.n}"
    settings = Settings(
        data_dir=root,
        database_url=database_url(args.backend, root),
        embed_inline_max=0,
        secret_key="bench",
    )
    store = open_store(settings, migrate_schema=True)
    print(
        f"search_bench: N = {args.n:,} papers (12,203 real + synthetic), {args.backend}, "
        f"data in {root}"
    )
    build(store, args.n)
    vectors = args.vectors
    if vectors == "auto":
        vectors = "static" if args.n <= 100_000 else "synthetic"
    if vectors == "synthetic":
        synthetic_vectors(store, args.n)
    elif vectors != "none":
        embed(store, vectors)
    queries = lexical_queries(args.queries)
    figures = lexical_section(store, queries, args.slowest)
    if "scan" not in skip:
        linear_scan_section(store, queries, figures["all"])
    if "vector-index" not in skip:
        from embed_bench import vector_section

        vector_section(args.n, n_queries=args.queries)
    if "api" not in skip:
        api_section(store, settings, queries)


if __name__ == "__main__":
    main()
