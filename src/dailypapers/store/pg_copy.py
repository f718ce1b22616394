"""The PostgreSQL write path of `upsert_papers`: COPY instead of row-at-a-time statements.

The merge rules are the same (store/merge_rules.py decides every value in Python, from the
stored rows read under the writers' lock); only how the rows reach the tables differs:

- new papers, versions and listings are streamed with psycopg 3's `COPY … FROM STDIN`; paper
  ids are taken from the table's own sequence first, so nothing is read back;
- changed papers are COPYed into a temporary staging table and merged by one set-based
  `UPDATE … FROM` per batch.

The keyword index is not in the database (migration 0010 dropped the generated tsvector): the
tantivy index of each machine follows the change sequence, so a COPY writes plain columns only.

Why a lock, taken first: the merge reads the stored rows and then writes; a second writer
inserting the same arXiv id in between would make the COPY fail on the unique key. Writers
of papers already serialise on the change counter row (store/changes.py); `lock_writers`
takes that same row lock before reading, so a batch sees and writes a stable state.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, Table, text
from sqlalchemy.orm import Session

from dailypapers.store.db import json_dumps
from dailypapers.store.models import ChangeCounter, UTCDateTime
from dailypapers.timeutil import as_utc


def lock_writers(session: Session) -> None:
    """Take the paper writers' lock (the change counter row) for this transaction."""
    session.execute(
        text(f"SELECT 1 FROM {ChangeCounter.__tablename__} WHERE name = 'papers' FOR UPDATE")  # noqa: S608
    )


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@lru_cache(maxsize=64)
def _conversions(table: Table, columns: tuple[str, ...]) -> tuple[tuple[int, Any], ...]:
    """(position, converter) of the columns psycopg would not write as the ORM binds them."""
    found: list[tuple[int, Any]] = []
    for i, name in enumerate(columns):
        if name not in table.c:
            continue
        type_ = table.c[name].type
        if isinstance(type_, JSON):
            found.append((i, json_dumps))  # the engine's serializer: the same stored text
        elif isinstance(type_, UTCDateTime):
            found.append((i, as_utc))  # a naive time means UTC, as the ORM binds it
    return tuple(found)


def copy_rows(
    session: Session, table_name: str, table: Table, columns: Sequence[str], rows: Iterable[Any]
) -> None:
    """COPY `rows` (dicts with `columns`) into `table_name` (shaped like `table`)."""
    columns = tuple(columns)
    conversions = _conversions(table, columns)
    names = ", ".join(_quote(name) for name in columns)
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cursor:  # type: ignore[union-attr]
        # Identifiers come from the table metadata; every value travels in the COPY stream.
        with cursor.copy(f"COPY {_quote(table_name)} ({names}) FROM STDIN") as copy:
            for row in rows:
                values = [row[name] for name in columns]
                for i, convert in conversions:
                    if values[i] is not None:
                        values[i] = convert(values[i])
                copy.write_row(values)


def reserve_ids(session: Session, table: Table, count: int) -> list[int]:
    """`count` fresh primary keys from the table's own sequence (as a default would take)."""
    rows = session.execute(
        text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
        {"table": table.name, "n": count},
    )
    return [int(value) for (value,) in rows]


def insert_papers(session: Session, table: Table, rows: list[dict[str, Any]]) -> dict[str, int]:
    """COPY new paper rows with ids reserved up front; their ids by arXiv id."""
    ids = reserve_ids(session, table, len(rows))
    for row, paper_id in zip(rows, ids, strict=True):
        row["id"] = paper_id
    copy_rows(session, table.name, table, ("id", *(c for c in rows[0] if c != "id")), rows)
    for row in rows:
        del row["id"]  # the rows go on to the catch-up exactly as the other path leaves them
    return {row["arxiv_id"]: paper_id for row, paper_id in zip(rows, ids, strict=True)}


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """COPY rows (versions, listings) into `table`."""
    copy_rows(session, table.name, table, tuple(rows[0]), rows)


def update_papers(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """One set-based UPDATE from a COPYed staging table; each row has `_pid` and its columns."""
    columns = tuple(name for name in rows[0] if name != "_pid")
    stage = "upsert_papers_stage"
    quoted = ", ".join(_quote(name) for name in columns)
    # A temporary table of exactly the updated columns' types, gone when the batch commits.
    session.execute(
        text(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT id AS _pid, {quoted} FROM {_quote(table.name)} WITH NO DATA"
        )
    )
    session.execute(text(f"TRUNCATE {stage}"))
    copy_rows(session, stage, table, ("_pid", *columns), rows)
    assignments = ", ".join(f"{_quote(name)} = s.{_quote(name)}" for name in columns)
    session.execute(
        text(
            f"UPDATE {_quote(table.name)} AS p SET {assignments} "  # noqa: S608
            f"FROM {stage} AS s WHERE p.id = s._pid"
        )
    )


def mark_changed(session: Session, table: Table, ids: list[int], seq: int) -> None:
    """Give `ids` the batch's change number (a new version or listing changed them)."""
    session.execute(
        text(f"UPDATE {_quote(table.name)} SET change_seq = :seq WHERE id = ANY(:ids)"),  # noqa: S608
        {"seq": seq, "ids": ids},
    )
