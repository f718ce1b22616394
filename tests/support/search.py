"""Real papers (from tests/data/hf_daily_papers.jsonl) and crafted ones for search tests."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

from dailypapers.store.records import ListingRecord, PaperRecord

HF_JSONL = Path(__file__).resolve().parents[1] / "data" / "hf_daily_papers.jsonl"


@lru_cache
def real_rows(n: int = 300) -> tuple[dict, ...]:
    """The first n papers that have an abstract."""
    rows = []
    with HF_JSONL.open() as handle:
        for line in handle:
            row = json.loads(line)
            if row.get("abstract") and row.get("authors"):
                rows.append(row)
                if len(rows) == n:
                    break
    return tuple(rows)


def record_from_row(row: dict) -> PaperRecord:
    published = datetime.fromisoformat(row["published_at"].replace("Z", "+00:00"))
    listing = (
        ListingRecord(date=date.fromisoformat(row["daily_date"]), source="hf")
        if row.get("daily_date")
        else None
    )
    return PaperRecord(
        arxiv_id=row["arxiv_id"],
        title=row["title"],
        abstract=row["abstract"],
        authors=list(row["authors"]),
        published_at=published,
        version=1,
        upvotes=row.get("upvotes"),
        source="hf",
        listing=listing,
    )


def real_records(n: int = 300) -> list[PaperRecord]:
    return [record_from_row(row) for row in real_rows(n)]


def crafted(
    arxiv_id: str,
    title: str,
    abstract: str,
    *,
    authors: list[str] | None = None,
    categories: list[str] | None = None,
    day: date = date(2024, 6, 3),
    code_url: str | None = None,
    withdrawn: bool | None = None,
    version: int = 1,
) -> PaperRecord:
    """A made-up paper with words no real paper here uses (so rankings are predictable)."""
    return PaperRecord(
        arxiv_id=arxiv_id,
        title=title,
        abstract=abstract,
        authors=authors or ["Ada Quillfeather"],
        categories=categories or ["cs.LG"],
        published_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
        version=version,
        code_url=code_url,
        withdrawn=withdrawn,
        source="test",
        listing=ListingRecord(date=day, source="test"),
    )


# Crafted papers, with invented words ("zorbulating", "quaffle") to control what matches.
CRAFTED = [
    crafted(
        "2406.90001",
        "Zorbulating Transformers for Quaffle Prediction",
        "We study a simple architecture for sequence tasks.",
        authors=["Marta Vellacourt", "Jonas Brightwater"],
        categories=["cs.CL", "cs.LG"],
        day=date(2024, 6, 3),
        code_url="https://github.com/example/zorb",
    ),
    crafted(
        "2406.90002",
        "A Study of Sequence Models",
        "This paper examines zorbulating methods and quaffle prediction in passing, among others.",
        authors=["Priya Ostrander"],
        categories=["cs.LG"],
        day=date(2024, 6, 10),
    ),
    crafted(
        "2406.90003",
        "Quaffle Image Editing with Diffusion",
        "Prediction of quaffle trajectories; we edit images of them. Image editing is easy.",
        authors=["Marta Vellacourt"],
        categories=["cs.CV"],
        day=date(2025, 2, 14),
    ),
    crafted(
        "2406.90004",
        "Editing the Image of Quaffle Players",
        "An image of players; editing happens elsewhere in the pipeline.",
        authors=["Jonas Q. Brightwater"],
        categories=["cs.CV"],
        day=date(2025, 3, 1),
    ),
]
