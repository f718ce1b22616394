"""Regenerate the bundled demo set from the real Hugging Face daily-papers dump.

    python scripts/make_demo_data.py [--source ../shared/data/hf_daily_papers.jsonl] [--weeks 16]

Keeps the records of the last WEEKS weeks of daily dates that have an abstract and an upvote
count, unchanged, in file order; writes them gzip-compressed with a fixed timestamp so that the
same input always gives the same bytes.
"""

from __future__ import annotations

import argparse
import gzip
import json
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "hf_daily_papers.jsonl"
TARGET = ROOT / "src" / "dailypapers" / "demo" / "hf_daily_papers_demo.jsonl.gz"
LIMIT_BYTES = 5 * 1024 * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--weeks", type=int, default=16, help="weeks of daily dates to keep")
    parser.add_argument("--out", type=Path, default=TARGET)
    args = parser.parse_args()

    lines = args.source.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    last = max(date.fromisoformat(r["daily_date"]) for r in records if r.get("daily_date"))
    first = last - timedelta(weeks=args.weeks)
    kept = [
        line
        for line, r in zip(lines, records, strict=True)
        if r.get("daily_date")
        and date.fromisoformat(r["daily_date"]) > first
        and r.get("abstract")
        and r.get("upvotes") is not None
    ]
    payload = ("\n".join(kept) + "\n").encode("utf-8")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with (
        open(args.out, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as out,
    ):
        out.write(payload)
    size = args.out.stat().st_size
    if size > LIMIT_BYTES:
        raise SystemExit(f"{args.out} is {size:,} bytes, over the 5 MB limit: use fewer --weeks")
    print(
        f"{len(kept):,} papers listed {first + timedelta(days=1)} … {last} -> {args.out} "
        f"({size:,} bytes)"
    )


if __name__ == "__main__":
    main()
