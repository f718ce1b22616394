"""The merge rules of the one write path: how a record's values meet what is stored.

- a field a record leaves as None keeps what is stored;
- descriptive metadata is overwritten only by a record of the same or a newer arXiv version
  (an older one may still fill blanks and adds its versions to the history);
- the imported upvote count only grows (sources are captures taken at different times);
- a withdrawn paper is marked, never deleted; a later, non-withdrawn version clears the mark.

Pure functions of records and stored rows: both write paths (`store/bulk_insert.py` for
executemany, `store/pg_copy.py` for COPY) apply exactly these.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from dailypapers.arxiv_ids import abs_url, pdf_url
from dailypapers.store.hf_extras import merge_extras
from dailypapers.store.records import PaperRecord, VersionRecord
from dailypapers.timeutil import as_utc

# Fields that describe a version of the paper: only a same-or-newer version overwrites them.
VERSIONED = (
    "title",
    "abstract",
    "authors",
    "categories",
    "primary_category",
    "updated_at",
    "doi",
    "journal_ref",
    "comments",
    "license",
    "version",
)
# Fields any source may set when it knows them.
ANY_SOURCE = ("code_url", "project_url", "published_at", "abs_url", "pdf_url")
COMPARED = (
    *VERSIONED,
    *ANY_SOURCE,
    "withdrawn",
    "withdrawn_at",
    "imported_upvotes",
    "source",
    "submitted_by_id",
)


def merge_duplicates(records: Sequence[PaperRecord]) -> list[PaperRecord]:
    """One record per arXiv id; a later record's versions and listing join the first's."""
    by_id: dict[str, PaperRecord] = {}
    for record in records:
        first = by_id.get(record.arxiv_id)
        if first is None:
            by_id[record.arxiv_id] = record
            continue
        newer = (record.version or 0) >= (first.version or 0)
        merged = record if newer else first
        other = first if newer else record
        for name in PaperRecord.__slots__:
            if getattr(merged, name) is None and getattr(other, name) is not None:
                setattr(merged, name, getattr(other, name))
        known = {v.version for v in merged.versions}
        merged.versions = merged.versions + [v for v in other.versions if v.version not in known]
        if first.listing is not None:
            merged.listing = first.listing
        merged.hf = merge_extras(first.hf, record.hf)
        if record.upvotes is not None and first.upvotes is not None:
            merged.upvotes = max(record.upvotes, first.upvotes)
        by_id[record.arxiv_id] = merged
    return list(by_id.values())


def _latest_version(record: PaperRecord) -> int | None:
    numbers = [v.version for v in record.versions]
    if record.version is not None:
        numbers.append(record.version)
    return max(numbers) if numbers else None


def record_values(record: PaperRecord) -> dict[str, Any]:
    """The column values a record states (None = not stated)."""
    categories = record.categories or None
    values: dict[str, Any] = {
        "title": record.title,
        "abstract": record.abstract,
        "authors": record.authors if record.authors else None,
        "categories": categories,
        "primary_category": categories[0] if categories else None,
        "published_at": utc(record.published_at),
        "updated_at": utc(record.updated_at),
        "version": _latest_version(record),
        "doi": record.doi,
        "journal_ref": record.journal_ref,
        "comments": record.comments,
        "license": record.license,
        "code_url": record.code_url,
        "project_url": record.project_url,
        "abs_url": abs_url(record.arxiv_id),
        "pdf_url": pdf_url(record.arxiv_id),
    }
    if values["published_at"] is None:
        first = [v for v in record.versions if v.version == 1 and v.submitted_at is not None]
        if first:
            values["published_at"] = utc(first[0].submitted_at)
    if values["updated_at"] is None and record.versions:
        latest = max(record.versions, key=lambda v: v.version)
        values["updated_at"] = utc(latest.submitted_at)
    return values


def utc(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


def new_row(record: PaperRecord, now: datetime) -> dict[str, Any]:
    values = record_values(record)
    withdrawn = bool(record.withdrawn)
    return {
        "arxiv_id": record.arxiv_id,
        **values,
        "title": values["title"] or record.arxiv_id,
        "authors": values["authors"] or [],
        "categories": values["categories"] or [],
        "withdrawn": withdrawn,
        "withdrawn_at": (utc(record.withdrawn_at) or values["updated_at"] or now)
        if withdrawn
        else None,
        "imported_upvotes": record.upvotes or 0,
        "source": record.source,
        "hidden": False,
        "submitted_by_id": record.submitted_by_id,
        "created_at": now,
        "modified_at": now,
    }


def merged_row(current: dict[str, Any], record: PaperRecord, now: datetime) -> dict[str, Any]:
    values = record_values(record)
    merged = dict(current)
    stored_version = current["version"]
    incoming_version = values["version"]
    not_older = (
        incoming_version is None or stored_version is None or incoming_version >= stored_version
    )
    for name in VERSIONED:
        value = values[name]
        if value is None:
            continue
        if not_older or merged[name] in (None, [], ""):
            merged[name] = value
    for name in ANY_SOURCE:
        if values[name] is not None:
            merged[name] = values[name]
    if record.upvotes is not None:
        merged["imported_upvotes"] = max(current["imported_upvotes"] or 0, record.upvotes)
    if merged["source"] is None and record.source is not None:
        merged["source"] = record.source
    if merged["submitted_by_id"] is None and record.submitted_by_id is not None:
        merged["submitted_by_id"] = record.submitted_by_id
    if record.withdrawn and not current["withdrawn"]:
        merged["withdrawn"] = True
        merged["withdrawn_at"] = utc(record.withdrawn_at) or values["updated_at"] or now
    elif (
        record.withdrawn is False
        and current["withdrawn"]
        and incoming_version is not None
        and (stored_version is None or incoming_version > stored_version)
    ):
        merged["withdrawn"] = False
        merged["withdrawn_at"] = None
    return merged


def record_versions(record: PaperRecord) -> list[VersionRecord]:
    """The record's version history; a bare version number counts as a known version."""
    versions = list(record.versions)
    numbers = {v.version for v in versions}
    if record.version is not None and record.version not in numbers:
        versions.append(VersionRecord(version=record.version, submitted_at=record.updated_at))
    return versions
