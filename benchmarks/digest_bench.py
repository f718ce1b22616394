"""Digest throughput: compose and send N digests to a local aiosmtpd, against composing alone.

    python benchmarks/digest_bench.py [--n 10000] [--date 2026-08-20] [--period daily]

Setup (not timed): the real papers (../shared/data/hf_daily_papers.jsonl) are imported with
`dailypapers import` into a fresh SQLite database; N confirmed subscribers get mixed topics
(none; keywords; categories; saved searches; a mix), and one in ten is linked to an account
with upvotes, so its digest has "For you" picks from the per-user model. An aiosmtpd server
runs in its own process on 127.0.0.1 and counts what it accepts.

Timed:
- baseline: composing every digest alone (`digest send --dry-run`: nothing recorded or sent);
- the real run: compose, record intents, render (HTML with inlined CSS + text), send over
  SMTP and record each completion, exactly as `dailypapers digest send` does;
- a rerun of the same period, which must send nothing.
The goal is the real run within 60 s for 10,000 subscribers on a 2-core machine.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "hf_daily_papers.jsonl"
KEYWORDS = [
    "diffusion",
    "video",
    "agents",
    "reasoning",
    '"language model"',
    "3d",
    "robot",
    "benchmark",
    "speech",
    "multimodal",
    "reinforcement learning",
    "quantization",
    "retrieval",
    "math",
]
SEARCHES = [
    "search:video generation",
    "search:retrieval augmented generation",
    "search:mixture of experts",
    "search:reinforcement learning reasoning",
    'search:"image editing"',
    "search:speculative decoding",
    "search:vision language model",
    "search:text-to-speech",
    "search:long context",
    "search:code generation -survey",
]
CATEGORIES = ["cat:cs.CL", "cat:cs.CV", "cat:cs.LG", "cat:cs.AI"]


def _smtp_server(port: int, conn) -> None:  # noqa: ANN001 - a multiprocessing connection
    """A counting aiosmtpd in its own process; answers the count when asked."""
    from aiosmtpd.controller import Controller

    class Counter:
        messages = 0
        size = 0

        async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
            Counter.messages += 1
            Counter.size += len(envelope.original_content)
            return "250 OK"

    controller = Controller(Counter(), hostname="127.0.0.1", port=port)
    controller.start()
    conn.send("ready")
    while conn.recv() == "count":
        conn.send((Counter.messages, Counter.size))
    controller.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _import(env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "dailypapers", "import", "-q", str(DATA)], env=env, check=True
    )
    return time.perf_counter() - started


def _seed(store, n: int, seed: int = 7) -> tuple[int, int]:  # noqa: ANN001
    """N confirmed subscribers with mixed topics; a tenth linked to users with upvotes."""
    import secrets

    from sqlalchemy import insert, select

    from dailypapers.accounts.users import hash_password
    from dailypapers.store.models import Paper, Subscription, Upvote, User
    from dailypapers.timeutil import utcnow

    rng = random.Random(seed)
    now = utcnow()
    with store.session() as session:
        paper_ids = list(session.scalars(select(Paper.id).order_by(Paper.id)))
        recent = paper_ids[-3000:]
        password = hash_password("benchmark password")  # one hash: argon2 is slow on purpose
        users = n // 10
        session.execute(
            insert(User),
            [
                {
                    "username": f"reader{i}",
                    "email": f"reader{i}@example.org",
                    "password_hash": password,
                    "is_admin": False,
                    "created_at": now,
                }
                for i in range(users)
            ],
        )
        user_ids = list(session.scalars(select(User.id).order_by(User.id)))
        votes = [
            {"user_id": uid, "paper_id": pid, "created_at": now}
            for uid in user_ids
            for pid in rng.sample(recent, rng.randint(3, 20))
        ]
        session.execute(insert(Upvote), votes)
        rows = []
        for i in range(n):
            kind = rng.random()
            if kind < 0.3:
                topics = []
            elif kind < 0.55:
                topics = rng.sample(KEYWORDS, rng.randint(1, 3))
            elif kind < 0.7:
                topics = rng.sample(CATEGORIES, 1) + rng.sample(KEYWORDS, 1)
            elif kind < 0.85:
                topics = rng.sample(SEARCHES, rng.randint(1, 2))
            else:
                topics = rng.sample(KEYWORDS, 1) + rng.sample(SEARCHES, 1)
            rows.append(
                {
                    "email": f"reader{i}@example.org",
                    "user_id": user_ids[i] if i < users else None,
                    "frequency": "daily",
                    "topics": topics,
                    "created_at": now,
                    "confirmed_at": now,
                    "token_key": secrets.token_hex(8),
                    "failure_count": 0,
                }
            )
        session.execute(insert(Subscription), rows)
    return users, len(votes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="confirmed subscribers")
    parser.add_argument("--date", default="2026-08-20", help="send as if today were this date")
    parser.add_argument("--period", default="daily", choices=["daily", "weekly"])
    parser.add_argument("--workers", type=int, default=2, help="SMTP connections side by side")
    args = parser.parse_args()
    if not DATA.is_file():
        sys.exit(f"real data not found at {DATA}")

    with tempfile.TemporaryDirectory(prefix="digest-bench-") as folder:
        port = _free_port()
        env = {
            **os.environ,
            "DAILYPAPERS_DATA_DIR": folder,
            "DAILYPAPERS_SECRET_KEY": "benchmark",
            "DAILYPAPERS_BASE_URL": "https://papers.example.org",
            "SMTP_URL": f"smtp://127.0.0.1:{port}",
        }
        os.environ.update(
            {
                k: env[k]
                for k in (
                    "DAILYPAPERS_DATA_DIR",
                    "DAILYPAPERS_SECRET_KEY",
                    "DAILYPAPERS_BASE_URL",
                    "SMTP_URL",
                )
            }
        )
        imported = _import(env)

        from dailypapers.config import Settings
        from dailypapers.digest.send import DigestRun
        from dailypapers.rank import recommend
        from dailypapers.store.db import open_store

        settings = Settings()
        store = open_store(settings)
        users, votes = _seed(store, args.n)
        today = date.fromisoformat(args.date)
        print(
            f"setup: imported {DATA.name} in {imported:.1f} s; {args.n:,} confirmed subscribers "
            f"({users:,} with accounts, {votes:,} upvotes); {args.period} digest of {today}"
        )

        load_before = os.getloadavg()[0]
        parent, child = mp.Pipe()
        server = mp.get_context("spawn").Process(target=_smtp_server, args=(port, child))
        server.start()
        assert parent.recv() == "ready"
        try:
            recommend._cache.clear()
            started, cpu = time.perf_counter(), time.process_time()
            dry = DigestRun(store, period=args.period, today=today).run(dry_run=True)
            compose, compose_cpu = time.perf_counter() - started, time.process_time() - cpu

            recommend._cache.clear()  # the real run fits its own features, as a fresh process does
            started, cpu = time.perf_counter(), time.process_time()
            real = DigestRun(store, period=args.period, today=today, workers=args.workers).run()
            total, total_cpu = time.perf_counter() - started, time.process_time() - cpu

            started = time.perf_counter()
            rerun = DigestRun(store, period=args.period, today=today).run()
            again = time.perf_counter() - started
            parent.send("count")
            received, size = parent.recv()
        finally:
            parent.send("stop")
            server.join(timeout=30)

    window = (
        f"{real.window[0]} … {real.window[1]}"
        if real.window[0] != real.window[1]
        else real.window[0]
    )
    load = os.getloadavg()[0]
    print(
        f"listings covered: {window}; load average before the timed runs: {load_before:.1f}, "
        f"after: {load:.1f} (2 cores; other work on the machine slows every figure)"
    )
    print(
        f"baseline  compose only (dry run): {dry.planned:,} digests in {compose:.2f} s "
        f"({dry.planned / compose:,.0f}/s; {compose_cpu:.1f} s CPU in this process)"
    )
    print(
        f"full run  compose + record + render + SMTP send: {real.sent:,} sent in {total:.2f} s "
        f"({real.sent / total:,.0f}/s); intent phase {real.compose_seconds:.2f} s, "
        f"send phase {real.send_seconds:.2f} s ({args.workers} SMTP workers); "
        f"{total_cpu:.1f} s CPU in this process"
    )
    print(f"ratio     full run / compose only = {total / compose:.2f}x")
    print(
        f"server    received {received:,} messages, {size / 1e6:.1f} MB "
        f"(avg {size / max(received, 1) / 1024:.1f} KiB); {real.empty:,} subscribers had "
        f"nothing new; {real.failed} failed"
    )
    print(f"rerun     same period: {rerun.sent} sent, {rerun.planned} recorded in {again:.2f} s")
    goal = (
        "met"
        if total <= 60 and args.n >= 10_000
        else ("n/a (n < 10,000)" if args.n < 10_000 else "MISSED")
    )
    print(f"goal      <= 60 s for 10,000 subscribers: {goal}")
    if received != real.sent or rerun.sent:
        sys.exit("mismatch: the server's count differs from the run's, or the rerun sent mail")


if __name__ == "__main__":
    main()
