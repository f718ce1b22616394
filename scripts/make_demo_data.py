"""Regenerate the bundled demo set from the raw Hugging Face `/api/daily_papers` day files.

    python scripts/make_demo_data.py [--source ../shared/data/hf_api] [--weeks 16]

Keeps the items of the last WEEKS weeks of day files, unchanged (one API item per line, in day
order), that have an abstract and whose `paper.submittedOnDailyAt` falls on the file's day (so a
line alone tells its day); a paper listed twice is kept on its first day. Written
gzip-compressed with a fixed timestamp, so the same input always gives the same bytes.
"""

from __future__ import annotations

import argparse
import gzip
import json
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "hf_api"
TARGET = ROOT / "src" / "dailypapers" / "demo" / "hf_daily_papers_demo.jsonl.gz"
LIMIT_BYTES = 5 * 1024 * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--weeks", type=int, default=16, help="weeks of day files to keep")
    parser.add_argument("--out", type=Path, default=TARGET)
    args = parser.parse_args()

    files = sorted(args.source.glob("????-??-??.json.gz"))
    last = date.fromisoformat(files[-1].name[:10])
    first = last - timedelta(weeks=args.weeks)
    kept: list[bytes] = []
    seen: set[str] = set()
    for path in files:
        day = date.fromisoformat(path.name[:10])
        if day <= first:
            continue
        for item in json.loads(gzip.decompress(path.read_bytes())):
            paper = item["paper"]
            on_daily = paper.get("submittedOnDailyAt") or ""
            if paper["id"] in seen or not paper.get("summary") or on_daily[:10] != str(day):
                continue
            seen.add(paper["id"])
            kept.append(json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode())
    payload = b"\n".join(kept) + b"\n"
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
