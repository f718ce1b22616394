"""Submitting a paper by arXiv id or URL: metadata through the arXiv API client, listed today.

A paper is featured on one day only: submitting one that is already listed changes nothing and
says where it is. The write goes through `save_papers`, the one write path for papers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from dailypapers.arxiv_ids import parse_arxiv_id
from dailypapers.config import Settings
from dailypapers.errors import NotFound
from dailypapers.store.db import Store
from dailypapers.store.models import DailyListing, Paper
from dailypapers.store.records import ListingRecord, PaperRecord
from dailypapers.store.upsert import save_papers
from dailypapers.timeutil import daily_date, utcnow

Fetch = Callable[[Settings, Sequence[str]], list[PaperRecord]]


@dataclass(slots=True)
class Submission:
    arxiv_id: str
    listed_on: date
    already_listed: bool  # it was featured before; nothing changed


def _default_fetch(settings: Settings, ids: Sequence[str]) -> list[PaperRecord]:
    from dailypapers.ingest.arxiv_api import fetch_papers

    return fetch_papers(settings, list(ids), interactive=True)


def submit_paper(
    *,
    store: Store,
    user_id: int,
    username: str,
    text: str,
    fetch: Fetch | None = None,
) -> Submission:
    """List the paper named by `text` today, credited to the user. Raises BadArxivId, NotFound,
    RemoteSourceError."""
    arxiv_id, _version = parse_arxiv_id(text)
    settings = store.settings
    with store.session() as session:
        row = session.execute(
            select(Paper.id, DailyListing.date)
            .outerjoin(DailyListing, DailyListing.paper_id == Paper.id)
            .where(Paper.arxiv_id == arxiv_id)
        ).first()
    if row is not None and row.date is not None:
        return Submission(arxiv_id, row.date, already_listed=True)
    today = daily_date(utcnow(), settings.zone)
    listing = ListingRecord(
        date=today, source="user", submitted_by_id=user_id, submitter_name=username
    )
    if row is not None:  # known (e.g. from a snapshot import) but never featured
        record = PaperRecord(arxiv_id=arxiv_id, submitted_by_id=user_id, listing=listing)
    else:
        records = (fetch or _default_fetch)(settings, [arxiv_id])
        record = next((r for r in records if r.arxiv_id == arxiv_id), None)
        if record is None:
            raise NotFound(f"arXiv has no paper {arxiv_id}")
        record.listing = listing
        record.submitted_by_id = user_id
        record.source = record.source or "arxiv"
    save_papers(store, [record])
    return Submission(arxiv_id, today, already_listed=False)
