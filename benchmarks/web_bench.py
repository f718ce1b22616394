"""The site under load: day page, JSON API and trending at a million papers, against a static file.

    python benchmarks/web_bench.py [--n 1000000] [--duration 10] [--connections 4] [--keep DIR]

Builds a SQLite database with the real 12k Hugging Face papers (through the one write path,
`save_papers`) plus N synthetic papers listed ~250 a day on the days before the real ones (bulk
Core inserts, a fixture only), starts the real server (uvicorn, the app factory, 2 worker
processes, access log off) and loads each URL from a separate process with wrk. It prints p50/p99
latency and requests/s per URL, and the ratio to a static file served by the same server (the
ceiling: the same HTTP stack without any application work). Anonymous listings are cached for a
few seconds per process; the "logged in" rows read vote and comment counts (and the user's own
votes) fresh on every request, and run the session-cookie and user lookup.
With C connections kept busy, p50 ≈ C / (requests/s) (Little's law): the default of 4 keeps the
two workers busy without queueing. Needs `wrk` (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HF = ROOT.parent / "shared" / "data" / "hf_daily_papers.jsonl"
PER_DAY = 250
CATEGORIES = "cs.CL cs.LG cs.CV cs.AI stat.ML cs.IR cs.RO math.OC quant-ph eess.IV".split()
NAMES = "Wei Maria Chen John Anna Ahmed Yuki Olga Pierre Carlos Priya Lars Fatima Ivan".split()


def build(data_dir: Path, n: int) -> tuple[date, date]:
    """The database: real papers via save_papers, then N synthetic ones; returns two days."""
    from sqlalchemy import insert, select

    from dailypapers.config import Settings
    from dailypapers.ingest.hf_daily import hf_record
    from dailypapers.store.db import open_store
    from dailypapers.store.models import DailyListing, Paper
    from dailypapers.store.upsert import save_papers

    settings = Settings(data_dir=data_dir, secret_key="bench", database_url=None)
    store = open_store(settings, migrate_schema=True)
    started = time.perf_counter()
    batch = []
    words: list[str] = []
    with open(HF) as lines:
        for line in lines:
            item = json.loads(line)
            words.extend((item.get("abstract") or "").split()[:40])
            batch.append(hf_record(item, settings.zone))
            if len(batch) == 2000:
                save_papers(store, batch)
                batch = []
    save_papers(store, batch)
    with store.session() as session:
        first_real = session.scalar(select(DailyListing.date).order_by(DailyListing.date))
        latest = session.scalar(select(DailyListing.date).order_by(DailyListing.date.desc()))
    print(f"real papers imported in {time.perf_counter() - started:.0f} s", flush=True)

    rng = random.Random(1)
    words = words[:50_000]
    started = time.perf_counter()
    chunk = 20_000
    synthetic_day = first_real - timedelta(days=1)
    with store.engine.begin() as conn:
        next_id = (conn.scalar(select(Paper.id).order_by(Paper.id.desc()).limit(1)) or 0) + 1
        for offset in range(0, n, chunk):
            papers, listings = [], []
            for i in range(offset, min(n, offset + chunk)):
                day = first_real - timedelta(days=1 + i // PER_DAY)
                moment = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
                pid = next_id + i
                cats = rng.sample(CATEGORIES, 2)
                papers.append(
                    {
                        "id": pid,
                        "arxiv_id": f"9{i:09d}",
                        "version": 1,
                        "title": " ".join(rng.choices(words, k=10)),
                        "abstract": " ".join(rng.choices(words, k=150)),
                        "authors": [f"{rng.choice(NAMES)} {rng.choice(NAMES)}" for _ in range(5)],
                        "categories": cats,
                        "primary_category": cats[0],
                        "published_at": moment,
                        "updated_at": moment,
                        "withdrawn": False,
                        "imported_upvotes": int(rng.paretovariate(1.2)) - 1,
                        "hidden": False,
                        "created_at": moment,
                        "modified_at": moment,
                        "abs_url": f"https://arxiv.org/abs/9{i:09d}",
                        "pdf_url": f"https://arxiv.org/pdf/9{i:09d}",
                    }
                )
                listings.append(
                    {"paper_id": pid, "date": day, "source": "bench", "listed_at": moment}
                )
            conn.execute(insert(Paper.__table__), papers)
            conn.execute(insert(DailyListing.__table__), listings)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    from dailypapers.accounts.users import create_user

    with store.session() as session:
        create_user(session=session, username="bencher", password="bench password")
    store.dispose()
    print(f"{n:,} synthetic papers inserted in {time.perf_counter() - started:.0f} s", flush=True)
    return latest, synthetic_day


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(data_dir: Path, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "DAILYPAPERS_DATA_DIR": str(data_dir), "DAILYPAPERS_SECRET_KEY": "bench"}
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "dailypapers.web.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],  # fmt: skip
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def session_cookie(base: str) -> str:
    """Log in as the bench user through the real forms; the Cookie header to send."""
    import httpx

    with httpx.Client(base_url=base) as client:
        page = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        data = {"username": "bencher", "password": "bench password", "csrf_token": token}
        assert client.post("/login", data=data).status_code == 303
        return f"dp_session={client.cookies['dp_session']}"


def wrk(url: str, duration: int, connections: int, cookie: str | None = None) -> dict[str, float]:
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", *headers, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def latency(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * UNITS[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "p50": latency("50%"),
        "p99": latency("99%"),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "non2xx": int(errors.group(1)) if errors else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="synthetic papers")
    parser.add_argument("--duration", type=int, default=10, help="seconds per URL")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the database in this folder")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("needs wrk: apt-get install -y wrk")

    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="web-bench-"))
    marker = data_dir / f"built-{args.n}.json"
    if marker.exists():
        latest, synthetic = (date.fromisoformat(d) for d in json.loads(marker.read_text()))
    else:
        latest, synthetic = build(data_dir, args.n)
        marker.write_text(json.dumps([latest.isoformat(), synthetic.isoformat()]))

    port = free_port()
    server = start_server(data_dir, port, args.workers)
    base = f"http://127.0.0.1:{port}"
    urls = [
        ("static file (ceiling)", "/static/site.css"),
        ("home = newest day page", "/"),
        (f"day page, real day {latest}", f"/date/{latest}"),
        (f"day page, synthetic day {synthetic} ({PER_DAY} papers)", f"/date/{synthetic}"),
        ("/api/daily_papers?date=", f"/api/daily_papers?date={latest}"),
        ("/api/daily_papers (synthetic day)", f"/api/daily_papers?date={synthetic}&limit=50"),
        ("/trending", "/trending"),
        (f"logged in: day page {latest} (fresh counts)", f"/date/{latest}"),
        (f"logged in: synthetic day {synthetic} (fresh counts)", f"/date/{synthetic}"),
    ]
    try:
        cookie = session_cookie(base)
        for label, path in urls:  # warm caches and connections
            wrk(base + path, 2, 4, cookie if label.startswith("logged in") else None)
        print(
            f"\nSQLite, {args.n:,} synthetic + real papers; uvicorn {args.workers} workers; "
            f"wrk 1 thread, {args.connections} connections, {args.duration} s per URL; "
            f"{os.cpu_count()} CPUs"
        )
        print(f"{'URL':<52} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>9} {'vs static':>10}")
        ceiling = None
        for label, path in urls:
            logged_in = cookie if label.startswith("logged in") else None
            result = wrk(base + path, args.duration, args.connections, logged_in)
            ceiling = ceiling or result["rps"]
            flag = f"  ({result['non2xx']} non-2xx!)" if result["non2xx"] else ""
            print(
                f"{label:<52} {result['p50']:>8.2f} {result['p99']:>8.2f} {result['rps']:>9.0f} "
                f"{result['rps'] / ceiling:>9.2f}x{flag}",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=20)
        if args.keep is None:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
