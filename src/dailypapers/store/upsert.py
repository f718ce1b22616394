"""The one write path for papers: every importer hands batches of records to `upsert_papers`.

Merge rules, so that re-importing changes nothing and sources can overlap:
- a field a record leaves as None keeps what is stored;
- descriptive metadata is overwritten only by a record of the same or a newer arXiv version
  (an older one may still fill blanks and adds its versions to the history);
- the imported upvote count only grows (sources are captures taken at different times);
- a withdrawn paper is marked, never deleted; a later, non-withdrawn version clears the mark;
- `modified_at` is bumped only when a stored value really changes;
- every inserted or changed paper gets the batch's change sequence number (store/changes.py).

This module is over the ~300-line rule on purpose for now: the merge rules and the fast bulk
insert are one write path, and another change is extending it; split it once that has landed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Dialect, Table, bindparam, select, update
from sqlalchemy.orm import Session

from dailypapers.arxiv_ids import abs_url, pdf_url
from dailypapers.store.changes import next_change_seq
from dailypapers.store.db import Store
from dailypapers.store.hf_extras import merge_extras, save_hf_extras
from dailypapers.store.models import DailyListing, Paper, PaperVersion
from dailypapers.store.records import PaperRecord, UpsertResult, VersionRecord
from dailypapers.timeutil import as_utc, utcnow

PAPERS: Table = Paper.__table__  # type: ignore[assignment]
VERSIONS: Table = PaperVersion.__table__  # type: ignore[assignment]
LISTINGS: Table = DailyListing.__table__  # type: ignore[assignment]

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


def _merge_duplicates(records: Sequence[PaperRecord]) -> list[PaperRecord]:
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


def _record_values(record: PaperRecord) -> dict[str, Any]:
    """The column values a record states (None = not stated)."""
    categories = record.categories or None
    values: dict[str, Any] = {
        "title": record.title,
        "abstract": record.abstract,
        "authors": record.authors if record.authors else None,
        "categories": categories,
        "primary_category": categories[0] if categories else None,
        "published_at": _utc(record.published_at),
        "updated_at": _utc(record.updated_at),
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
            values["published_at"] = _utc(first[0].submitted_at)
    if values["updated_at"] is None and record.versions:
        latest = max(record.versions, key=lambda v: v.version)
        values["updated_at"] = _utc(latest.submitted_at)
    return values


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


def _new_row(record: PaperRecord, now: datetime) -> dict[str, Any]:
    values = _record_values(record)
    withdrawn = bool(record.withdrawn)
    return {
        "arxiv_id": record.arxiv_id,
        **values,
        "title": values["title"] or record.arxiv_id,
        "authors": values["authors"] or [],
        "categories": values["categories"] or [],
        "withdrawn": withdrawn,
        "withdrawn_at": (_utc(record.withdrawn_at) or values["updated_at"] or now)
        if withdrawn
        else None,
        "imported_upvotes": record.upvotes or 0,
        "source": record.source,
        "hidden": False,
        "submitted_by_id": record.submitted_by_id,
        "created_at": now,
        "modified_at": now,
    }


def _merged_row(current: dict[str, Any], record: PaperRecord, now: datetime) -> dict[str, Any]:
    values = _record_values(record)
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
        merged["withdrawn_at"] = _utc(record.withdrawn_at) or values["updated_at"] or now
    elif (
        record.withdrawn is False
        and current["withdrawn"]
        and incoming_version is not None
        and (stored_version is None or incoming_version > stored_version)
    ):
        merged["withdrawn"] = False
        merged["withdrawn_at"] = None
    return merged


def upsert_papers(session: Session, records: Sequence[PaperRecord]) -> UpsertResult:
    """Insert or update one batch (with versions and listings); the caller commits."""
    result = UpsertResult()
    records = _merge_duplicates(records)
    if not records:
        return result
    now = utcnow()
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

    new_rows = [_new_row(r, now) for r in records if r.arxiv_id not in existing]
    paper_ids = {a: row["id"] for a, row in existing.items()}
    if new_rows:
        result.change_seq = next_change_seq(session)
        for row in new_rows:
            row["change_seq"] = result.change_seq
        _insert_many(session, PAPERS, new_rows)
        # Reading the new ids back is cheaper than RETURNING through the per-row statement path.
        new_ids = [row["arxiv_id"] for row in new_rows]
        inserted = {
            arxiv_id: paper_id
            for arxiv_id, paper_id in session.execute(
                select(PAPERS.c.arxiv_id, PAPERS.c.id).where(PAPERS.c.arxiv_id.in_(new_ids))
            )
        }
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
            merged = _merged_row(current, record, now)
            if any(merged[name] != current[name] for name in COMPARED):
                update_row = {name: merged[name] for name in COMPARED}
                update_row.update(_pid=paper_id, modified_at=now)
                updates.append(update_row)
                touched = True
        for version in _versions(record):
            if (paper_id, version.version) not in known_versions:
                known_versions.add((paper_id, version.version))
                version_rows.append(
                    {
                        "paper_id": paper_id,
                        "version": version.version,
                        "submitted_at": _utc(version.submitted_at),
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
                    "listed_at": _utc(listing.listed_at) or now,
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
        statement = (
            update(PAPERS)
            .where(PAPERS.c.id == bindparam("_pid"))
            .values({name: bindparam(name) for name in (*COMPARED, "modified_at", "change_seq")})
        )
        session.connection().execute(statement, updates)
    if touched_only:  # a new version or listing: the paper's documents change too
        session.connection().execute(
            update(PAPERS)
            .where(PAPERS.c.id == bindparam("_pid"))
            .values(change_seq=bindparam("_seq")),
            [{"_pid": pid, "_seq": result.change_seq} for pid in sorted(touched_only)],
        )
    if version_rows:
        _insert_many(session, VERSIONS, version_rows)
    if listing_rows:
        _insert_many(session, LISTINGS, listing_rows)
    return result


@lru_cache(maxsize=32)
def _insert_plan(
    table: Table, columns: tuple[str, ...], dialect: Dialect
) -> tuple[str, tuple[Callable[[Any], Any] | None, ...]]:
    """The INSERT text and each column's bind processor (the dialect's own: same stored form)."""
    quote = dialect.identifier_preparer.quote
    marker = "?" if dialect.paramstyle in ("qmark", "numeric") else "%s"
    names = ", ".join(quote(name) for name in columns)
    markers = ", ".join([marker] * len(columns))
    # Identifiers come from the table metadata, values are bound: nothing here is user input.
    sql = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({markers})"  # noqa: S608
    processors = tuple(
        _fast_datetime(processor)
        if dialect.name == "sqlite" and _holds_datetimes(table.c[name].type)
        else processor
        for name in columns
        for processor in [table.c[name].type.dialect_impl(dialect).bind_processor(dialect)]
    )
    return sql, processors


def _sqlite_datetime(value: datetime) -> str:
    """UTC as SQLite stores it ('YYYY-MM-DD HH:MM:SS.ffffff'), by C code: ~3x SQLAlchemy's."""
    if value.tzinfo is not UTC:
        value = as_utc(value)
    return value.isoformat(" ", "microseconds")[:26]


