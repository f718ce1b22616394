"""A small job queue in the database: each background job runs once per schedule slot.

A slot is one due run of a job ("harvest" on 2026-12-01, "index" in one five-minute window).
Any worker on any machine may announce a slot (`INSERT … ON CONFLICT DO NOTHING`: a slot
exists once), and any worker may claim a pending one (`SELECT … FOR UPDATE SKIP LOCKED`: two
workers never take the same row). A claim is a lease: the owner renews `lease_until` while the
job runs (`heartbeat`), so a worker killed mid-job leaves a lease that simply runs out, and
the next worker to poll claims the slot again and runs the job from its start. That is safe
because every job resumes what it finds: the harvest continues from its checkpoint, the
digests send only what the deliveries table has not recorded as sent, the index catch-up
applies whatever is above its change number.

A job that raises is retried up to MAX_ATTEMPTS times (a later poll), then marked failed with
its error, for `dailypapers worker status` to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from dailypapers.store.db import Store
from dailypapers.store.models import JobRun
from dailypapers.timeutil import utcnow

PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
MAX_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class Claim:
    job: str
    slot: str
    owner: str
    attempt: int


def announce(store: Store, job: str, slot: str) -> bool:
    """Make sure the slot exists (pending unless it already ran); True when this call made it."""
    with store.session() as session:
        return announce_in(session, job, slot)


def announce_in(session: Session, job: str, slot: str) -> bool:
    """`announce` inside the caller's transaction."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(JobRun)
        .values(job=job, slot=slot, state=PENDING, attempts=0, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=[JobRun.job, JobRun.slot])
        .returning(JobRun.job)
    )
    return session.execute(statement).first() is not None


def claim(
    store: Store,
    owner: str,
    lease: float,
    now: datetime | None = None,
    *,
    job: str | None = None,
) -> Claim | None:
    """Take the oldest pending slot (of `job`, or any), or one whose owner's lease ran out;
    None when none is."""
    now = now or utcnow()
    claimable = or_(
        JobRun.state == PENDING,
        and_(JobRun.state == RUNNING, JobRun.lease_until < now),
    )
    if job is not None:
        claimable = and_(JobRun.job == job, claimable)
    with store.session() as session:
        row = session.execute(
            select(JobRun.job, JobRun.slot, JobRun.attempts)
            .where(claimable)
            .order_by(JobRun.created_at, JobRun.job, JobRun.slot)
            .limit(1)
            .with_for_update(skip_locked=True)  # SQLite: ignored (one writer at a time anyway)
        ).first()
        if row is None:
            return None
        session.execute(
            update(JobRun)
            .where(JobRun.job == row.job, JobRun.slot == row.slot)
            .values(
                state=RUNNING,
                owner=owner,
                lease_until=now + timedelta(seconds=lease),
                attempts=row.attempts + 1,
            )
        )
    return Claim(row.job, row.slot, owner, row.attempts + 1)


def heartbeat(store: Store, claim_: Claim, lease: float) -> bool:
    """Renew the lease; False when the slot is no longer this owner's (it ran out and moved)."""
    with store.session() as session:
        renewed = session.execute(
            update(JobRun)
            .where(_owned(claim_))
            .values(lease_until=utcnow() + timedelta(seconds=lease))
        ).rowcount
    return bool(renewed)


def finish(store: Store, claim_: Claim, error: str | None = None) -> None:
    """Record the outcome: done, pending again (an error, attempts left) or failed."""
    if error is None:
        values = {"state": DONE, "finished_at": utcnow(), "error": None, "lease_until": None}
    elif claim_.attempt < MAX_ATTEMPTS:
        values = {"state": PENDING, "error": error[:2000], "lease_until": None}
    else:
        values = {"state": FAILED, "finished_at": utcnow(), "error": error[:2000]}
    with store.session() as session:
        session.execute(update(JobRun).where(_owned(claim_)).values(**values))


def _owned(claim_: Claim):  # noqa: ANN202
    return and_(
        JobRun.job == claim_.job,
        JobRun.slot == claim_.slot,
        JobRun.owner == claim_.owner,
        JobRun.state == RUNNING,
    )


def recent(store: Store, limit: int = 20) -> list[JobRun]:
    """The newest slots, for `dailypapers worker status`."""
    with store.session() as session:
        rows = session.scalars(select(JobRun).order_by(JobRun.created_at.desc()).limit(limit)).all()
        session.expunge_all()
        return list(rows)
