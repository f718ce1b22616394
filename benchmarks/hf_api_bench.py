"""Import every raw HF day file twice (time, counts), then check HF's own client over a month.

    python benchmarks/hf_api_bench.py [../shared/data/hf_api] [--month 2026-08]

Prints the first import's time (target ≤ 10 s for the 558 files), the second's counts (0 new,
0 changed), and how many items of the month `huggingface_hub` read back equal to the source.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "web")]  # support/, test_hf_client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?", default=ROOT.parent / "shared/data/hf_api")
    parser.add_argument("--month", default="2026-08")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hf-bench-"))
    os.environ.update(
        DAILYPAPERS_DATA_DIR=str(work),
        DATABASE_URL=f"sqlite:///{work}/db.sqlite",
        DAILYPAPERS_EMBED_INLINE_MAX="0",
        DAILYPAPERS_SECRET_KEY="bench",
        HF_HOME=str(work / "hf-home"),
    )
    from dailypapers.config import get_settings
    from dailypapers.ingest.pipeline import import_files, plan_import
    from dailypapers.store.db import open_store

    settings = get_settings()
    store = open_store(settings, migrate_schema=True)
    for run in ("first", "second"):
        started = time.perf_counter()
        summary = import_files(store, plan_import([args.folder]), zone=ZoneInfo("UTC"))
        took = time.perf_counter() - started
        print(f"{run} import: {summary.line()} [{took:.2f} s wall]")
    store.dispose()

    from huggingface_hub import HfApi
    from test_hf_client import check_same, source_items

    from support.browser import free_port, running_site

    source = source_items(args.folder)
    month = {pid: occ for pid, occ in source.items() if occ[0][0].startswith(args.month)}
    port = free_port()
    with running_site(port, dict(os.environ)):
        api = HfApi(endpoint=f"http://127.0.0.1:{port}", token=False)
        got = {}
        for page in range(100):
            items = list(api.list_daily_papers(month=args.month, limit=100, p=page))
            got.update((p.id, p) for p in items)
            if len(items) < 100:
                break
        equal = 0
        for pid, occurrences in month.items():
            check_same(got[pid], occurrences)  # raises on the first field that differs
            equal += 1
    print(f"huggingface_hub, month {args.month}: {equal:,} of {len(month):,} items equal to source")


if __name__ == "__main__":
    main()
