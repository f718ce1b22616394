"""The change sequence: every committed change to papers gets the next number.

Derived indexes (the keyword index, the vectors) record the number they have applied and
catch up by applying every paper whose `change_seq` is above it — idempotent, resumable, on
any machine. The number is taken from the `change_counters` row under its row lock, as late
as possible in the writing transaction: a second writer waits for the first to commit before
it gets its number, so numbers become visible in the order they were handed out and a reader
that sees number N sees every change numbered below N (no gaps to wait for; see
docs/architecture.md).
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from dailypapers.store.models import ChangeCounter, IndexState, Paper
from dailypapers.timeutil import utcnow

PAPERS = "papers"


def next_change_seq(session: Session) -> int:
    """The next number for the papers this transaction changes (locks the counter row)."""
    number = session.execute(
        update(ChangeCounter)
        .where(ChangeCounter.name == PAPERS)
        .values(value=ChangeCounter.value + 1)
        .returning(ChangeCounter.value)
    ).scalar_one_or_none()
    if number is None:  # a database created by create_all rather than the migrations
        latest = session.scalar(select(func.max(Paper.change_seq))) or 0
        session.add(ChangeCounter(name=PAPERS, value=latest + 1))
        session.flush()
        number = latest + 1
    return int(number)


def latest_change_seq(session: Session) -> int:
    """The highest number committed to papers (0 when there are none)."""
    return int(session.scalar(select(func.max(Paper.change_seq))) or 0)


def applied_seq(session: Session, name: str) -> int:
    """The number index `name` last reported applied (0 when it never did)."""
    value = session.scalar(select(IndexState.applied_seq).where(IndexState.name == name))
    return int(value or 0)


def record_applied(session: Session, name: str, seq: int) -> None:
    """Remember that index `name` has applied every change up to `seq`."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(IndexState).values(name=name, applied_seq=seq, updated_at=utcnow())
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[IndexState.name],
            set_={"applied_seq": statement.excluded.applied_seq, "updated_at": utcnow()},
        )
    )


SITE = "site"


def site_version(session: Session) -> int:
    """The site's version: bumped after every write that changes what a page shows."""
    value = session.scalar(select(ChangeCounter.value).where(ChangeCounter.name == SITE))
    return int(value or 0)


def bump_site_version(session: Session) -> None:
    """Tell every process's page cache that what it holds is older than the database."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(ChangeCounter).values(name=SITE, value=1)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[ChangeCounter.name], set_={"value": ChangeCounter.value + 1}
        )
    )
