"""Two source trees served at once over one store, each query asked of both in turn.

    python benchmarks/tree_ab.py --baseline /tmp/old/src [--candidate src] \\
        [--backend sqlite|postgresql] [--keep /tmp/sb-sq-1m] [--rounds 2]

Sequential benchmark runs on a shared 2-core machine drift by more than a small change (the
same tree's hybrid p50 moved 3-12 ms between `search_bench.py` runs), so an A/B of two trees
is measured side by side: `dailypapers serve` from each tree (PYTHONPATH), on a store that
`search_bench.py --keep` built, then every query over HTTP to both, alternating which goes
first. Queries: search_bench's 200 of 2-3 words and the dev split's queries of 7+ words. The
baseline tree is named on the command line (e.g. `git archive HEAD~1 src | tar -x -C /tmp/old`).
Both servers share the cores, so each is slower than it would be alone; the comparison is what
counts.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import search_bench  # noqa: E402


def serve(src: Path, root: Path, url: str) -> tuple[subprocess.Popen, http.client.HTTPConnection]:
    """`dailypapers serve` importing `src`, and a connection once it answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "PYTHONPATH": str(src),
        "DAILYPAPERS_DATA_DIR": str(root),
        "DATABASE_URL": url,
        "DAILYPAPERS_SECRET_KEY": "bench",
        "DAILYPAPERS_EMBED_INLINE_MAX": "0",
    }
    command = [sys.executable, "-m", "dailypapers", "serve", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--no-access-log"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 900  # a first vector copy of 1M takes about a minute
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            connection.request("GET", "/api/papers/search?q=warm")
            connection.getresponse().read()
            return process, connection
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"dailypapers serve from {src} did not start") from None
            time.sleep(0.5)


def ask(connection: http.client.HTTPConnection, query: str) -> float:
    path = "/api/papers/search?" + urlencode({"q": query})
    started = time.perf_counter()
    try:
        connection.request("GET", path)
        response = connection.getresponse()
    except (http.client.RemoteDisconnected, BrokenPipeError):  # idle past keep-alive
        connection.close()
        started = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
    response.read()
    if response.status != 200:
        raise SystemExit(f"HTTP {response.status} for {query!r}")
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="the old tree's src/")
    parser.add_argument("--candidate", type=Path, default=ROOT / "src", help="the new tree's src/")
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--keep", type=Path, required=True, help="a search_bench.py --keep store")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    for src in (args.baseline, args.candidate):
        if not (src / "dailypapers" / "__init__.py").is_file():
            parser.error(f"{src} holds no dailypapers package")
    if not args.keep.is_dir():
        parser.error(f"{args.keep}: build it first with search_bench.py --keep")
    url = search_bench.database_url(args.backend, args.keep)
    trees = {"baseline": args.baseline, "candidate": args.candidate}
    servers = {name: serve(src, args.keep, url) for name, src in trees.items()}
    sets = {
        "2-3 words": search_bench.lexical_queries(200),
        "7+ words": search_bench.described_queries(),
    }
    try:
        for queries in sets.values():  # warm both servers' caches alike
            for query in queries[:30]:
                for _, connection in servers.values():
                    ask(connection, query)
        print(f"/api/papers/search hybrid over HTTP, {args.backend}, {args.keep}")
        for round_ in range(1, args.rounds + 1):
            for label, queries in sets.items():
                times: dict[str, list[float]] = {name: [] for name in trees}
                for n, query in enumerate(queries):
                    order = list(trees) if n % 2 else list(trees)[::-1]
                    for name in order:
                        times[name].append(ask(servers[name][1], query))
                cells = []
                for name, taken in times.items():
                    ordered = sorted(taken)
                    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
                    cells.append(f"{name} p50 {statistics.median(taken):6.2f} ms p99 {p99:6.2f} ms")
                ratio = statistics.median(times["baseline"]) / statistics.median(times["candidate"])
                print(
                    f"  round {round_}, {len(queries)} queries of {label}: "
                    + "  ".join(cells)
                    + f"  ({ratio:.2f}x at p50)"
                )
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
