"""Embedding a backlog on several machines at once (PostgreSQL): ranges claimed from the queue.

`dailypapers index` alone walks the backlog in change order and stores the number it has
applied with each chunk (indexing.py). To share a backlog, a *plan* cuts it instead into ranges
of paper ids, each a slot of the `embed` job in the queue (jobs/queue.py): any number of
`dailypapers index --shared` processes and `dailypapers worker`s, on any machines, claim ranges
with `FOR UPDATE SKIP LOCKED` under a lease, so no two embed the same range, and a range whose
owner was killed is claimed again once its lease runs out.

- A plan covers the papers changed after the index's applied number `a` up to the latest one
  `l` when it was made; its slots are named `a-l:lo-hi` (ids lo ≤ id < hi). Planning and
  completing take one advisory lock, so there is one plan at a time.
- A range embeds the papers of its ids whose change number is still in (a, l]; a paper changed
  since has a number above l and belongs to the next plan. Vectors remember the text they were
  made from (indexing._embed_rows), so a range run twice embeds nothing the second time.
- The applied number moves from a to l only when every range of the plan is done; until then a
  reader's view of "what is indexed" stays behind, never ahead. The done rows (who embedded
  which range, in how many attempts) stay until the next plan replaces them. A range that
  failed MAX_ATTEMPTS times stops the plan there, for `dailypapers worker status` to show.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select, text, update

from dailypapers.jobs import queue
from dailypapers.search.vectors.indexing import COLUMNS, _embed_rows, applied_seq, prepared_index
from dailypapers.search.vectors.registry import open_vector_index
from dailypapers.store.changes import latest_change_seq
from dailypapers.store.db import Store
from dailypapers.store.models import JobRun, Paper

JOB = "embed"
RANGE = 512  # papers per range (a claim); MiniLM on 2 cores: about half a minute
STEP = 64  # papers per stored step inside a range (the lease is renewed between claims)
_LOCK = 0x656D_6265_6464  # pg_advisory_xact_lock key of planning and completing


class SharedIndexUnsupported(RuntimeError):
    """Sharing needs PostgreSQL: SQLite is one machine's file."""


@dataclass(frozen=True, slots=True, order=True)
class Range:
    applied: int
    latest: int
    lo: int
    hi: int

    @property
    def plan(self) -> str:
        return f"{self.applied}-{self.latest}"

    @property
    def slot(self) -> str:
        return f"{self.plan}:{self.lo}-{self.hi}"

    @classmethod
    def parse(cls, slot: str) -> Range:
        plan, _, ids = slot.partition(":")
        applied, _, latest = plan.partition("-")
        lo, _, hi = ids.partition("-")
        return cls(int(applied), int(latest), int(lo), int(hi))


def _locked(session) -> None:  # noqa: ANN001
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK})


def check_shared(store: Store) -> None:
    """Raise SharedIndexUnsupported on SQLite."""
    if store.is_sqlite:
        raise SharedIndexUnsupported(
            "sharing the embedding work needs PostgreSQL (DATABASE_URL); on SQLite run one "
            "`dailypapers index`"
        )


def complete_plans(store: Store) -> bool:
    """Advance the applied number over a plan whose ranges are all done; True if one was."""
    check_shared(store)
    index = open_vector_index(store)
    with store.session() as session:
        _locked(session)
        rows = session.execute(select(JobRun.slot, JobRun.state).where(JobRun.job == JOB)).all()
        if not rows or any(state != queue.DONE for _, state in rows):
            return False
        part = Range.parse(rows[0].slot)  # one plan at a time
        if applied_seq(index) == part.applied:
            index.set_meta(applied_seq=part.latest)
            return True
    return False


def plan_backlog(store: Store, *, size: int = RANGE, minimum: int = 0) -> int:
    """Cut the backlog into ranges in the queue (unless a plan is open or the backlog holds at
    most `minimum` papers); returns how many ranges this call announced."""
    check_shared(store)
    index = prepared_index(store)
    complete_plans(store)
    with store.session() as session:
        _locked(session)
        open_ = JobRun.job == JOB, JobRun.state != queue.DONE
        if session.scalar(select(func.count()).select_from(JobRun).where(*open_)):
            return 0  # a plan is open: help with it instead
        applied = applied_seq(index)
        latest = latest_change_seq(session)
        pending = Paper.change_seq > applied, Paper.change_seq <= latest
        count = session.scalar(select(func.count()).select_from(Paper).where(*pending)) or 0
        if count == 0 or count <= minimum:
            return 0
        numbered = (
            select(Paper.id, func.row_number().over(order_by=Paper.id).label("n"))
            .where(*pending)
            .subquery()
        )
        starts = session.scalars(
            select(numbered.c.id).where((numbered.c.n - 1) % size == 0).order_by(numbered.c.id)
        ).all()
        top = session.scalar(select(func.max(Paper.id)).where(*pending))
        ends = [*starts[1:], top + 1]
        session.execute(delete(JobRun).where(JobRun.job == JOB))  # the last, completed plan
        for lo, hi in zip(starts, ends, strict=True):
            queue.announce_in(session, JOB, Range(applied, latest, lo, hi).slot)
    return len(starts)


def embed_range(store: Store, slot: str) -> int:
    """Embed one range (the `embed` job); returns how many vectors it made."""
    part = Range.parse(slot)
    index = open_vector_index(store)
    model = index.meta()["model"]
    with store.session() as session:
        rows = session.execute(
            select(*COLUMNS)
            .where(Paper.id >= part.lo, Paper.id < part.hi)
            .where(Paper.change_seq > part.applied, Paper.change_seq <= part.latest)
            .order_by(Paper.id)
        ).all()
    embedded = 0
    for start in range(0, len(rows), STEP):
        made, _ = _embed_rows(index, rows[start : start + STEP], model)
        embedded += made
    with store.session() as session:  # done before completing, so the last range completes
        session.execute(
            update(JobRun)
            .where(JobRun.job == JOB, JobRun.slot == slot, JobRun.state == queue.RUNNING)
            .values(state=queue.DONE)
        )
    complete_plans(store)
    return embedded
