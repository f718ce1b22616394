"""Schemathesis over every route of the OpenAPI schema, long: no 5xx, every answer as documented.

    python benchmarks/fuzz_api.py [--examples 200] [--seed N | --random] [--database-url URL]

The test suite runs the same fuzz with a few examples per operation (tests/web/
test_web_schema_fuzz.py); this one runs many more, on a site seeded with the bundled demo data
(1,986 real Hugging Face daily papers, which the schema's examples name). For each operation it
sends the schema's examples, then valid and invalid generated requests, and runs every
schemathesis check on each answer: no server error, status code documented, content type
documented, response body matches its schema, valid data accepted, invalid data rejected.
Prints requests per operation, the status codes seen, and any failure; exits 1 on a failure.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "web"), str(ROOT / "tests")]

from schema_fuzz import fuzz, schema_of, seeded_site  # noqa: E402

from dailypapers.config import Settings  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200, help="Generated cases per mode.")
    parser.add_argument("--seed", type=int, default=0, help="Derandomised run (the default).")
    parser.add_argument("--random", action="store_true", help="A new random run each time.")
    parser.add_argument("--database-url", help="A fresh, empty database (default: SQLite).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        url = args.database_url or f"sqlite:///{data_dir / 'dailypapers.db'}"
        started = time.perf_counter()
        app = seeded_site(Settings(data_dir=data_dir, database_url=url, secret_key="fuzz-key"))
        print(f"seeded with the demo data in {time.perf_counter() - started:.1f} s ({url})")
        started = time.perf_counter()
        outcome = fuzz(
            schema_of(app), max_examples=args.examples, seed=None if args.random else args.seed
        )
        seconds = time.perf_counter() - started
        app.state.store.dispose()
    width = max(len(label) for label in outcome.requests) if outcome.requests else 10
    for label, count in sorted(outcome.requests.items()):
        mark = "FAIL" if label in outcome.failures else "ok"
        print(f"  {label:<{width}}  {count:>6} requests  {mark}")
    statuses = ", ".join(f"{code}: {n}" for code, n in sorted(outcome.statuses.items()))
    print(f"operations: {len(outcome.requests)}, requests: {outcome.total:,} in {seconds:.1f} s")
    print(f"status codes: {statuses}")
    if outcome.unsatisfiable:
        print(f"no invalid request exists for: {', '.join(sorted(set(outcome.unsatisfiable)))}")
    for label, failure in outcome.failures.items():
        print(f"\nFAILED {label}\n{failure}")
    print(f"failures: {len(outcome.failures)}")
    return 1 if outcome.failures else 0


if __name__ == "__main__":
    sys.exit(main())
