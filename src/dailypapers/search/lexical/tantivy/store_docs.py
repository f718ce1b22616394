"""Reading index documents straight from the database, fast enough to keep up with bulk imports.

The ORM path decodes JSON and times per row through SQLAlchemy types, ~60 µs a paper; this raw
path (one statement; on SQLite orjson and dates kept as the stored text, on PostgreSQL the
driver's own types) is a fraction of that, which matters when the index follows a
million-paper import. The same statement runs on both backends.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from dailypapers.search.lexical.base import IndexDoc

_SELECT = """
SELECT p.id, p.arxiv_id, p.title, p.abstract, p.authors, p.categories, p.published_at,
       p.code_url, p.withdrawn, p.hidden, p.imported_upvotes, p.change_seq, l.date
FROM papers p LEFT JOIN daily_listings l ON l.paper_id = p.id
"""
_BY_IDS = {
    "sqlite": text(_SELECT + " WHERE p.id IN (SELECT value FROM json_each(:ids))"),  # noqa: S608
    "postgresql": text(_SELECT + " WHERE p.id = ANY(CAST(:ids AS bigint[]))"),  # noqa: S608
}
_AFTER_ID = text(_SELECT + " WHERE p.id > :after ORDER BY p.id LIMIT :batch")
_CHANGED = text(
    _SELECT + " WHERE (p.change_seq, p.id) > (:seq, :id) ORDER BY p.change_seq, p.id LIMIT :batch"
)


def _names(value: Any) -> list[str]:
    """A JSON list column: text on SQLite, already decoded by psycopg on PostgreSQL."""
    if not value:
        return []
    if isinstance(value, str | bytes):
        return orjson.loads(value)
    return list(value)


def _day(listed: Any, published: Any) -> date | None:
    """The listing day, else the UTC day of publication (stored text on SQLite)."""
    if isinstance(listed, date):
        return listed
    if listed:
        return date.fromisoformat(listed[:10])
    if isinstance(published, datetime):
        if published.tzinfo is not None:
            published = published.astimezone(UTC)
        return published.date()
    if published:  # SQLAlchemy stores UTC as "YYYY-MM-DD HH:MM:SS.ffffff" on SQLite
        return date.fromisoformat(published[:10])
    return None


def _doc(row: tuple) -> IndexDoc:
    (pid, arxiv_id, title, abstract, authors, categories, published, code, withdrawn, hidden,
     votes, seq, listed) = row  # fmt: skip
    return IndexDoc(
        id=pid,
        arxiv_id=arxiv_id,
        title=title or "",
        abstract=abstract or "",
        authors=_names(authors),
        categories=_names(categories),
        day=_day(listed, published),
        has_code=bool(code),
        withdrawn=bool(withdrawn),
        hidden=bool(hidden),
        votes=votes or 0,
        change_seq=seq,
    )


def doc_of_row(paper_id: int, row: Mapping[str, Any]) -> IndexDoc:
    """The document of a row the upsert just inserted (its values, not read back)."""
    listed = row.get("date")
    published = row.get("published_at")
    return IndexDoc(
        id=paper_id,
        arxiv_id=row["arxiv_id"],
        title=row.get("title") or "",
        abstract=row.get("abstract") or "",
        authors=list(row.get("authors") or ()),
        categories=list(row.get("categories") or ()),
        day=listed or (published.date() if published else None),
        has_code=bool(row.get("code_url")),
        withdrawn=bool(row.get("withdrawn")),
        hidden=bool(row.get("hidden")),
        votes=row.get("imported_upvotes") or 0,
        change_seq=row["change_seq"],
    )


def read_docs(session: Session, paper_ids: Iterable[int]) -> list[IndexDoc]:
    """The documents of these papers (any order; unknown ids are skipped)."""
    ids = list(paper_ids)
    if not ids:
        return []
    dialect = session.get_bind().dialect.name
    value: Any = orjson.dumps(ids).decode() if dialect == "sqlite" else ids
    rows = session.execute(_BY_IDS[dialect], {"ids": value})
    return [_doc(tuple(row)) for row in rows]


def iter_docs(session: Session, *, batch: int = 5000) -> Iterator[list[IndexDoc]]:
    """Every paper in batches, by id."""
    last_id = 0
    while True:
        rows = session.execute(_AFTER_ID, {"after": last_id, "batch": batch}).fetchall()
        if not rows:
            return
        yield [_doc(tuple(row)) for row in rows]
        last_id = rows[-1][0]


def iter_changed(session: Session, after: int, *, batch: int = 5000) -> Iterator[list[IndexDoc]]:
    """The papers whose change sequence number is above `after`, in (number, id) order."""
    seq, last = after, 2**62  # past every id: the first batch starts at the next number
    while True:
        params = {"seq": seq, "id": last, "batch": batch}
        rows = session.execute(_CHANGED, params).fetchall()
        if not rows:
            return
        yield [_doc(tuple(row)) for row in rows]
        seq, last = rows[-1][-2], rows[-1][0]
