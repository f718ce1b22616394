"""Pick the target papers of the known-item query sets, reproducibly (fixed seed).

    python benchmarks/queries/pick_targets.py [DATA] > targets.jsonl
    python benchmarks/queries/pick_targets.py --hard [DATA] > hard-targets.jsonl

Papers are sorted by listing date and cut into equal strata, one target drawn per stratum, so
the targets span the whole date range. Each split gets paraphrase and descriptive targets
(papers with an abstract) and fragment targets (author/title fragments; a quarter of them
title-only papers, which have neither abstract nor authors). The 64 older queries' targets are
left out. The queries themselves were written by hand from each target's abstract (or title).

`--hard` picks the targets of the hard paraphrase sets (`hard-test.jsonl`, `hard-dev.jsonl`):
another seed, the same strata, disjoint from every target above and from the 64.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED = 20261201
# Per split: how many targets of each kind (test is picked first, then dev).
COUNTS = {"paraphrase": 55, "descriptive": 55, "fragment": 30, "fragment-title-only": 10}
HARD_SEED = 20261202
HARD_COUNT = 60  # per split


def _strata(rows: list[dict], n: int, rng: random.Random) -> list[dict]:
    rows = sorted(rows, key=lambda r: (r.get("daily_date") or "", r["arxiv_id"]))
    size = len(rows) / n
    return [rng.choice(rows[int(i * size) : int((i + 1) * size)]) for i in range(n)]


def pick(data: Path) -> list[dict]:
    rng = random.Random(SEED)
    rows = [json.loads(line) for line in data.open()]
    old = {json.loads(line)["id"] for line in (ROOT / "benchmarks/relevance_queries.jsonl").open()}
    used = set(old)
    picked = []
    for split in ("test", "dev"):
        for kind, count in COUNTS.items():
            title_only = kind == "fragment-title-only"
            pool = [
                r
                for r in rows
                if r["arxiv_id"] not in used and (not r.get("abstract")) == title_only
            ]
            for row in _strata(pool, count, rng):
                used.add(row["arxiv_id"])
                picked.append(
                    {
                        "split": split,
                        "kind": "fragment" if title_only else kind,
                        "target": row["arxiv_id"],
                        "date": row.get("daily_date"),
                        "title": row["title"],
                        "authors": (row.get("authors") or [])[:6],
                        "abstract": row.get("abstract"),
                    }
                )
    return picked


def pick_hard(data: Path) -> list[dict]:
    """Targets of the hard paraphrases: papers with an abstract no other set targets."""
    rng = random.Random(HARD_SEED)
    rows = [json.loads(line) for line in data.open()]
    used = {json.loads(line)["id"] for line in (ROOT / "benchmarks/relevance_queries.jsonl").open()}
    used |= {item["target"] for item in pick(data)}
    picked = []
    for split in ("test", "dev"):
        pool = [r for r in rows if r["arxiv_id"] not in used and r.get("abstract")]
        for row in _strata(pool, HARD_COUNT, rng):
            used.add(row["arxiv_id"])
            picked.append(
                {
                    "split": split,
                    "kind": "paraphrase_hard",
                    "target": row["arxiv_id"],
                    "date": row.get("daily_date"),
                    "title": row["title"],
                    "abstract": row["abstract"],
                }
            )
    return picked


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--hard"]
    data = Path(args[0]) if args else ROOT.parent / "shared/data/hf_daily_papers.jsonl"
    for item in (pick_hard if "--hard" in sys.argv[1:] else pick)(data):
        print(json.dumps(item, ensure_ascii=False))
