"""Plain rows inserted through the driver's executemany, for tables of ints, strings, booleans."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, bindparam, insert
from sqlalchemy.orm import Session


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Rows of one shape through the driver's executemany: the Core path's per-row parameter
    handling costs more than the insert itself (a first HF import writes ~180k author and
    keyword rows). Columns here are ints, strings and booleans: their own bind processors run."""
    connection = session.connection()
    dialect = connection.dialect
    columns = tuple(rows[0])
    compiled = (
        insert(table).values({name: bindparam(name) for name in columns}).compile(dialect=dialect)
    )
    order = compiled.positiontup if compiled.positional else columns
    processors = {
        name: process
        for name in columns
        if (process := table.c[name].type._cached_bind_processor(dialect)) is not None
    }
    params: list[Any] = []
    for row in rows:
        values = {
            name: (processors[name](value) if name in processors and value is not None else value)
            for name, value in row.items()
        }
        params.append(tuple(values[name] for name in order) if compiled.positional else values)
    connection.exec_driver_sql(compiled.string, params)