def _fast_datetime(
    processor: Callable[[Any], Any] | None,
) -> Callable[[Any], Any] | None:
    """`_sqlite_datetime` where it writes exactly what the column's own processor writes."""
    if processor is None:
        return None
    samples = (
        datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=UTC),
        datetime(1999, 1, 1, tzinfo=UTC),
        datetime(2024, 6, 1, 1, 2, 3, 4, tzinfo=timezone(timedelta(hours=-7))),
        datetime(2024, 6, 1, 1, 2, 3),
    )
    try:
        same = all(processor(s) == _sqlite_datetime(s) for s in samples)
    except (TypeError, ValueError):
        same = False
    return _sqlite_datetime if same else processor


def _memoized(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A batch repeats its times (created_at, modified_at, v1 = published_at): format each once."""
    seen: dict[Any, Any] = {}

    def memo(value: Any) -> Any:
        found = seen.get(value)
        if found is None:
            found = seen[value] = process(value)
        return found

    return memo


def _holds_datetimes(type_: Any) -> bool:
    # A TypeDecorator (UTCDateTime) says `object`: its impl tells what it stores.
    inner = getattr(type_, "impl", type_)
    try:
        return inner.python_type is datetime
    except NotImplementedError:  # a type that does not say: convert each value
        return False


def _insert_many(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """A bulk INSERT through the driver's executemany.

    The Core statement path costs ~30 µs per row in parameter handling, more than the insert
    itself; bulk imports of millions of papers spend most of their time there otherwise.
    """
    connection = session.connection()
    columns = tuple(rows[0])
    sql, processors = _insert_plan(table, columns, connection.dialect)
    convert = [
        (i, _memoized(proc) if _holds_datetimes(table.c[name].type) else proc)
        for i, (name, proc) in enumerate(zip(columns, processors, strict=True))
        if proc is not None
    ]
    values = itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
    params = []
    for row in rows:
        param = list(values(row))
        for i, proc in convert:
            if param[i] is not None:
                param[i] = proc(param[i])
        params.append(tuple(param))
    connection.exec_driver_sql(sql, params)


def _versions(record: PaperRecord) -> list[VersionRecord]:
    """The record's version history; a bare version number counts as a known version."""
    versions = list(record.versions)
    numbers = {v.version for v in versions}
    if record.version is not None and record.version not in numbers:
        versions.append(VersionRecord(version=record.version, submitted_at=record.updated_at))
    return versions


def save_papers(store: Store, records: Sequence[PaperRecord]) -> UpsertResult:
    """Upsert one batch in its own transaction (all or nothing).

    This is what importers, harvesters and the submit form call. Derived indexes are not told:
    they follow the change sequence (`dailypapers.search.follow.catch_up`), which the caller
    may run after this returns; `result.new_rows` spares them reading the new rows back.
    """
    with store.session() as session:
        return upsert_papers(session, records)
