"""Normalised records: what every importer hands to the one upsert path."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(slots=True)
class VersionRecord:
    version: int
    submitted_at: datetime | None = None
    size: str | None = None


@dataclass(slots=True)
class ListingRecord:
    """Feature the paper on `date` (a calendar date), credited to `source`."""

    date: date
    source: str
    submitter_name: str | None = None
    listed_at: datetime | None = None
    submitted_by_id: int | None = None


@dataclass(slots=True)
class HfAccount:
    """A Hugging Face user or organization as an API item shows it."""

    name: str
    fullname: str | None = None
    avatar_url: str | None = None
    hf_id: str | None = None


@dataclass(slots=True)
class HfAuthor:
    name: str
    hf_id: str | None = None
    hidden: bool = False
    status: str | None = None
    user: HfAccount | None = None


@dataclass(slots=True)
class HfExtras:
    """What a Hugging Face API item adds to the paper (see store/hf_extras.py)."""

    captured_at: datetime | None = None  # the newest moment the item speaks of
    featured_at: datetime | None = None
    title: str | None = None  # the item's own title (HF shows it)
    submitted_on_daily_at: datetime | None = None
    discussion_id: str | None = None
    ai_summary: str | None = None
    ai_summary_model: str | None = None
    ai_keywords: list[str] | None = None
    thumbnail: str | None = None
    media_urls: list[str] | None = None
    github_stars: int | None = None
    num_comments: int | None = None
    upvotes: int | None = None
    submitter: HfAccount | None = None
    organization: HfAccount | None = None
    authors: list[HfAuthor] | None = None


@dataclass(slots=True)
class PaperRecord:
    """One paper as a source describes it. `None` means "this source does not say"."""

    arxiv_id: str
    title: str | None = None
    abstract: str | None = None
    authors: list[str] | None = None
    categories: list[str] | None = None  # primary category first
    published_at: datetime | None = None  # first submission (v1)
    updated_at: datetime | None = None  # latest version
    version: int | None = None  # latest version number known to this source
    versions: list[VersionRecord] = field(default_factory=list)
    doi: str | None = None
    journal_ref: str | None = None
    comments: str | None = None
    license: str | None = None
    code_url: str | None = None
    project_url: str | None = None
    withdrawn: bool | None = None
    withdrawn_at: datetime | None = None
    upvotes: int | None = None  # the count a source reports (kept apart from votes cast here)
    source: str | None = None
    submitted_by_id: int | None = None
    listing: ListingRecord | None = None
    hf: HfExtras | None = None  # only from Hugging Face API items


@dataclass(slots=True)
class UpsertResult:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    changed_ids: list[int] = field(default_factory=list)  # paper ids inserted or changed
    change_seq: int = 0  # the batch's change sequence number (0: nothing changed)
    # The rows this batch inserted (paper id -> column values, with the listing's `date`):
    # handed to the derived indexes' catch-up so they need not read them back. Not summed.
    new_rows: dict[int, dict[str, Any]] = field(default_factory=dict, repr=False)

    def add(self, other: UpsertResult) -> None:
        self.new += other.new
        self.changed += other.changed
        self.unchanged += other.unchanged
        self.changed_ids.extend(other.changed_ids)
