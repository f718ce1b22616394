"""`dailypapers index --shared`: help embed a shared backlog until its plan is complete.

The ranges and the plan are search/vectors/shared.py's; this loop claims `embed` ranges from
the queue like a worker does (jobs/worker.run_one: a lease renewed while the range runs), then
waits for the ranges other processes hold, so the command returns when the backlog is indexed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import select

from dailypapers.jobs import queue
from dailypapers.jobs.worker import run_one
from dailypapers.search.vectors.shared import (
    JOB,
    RANGE,
    check_shared,
    complete_plans,
    plan_backlog,
)
from dailypapers.store.db import Store
from dailypapers.store.models import JobRun


@dataclass
class SharedReport:
    ranges: int = 0  # ranges this process embedded
    planned: int = 0  # ranges this process announced
    failed: int = 0  # ranges that gave up (see `dailypapers worker status`)


def index_shared(
    store: Store, *, owner: str, lease: float, poll: float, size: int = RANGE
) -> SharedReport:
    """Plan the backlog if nobody has, embed ranges until none is left to claim, then wait for
    the ranges other processes hold; returns when the plan is complete (or has failed)."""
    check_shared(store)
    report = SharedReport(planned=plan_backlog(store, size=size))
    wait = threading.Event()
    while True:
        ran = run_one(store, owner, lease, job_name=JOB)
        if ran is not None:
            if ran.error is None:  # a range that raised goes back to the queue for a retry
                report.ranges += 1
            continue
        complete_plans(store)
        with store.session() as session:
            states = session.scalars(select(JobRun.state).where(JobRun.job == JOB)).all()
        if all(state == queue.DONE for state in states):
            return report
        if all(state in (queue.DONE, queue.FAILED) for state in states):
            report.failed = sum(state == queue.FAILED for state in states)
            return report
        wait.wait(poll)  # other processes hold the rest; a killed one's lease runs out
