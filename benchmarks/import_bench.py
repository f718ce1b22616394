"""Import throughput and peak memory: the real pipeline against a bare insert (executemany; COPY).

    python benchmarks/import_bench.py [--n 1000000] [--backends sqlite,postgresql]

Generates N realistic arXiv snapshot records (≈1 KB abstract, 4-6 authors, 1-3 categories,
1-3 versions) streamed to a temporary JSON-lines file, then for each backend and for two sizes
(N/10 and N, to show that memory is flat in N) runs `dailypapers import` in a fresh process on a
fresh database, and reports papers/s and the process's peak RSS (ru_maxrss). The baseline
inserts the same rows (papers and versions) in transactions of the same size, without the
upsert: the bare DB-API `executemany` on SQLite, a bare psycopg `COPY` on PostgreSQL (what the
import itself uses there). 'with indexes' runs
the import as the command does, with the keyword index catching up after each batch
(jobs/follow.py); the run says so.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CATEGORIES = (
    "cs.CL cs.LG cs.CV cs.AI stat.ML cs.IR cs.RO math.OC hep-th hep-ph quant-ph astro-ph.GA "
    "cond-mat.mes-hall math.PR physics.optics eess.IV cs.SE cs.CR q-bio.NC econ.EM"
).split()
FIRST = "Wei Maria Chen John Anna Ahmed Yuki Olga Pierre Carlos Priya Lars Fatima Ivan Mei".split()
LAST = (
    "Zhang Smith Müller García Wang Kowalski Nakamura Rossi Dubois Novak Singh Kim Ali Ivanova "
    "Johansson Haddad Costa Li Brown Okafor"
).split()


LATEX_SHARE = 0.01  # real abstracts: 28 of 3,000 need a full LaTeX parse (macros with arguments)
LATEX_SENTENCE = r"We reach $\mathcal{O}(n \log n)$ cost and 97.3\% accuracy with \emph{no} tuning."


def _vocabulary(data: Path) -> list[str]:
    """Real words from the shared abstracts where present, else a generated vocabulary.

    LaTeX fragments are left out: random words mixed from 3,000 abstracts put a macro with
    arguments into nearly every generated abstract (real ones: ~1 %), so the import would
    measure pylatexenc; `generate` adds one LaTeX sentence to LATEX_SHARE of the abstracts.
    """
    source = data / "hf_daily_papers.jsonl"
    words: set[str] = set()
    if source.is_file():
        with open(source) as lines:
            for number, line in enumerate(lines):
                abstract = json.loads(line).get("abstract") or ""
                words.update(w for w in abstract.split() if not set(w) & set("\\${}^_~%"))
                if number > 3000:
                    break
    if len(words) < 1000:
        rng = random.Random(7)
        words = {
            "".join(rng.choices("etaoinshrdlucmfwyp", k=rng.randint(3, 10))) for _ in range(20000)
        }
    return sorted(words)


def generate(path: Path, n: int, small: Path, small_n: int, data: Path, seed: int = 42) -> None:
    """Write n snapshot lines to `path` and the first small_n of them to `small` (streamed)."""
    rng = random.Random(seed)
    vocab = _vocabulary(data)
    sentences = [" ".join(rng.choices(vocab, k=rng.randint(12, 22))) + "." for _ in range(20000)]
    titles = [" ".join(rng.choices(vocab, k=rng.randint(6, 14))) for _ in range(20000)]
    start = datetime(2015, 1, 1, tzinfo=UTC)
    with open(path, "w") as out, open(small, "w") as out_small:
        for i in range(n):
            month = 1501 + (i // 99999) % 12 + 100 * (i // (99999 * 12))
            authors = [(rng.choice(LAST), rng.choice(FIRST)) for _ in range(rng.randint(4, 6))]
            created = start + timedelta(minutes=i // 2)
            versions = [
                {
                    "version": f"v{v + 1}",
                    "created": format_datetime(created + timedelta(days=30 * v), usegmt=True),
                }
                for v in range(rng.choice((1, 1, 2, 2, 3)))
            ]
            picked = rng.choices(sentences, k=rng.randint(4, 7))
            if rng.random() < LATEX_SHARE:
                picked.append(LATEX_SENTENCE)
            abstract = "  " + "\n".join(picked) + "\n"
            record = {
                "id": f"{month:04d}.{i % 99999 + 1:05d}",
                "submitter": authors[0][1] + " " + authors[0][0],
                "authors": ", ".join(f"{f} {last}" for last, f in authors),
                "title": rng.choice(titles).capitalize(),
                "comments": f"{rng.randint(5, 40)} pages, {rng.randint(1, 12)} figures",
                "journal-ref": None,
                "doi": None,
                "report-no": None,
                "categories": " ".join(rng.sample(CATEGORIES, rng.randint(1, 3))),
                "license": "http://creativecommons.org/licenses/by/4.0/",
                "abstract": abstract,
                "versions": versions,
                "update_date": created.date().isoformat(),
                "authors_parsed": [[last, first, ""] for last, first in authors],
            }
            line = json.dumps(record) + "\n"
            out.write(line)
            if i < small_n:
                out_small.write(line)


def _run_measured(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(seconds, peak RSS in MiB, stdout) of a child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    out, errors = proc.communicate()
    seconds = time.perf_counter() - started
    # RUSAGE_CHILDREN is a running maximum over all children, so each measured command runs
    # under a fresh wrapper process (RSS_WRAPPER) that prints the peak of its one child.
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{errors[-3000:]}")
    peak = float(out.strip().splitlines()[-1].split("=", 1)[1])
    return seconds, peak, out


RSS_WRAPPER = """
import os, resource, subprocess, sys
proc = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
sys.stdout.write(proc.stdout)
if proc.returncode != 0:
    sys.stderr.write(proc.stderr)
    sys.exit(proc.returncode)
