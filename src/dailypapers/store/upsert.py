"""The one write path for papers: every importer hands batches of records to `upsert_papers`.

The merge rules (store/merge_rules.py) decide what a record changes, so that re-importing
changes nothing and sources can overlap; `modified_at` is bumped only when a stored value
really changes, and every inserted or changed paper gets the batch's change sequence number
(store/changes.py). Rows are written by executemany (store/bulk_insert.py) on SQLite and by
COPY (store/pg_copy.py) on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from dailypapers.store import pg_copy
from dailypapers.store.bulk_insert import insert_many
from dailypapers.store.changes import next_change_seq
from dailypapers.store.db import Store
from dailypapers.store.hf_extras import save_hf_extras
from dailypapers.store.merge_rules import (
    COMPARED,
    merge_duplicates,
    merged_row,
    new_row,
    record_versions,
    utc,
)
from dailypapers.store.models import DailyListing, Paper, PaperVersion
from dailypapers.store.records import PaperRecord, UpsertResult
from dailypapers.timeutil import utcnow

PAPERS: Table = Paper.__table__  # type: ignore[assignment]
VERSIONS: Table = PaperVersion.__table__  # type: ignore[assignment]
LISTINGS: Table = DailyListing.__table__  # type: ignore[assignment]


def upsert_papers(session: Session, records: Sequence[PaperRecord]) -> UpsertResult:
    """Insert or update one batch (with versions and listings); the caller commits."""
    result = UpsertResult()
    records = merge_duplicates(records)
    if not records:
        return result
    now = utcnow()
    fast = session.get_bind().dialect.name == "postgresql"
    if fast:  # read and write a stable state: the writers' lock first (store/pg_copy.py)
        pg_copy.lock_writers(session)
    ids = [r.arxiv_id for r in records]
    columns = [PAPERS.c.id, PAPERS.c.arxiv_id, *(PAPERS.c[name] for name in COMPARED)]
    existing = {
        row.arxiv_id: dict(row._mapping)
        for row in session.execute(select(*columns).where(PAPERS.c.arxiv_id.in_(ids)))
    }
    known_ids = [row["id"] for row in existing.values()]
    known_versions: set[tuple[int, int]] = set()
    listed: set[int] = set()
    if known_ids:
        known_versions = {
            (row.paper_id, row.version)
            for row in session.execute(
                select(VERSIONS.c.paper_id, VERSIONS.c.version).where(
                    VERSIONS.c.paper_id.in_(known_ids)
                )
            )
        }
        listed = set(
            session.scalars(select(LISTINGS.c.paper_id).where(LISTINGS.c.paper_id.in_(known_ids)))
        )

    new_rows = [new_row(r, now) for r in records if r.arxiv_id not in existing]
    paper_ids = {a: row["id"] for a, row in existing.items()}
    if new_rows:
        result.change_seq = next_change_seq(session)
        for row in new_rows:
            row["change_seq"] = result.change_seq
        inserted = (
            pg_copy.insert_papers(session, PAPERS, new_rows)
            if fast
            else _insert_papers(session, new_rows)
        )
        for row in new_rows:
            paper_id = inserted[row["arxiv_id"]]
            paper_ids[row["arxiv_id"]] = paper_id
            result.changed_ids.append(paper_id)
            result.new_rows[paper_id] = row
        result.new = len(new_rows)

    hf_changed = save_hf_extras(session, records, paper_ids)  # HF's additions: their own tables
    updates: list[dict[str, Any]] = []
    version_rows: list[dict[str, Any]] = []
    listing_rows: list[dict[str, Any]] = []
    for record in records:
        paper_id = paper_ids[record.arxiv_id]
        current = existing.get(record.arxiv_id)
        touched = paper_id in hf_changed
        if current is not None:
            merged = merged_row(current, record, now)
            if any(merged[name] != current[name] for name in COMPARED):
                update_row = {name: merged[name] for name in COMPARED}
                update_row.update(_pid=paper_id, modified_at=now)
                updates.append(update_row)
                touched = True
        for version in record_versions(record):
            if (paper_id, version.version) not in known_versions:
                known_versions.add((paper_id, version.version))
                version_rows.append(
                    {
                        "paper_id": paper_id,
                        "version": version.version,
                        "submitted_at": utc(version.submitted_at),
                        "size": version.size,
                    }
                )
                touched = touched or current is not None
        if record.listing is not None and paper_id not in listed:
            listed.add(paper_id)
            listing = record.listing
            if current is None:
                result.new_rows[paper_id]["date"] = listing.date
            listing_rows.append(
                {
                    "paper_id": paper_id,
                    "date": listing.date,
                    "source": listing.source,
                    "submitted_by_id": listing.submitted_by_id,
                    "submitter_name": listing.submitter_name,
                    "listed_at": utc(listing.listed_at) or now,
                }
            )
            touched = touched or current is not None
        if current is not None:
            if touched:
                result.changed += 1
                result.changed_ids.append(paper_id)
            else:
                result.unchanged += 1

    touched_only = set(result.changed_ids[result.new :]) - {row["_pid"] for row in updates}
    if (updates or touched_only) and not result.change_seq:
        result.change_seq = next_change_seq(session)
    if updates:
        for row in updates:
            row["change_seq"] = result.change_seq
    if updates and fast:
        pg_copy.update_papers(session, PAPERS, updates)
    elif updates:
        statement = (
            update(PAPERS)
            .where(PAPERS.c.id == bindparam("_pid"))
            .values({name: bindparam(name) for name in (*COMPARED, "modified_at", "change_seq")})
        )
        session.connection().execute(statement, updates)
    if touched_only and fast:
        pg_copy.mark_changed(session, PAPERS, sorted(touched_only), result.change_seq)
    elif touched_only:  # a new version or listing: the paper's documents change too
        session.connection().execute(
            update(PAPERS)
            .where(PAPERS.c.id == bindparam("_pid"))
            .values(change_seq=bindparam("_seq")),
            [{"_pid": pid, "_seq": result.change_seq} for pid in sorted(touched_only)],
        )
    write = pg_copy.insert_rows if fast else insert_many
    if version_rows:
        write(session, VERSIONS, version_rows)
    if listing_rows:
        write(session, LISTINGS, listing_rows)
    return result


def _insert_papers(session: Session, new_rows: list[dict[str, Any]]) -> dict[str, int]:
    insert_many(session, PAPERS, new_rows)
    # Reading the new ids back is cheaper than RETURNING through the per-row statement path.
    new_ids = [row["arxiv_id"] for row in new_rows]
    statement = select(PAPERS.c.arxiv_id, PAPERS.c.id).where(PAPERS.c.arxiv_id.in_(new_ids))
    return {arxiv_id: paper_id for arxiv_id, paper_id in session.execute(statement)}


def save_papers(store: Store, records: Sequence[PaperRecord]) -> UpsertResult:
    """Upsert one batch in its own transaction (all or nothing).

    This is what importers, harvesters and the submit form call. Derived indexes are not told:
    they follow the change sequence (`dailypapers.search.follow.catch_up`), which the caller
    may run after this returns; `result.new_rows` spares them reading the new rows back.
    """
    with store.session() as session:
        return upsert_papers(session, records)