print("peak_mib=%.1f" % (resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024))
"""


def measure(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    return _run_measured([sys.executable, "-c", RSS_WRAPPER, *argv], env)


PAPER_COLUMNS = (
    "arxiv_id, version, title, abstract, authors, categories, primary_category, published_at, "
    "updated_at, comments, license, withdrawn, abs_url, pdf_url, imported_upvotes, source, "
    "hidden, created_at, modified_at, change_seq"
)


def baseline(url: str, path: Path, batch_size: int) -> None:
    """The same rows with the bare DB-API executemany: no ORM, no upsert, no derived index."""
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.split("///", 1)[1])
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        mark = "?"
    else:
        import psycopg

        conn = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"))
        mark = "%s"
    # Fixed identifiers and bound values only.
    paper_sql = f"INSERT INTO papers ({PAPER_COLUMNS}) VALUES ({', '.join([mark] * 20)})"  # noqa: S608
    version_sql = "INSERT INTO paper_versions (paper_id, version, submitted_at) VALUES (?, ?, ?)"
    version_sql = version_sql.replace("?", mark)
    now = datetime.now(UTC).isoformat()
    rows: list[tuple] = []
    versions: list[tuple] = []
    next_id = 1

    def flush() -> None:
        cursor = conn.cursor()
        if mark == "?":
            cursor.executemany(paper_sql, rows)
            cursor.executemany(version_sql, versions)
        else:  # PostgreSQL: the bare COPY, as fast as rows can reach the tables
            with cursor.copy(f"COPY papers ({PAPER_COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            with cursor.copy(
                "COPY paper_versions (paper_id, version, submitted_at) FROM STDIN"
            ) as copy:
                for row in versions:
                    copy.write_row(row)
        conn.commit()
        rows.clear()
        versions.clear()

    with open(path, "rb") as lines:
        for line in lines:
            r = json.loads(line)
            vs = [
                (next_id, int(v["version"][1:]), parsedate_to_datetime(v["created"]).isoformat())
                for v in r["versions"]
            ]
            cats = r["categories"].split()
            authors = [f"{a[1]} {a[0]}" for a in r["authors_parsed"]]
            rows.append(
                (r["id"], len(vs), " ".join(r["title"].split()), " ".join(r["abstract"].split()),
                 json.dumps(authors), json.dumps(cats), cats[0], vs[0][2], vs[-1][2],
                 r["comments"], r["license"], False, "https://arxiv.org/abs/" + r["id"],
                 "https://arxiv.org/pdf/" + r["id"], 0, "arxiv", False, now, now, next_id)
            )  # fmt: skip
            versions.extend(vs)
            next_id += 1
            if len(rows) >= batch_size:
                flush()
    if rows:
        flush()
    conn.close()
    print(f"records={next_id - 1}")


def pipeline(url: str, data_dir: Path, path: Path, batch_size: int, listeners: bool) -> None:
    """The real import pipeline (what `dailypapers import` runs), optionally without catch-up."""
    from dailypapers.config import Settings
    from dailypapers.ingest.pipeline import import_files, plan_import
    from dailypapers.jobs import follow
    from dailypapers.store.db import open_store

    settings = Settings(data_dir=data_dir, database_url=url)
    store = open_store(settings)
    planned = plan_import([path], "snapshot")
    # As `dailypapers import` runs it: the keyword index catches up after each batch and once
    # more at the end; without, the store path alone.
    after_batch = (lambda result: follow.after_batch(store, result)) if listeners else None
    summary = import_files(
        store, planned, zone=settings.zone, batch_size=batch_size, after_batch=after_batch
    )
    if listeners:
        follow.after_write(store)
    store.dispose()
    print(f"records={summary.read}")


def fresh_database(backend: str, work: Path, label: str, pg_base: str | None) -> tuple[str, Path]:
    data_dir = work / f"data-{backend}-{label}"
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir()
    if backend == "sqlite":
        return f"sqlite:///{data_dir / 'bench.db'}", data_dir
    from sqlalchemy import create_engine, text

    admin = create_engine(pg_base.format(db="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "bench_{label}"'))
        conn.execute(text(f'CREATE DATABASE "bench_{label}"'))
    admin.dispose()
    return pg_base.format(db=f"bench_{label}"), data_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="records at the full size")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--batch-size", type=int, default=None, help="pipeline batch size")
    parser.add_argument("--no-small", action="store_true", help="skip the N/10 run")
    parser.add_argument(
        "--data",
        type=Path,
        default=ROOT.parent / "shared" / "data",
        help="folder with hf_daily_papers.jsonl (real words for the generated records)",
    )
    parser.add_argument("--baseline-child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--pipeline-child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pipeline_child:
        url, data_dir, path, size, listeners = args.pipeline_child
        pipeline(url, Path(data_dir), Path(path), int(size), listeners == "1")
        return
    if args.baseline_child:
        url, path, size = args.baseline_child
        baseline(url, Path(path), int(size))
        return
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]

    from dailypapers.ingest.pipeline import DEFAULT_BATCH_SIZE

    batch_size = args.batch_size or DEFAULT_BATCH_SIZE
    work = Path(tempfile.mkdtemp(prefix="dp-import-bench-"))
    pg_server = None
    try:
        big, small = work / "snapshot.jsonl", work / "snapshot-small.jsonl"
        small_n = max(1, args.n // 10)
        started = time.perf_counter()
        generate(big, args.n, small, small_n, args.data)
        print(
            f"generated {args.n:,} snapshot records ({big.stat().st_size / 2**20:,.0f} MiB, "
            f"{big.stat().st_size / args.n:,.0f} bytes/record) "
            f"in {time.perf_counter() - started:.0f} s"
        )
        print(
            "derived indexes kept current by 'with indexes': the keyword index (catch-up after "
            "each batch, jobs/follow.py); vectors wait for `dailypapers index`"
        )
        print(f"batch size {batch_size:,}; one fresh process and database per run")
        print(f"load average at the start: {os.getloadavg()[0]:.1f} (2 cores)\n")
        pg_base = None
        if "postgresql" in backends:
            import pgserver

            pg_server = pgserver.get_server(work / "pg", cleanup_mode="stop")
            host = pg_server.get_uri().split("host=", 1)[1]
            pg_base = f"postgresql+psycopg://postgres@/{{db}}?host={host}"
        sizes = [(small, small_n)] if not args.no_small and small_n < args.n else []
        sizes.append((big, args.n))
        header = (
            f"{'backend':<11}{'N':>10}{'with indexes':>14}{'peak MiB':>10}{'store only':>12}"
            f"{'peak MiB':>10}{'baseline':>10}{'ratio':>7}"
        )
        print(header)
        for backend in backends:
            for path, n in sizes:
                rates, peaks = [], []
                for listeners in (True, False):
                    label = f"{backend}{n}{'i' if listeners else 's'}"
                    url, data_dir = fresh_database(backend, work, label, pg_base)
                    env = {**os.environ, "DATABASE_URL": url, "DAILYPAPERS_DATA_DIR": str(data_dir)}
                    cli = [sys.executable, "-m", "dailypapers"]
                    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)
                    child = [sys.executable, __file__, "--pipeline-child", url, str(data_dir)]
                    seconds, peak, _ = measure(
                        [*child, str(path), str(batch_size), str(int(listeners))], env
                    )
                    rates.append(n / seconds)
                    peaks.append(peak)
                    shutil.rmtree(data_dir, ignore_errors=True)
                url_b, data_b = fresh_database(backend, work, f"{backend}{n}b", pg_base)
                env_b = {**os.environ, "DATABASE_URL": url_b, "DAILYPAPERS_DATA_DIR": str(data_b)}
                subprocess.run(
                    [sys.executable, "-m", "dailypapers", "migrate"],
                    env=env_b,
                    check=True,
                    capture_output=True,
                )
                base_seconds, _, _ = measure(
                    [
                        sys.executable,
                        __file__,
                        "--baseline-child",
                        url_b,
                        str(path),
                        str(batch_size),
                    ],
                    env_b,
                )
                base_rate = n / base_seconds
                print(
                    f"{backend:<11}{n:>10,}{rates[0]:>14,.0f}{peaks[0]:>10,.0f}{rates[1]:>12,.0f}"
                    f"{peaks[1]:>10,.0f}{base_rate:>10,.0f}{rates[0] / base_rate:>7.2f}",
                    flush=True,
                )
                shutil.rmtree(data_b, ignore_errors=True)
        print(f"load average at the end: {os.getloadavg()[0]:.1f} (2 cores)")
        print(
            "\npapers/s of wall time per fresh process (start, parse, upsert, commits): 'with "
            "indexes' keeps the listed derived indexes current, 'store only' has no listeners; "
            "baseline: the same rows by bare executemany (SQLite) / bare COPY (PostgreSQL); "
            "ratio: with indexes / baseline."
        )
    finally:
        if pg_server is not None:
            pg_server.cleanup()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
