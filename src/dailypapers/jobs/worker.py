"""`dailypapers worker`: runs the background jobs from the shared queue (jobs/queue.py).

Start any number of workers on any machines. Each poll, a worker announces the slots that are
due by the schedule (times in DAILYPAPERS_TZ, as the embedded scheduler keeps them: the daily
harvest, the weekday and weekly digests, and an index catch-up every
DAILYPAPERS_WORKER_INDEX_MINUTES), then claims one pending slot and runs it, renewing its lease
while it runs. A slot is announced once however many workers see it due, and runs once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dailypapers.config import Settings
from dailypapers.jobs import queue
from dailypapers.jobs.follow import after_write
from dailypapers.store.db import Store
from dailypapers.timeutil import utcnow

log = logging.getLogger(__name__)

# A run that missed its time (every worker was down) still runs within this grace period,
# like the embedded scheduler's misfire grace; the digests' bookkeeping makes a late run safe.
GRACE = timedelta(hours=6)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def harvest(store: Store, slot: str) -> None:
    """Today's new papers from arXiv; a re-run resumes from the harvest's checkpoint."""
    from dailypapers.ingest.oai_pmh import OaiHarvester

    harvester = OaiHarvester(store)
    try:
        summary = harvester.harvest(set_spec=store.settings.harvest_set or None, feature=True)
        log.info("harvest %s: %s", slot, summary)
    finally:
        harvester.close()
        after_write(store)


def _digests(period: str) -> Callable[[Store, str], None]:
    def run(store: Store, slot: str) -> None:
        from dailypapers.digest.periods import NotADigestDay
        from dailypapers.digest.send import send_digests

        try:
            report = send_digests(store, period=period, today=date.fromisoformat(slot))
        except NotADigestDay:
            return
        log.info("%s digests %s: %d sent, %d failed", period, slot, report.sent, report.failed)
        if report.pending:  # an unreachable mail server: the retry sends what is left
            raise RuntimeError(f"{report.pending} digest(s) left pending")

    return run


def index(store: Store, slot: str) -> None:
    """The derived indexes catch up: the keyword index and a few vectors here; on PostgreSQL
    a larger backlog is cut into `embed` ranges that every worker helps with."""
    after_write(store)
    if not store.is_sqlite:
        from dailypapers.search.vectors.shared import plan_backlog

        plan_backlog(store, minimum=store.settings.embed_inline_max)


def embed(store: Store, slot: str) -> None:
    """One range of a shared embedding backlog (search/vectors/shared.py)."""
    from dailypapers.search.vectors.shared import embed_range

    embed_range(store, slot)


JOBS: dict[str, Callable[[Store, str], None]] = {
    "harvest": harvest,
    "digest-daily": _digests("daily"),
    "digest-weekly": _digests("weekly"),
    "index": index,
    "embed": embed,
}


def _at(day: date, hh_mm: str, settings: Settings) -> datetime:
    hour, minute = (int(part) for part in hh_mm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=settings.zone)


def _latest_day(
    now: datetime, hh_mm: str, settings: Settings, days: Callable[[date], bool]
) -> str | None:
    """The newest day whose run time has passed within the grace period (a slot), if any."""
    local = now.astimezone(settings.zone)
    for back in range(2):
        day = local.date() - timedelta(days=back)
        due = _at(day, hh_mm, settings)
        if days(day) and due <= now and now - due <= GRACE:
            return day.isoformat()
    return None


def due_slots(settings: Settings, now: datetime | None = None) -> list[tuple[str, str]]:
    """(job, slot) of every run the schedule says is due at `now`."""
    now = now or utcnow()
    weekly = WEEKDAYS.index(settings.digest_weekly_day)
    slots = []
    for job, hh_mm, days in (
        ("harvest", settings.harvest_time, lambda d: True),
        ("digest-daily", settings.digest_time, lambda d: d.weekday() < 5),
        ("digest-weekly", settings.digest_time, lambda d: d.weekday() == weekly),
    ):
        slot = _latest_day(now, hh_mm, settings, days)
        if slot is not None:
            slots.append((job, slot))
    minutes = settings.worker_index_minutes
    if minutes:
        window = int(now.timestamp() // (minutes * 60)) * minutes * 60
        slots.append(("index", datetime.fromtimestamp(window, settings.zone).isoformat()))
    return slots


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True, slots=True)
class Ran:
    """A slot this worker ran: its claim, and the error recorded on it (None when it passed)."""

    claim: queue.Claim
    error: str | None


def run_one(store: Store, owner: str, lease: float, *, job_name: str | None = None) -> Ran | None:
    """Claim one slot (of `job_name`, or any) and run it to the end, renewing the lease; None
    when nothing waits."""
    claim = queue.claim(store, owner, lease, job=job_name)
    if claim is None:
        return None
    job = JOBS.get(claim.job)
    log.info("worker %s: %s %s (attempt %d)", owner, claim.job, claim.slot, claim.attempt)
    outcome: list[str | None] = []

    def target() -> None:
        try:
            if job is None:
                raise LookupError(f"unknown job {claim.job!r}")
            job(store, claim.slot)
            outcome.append(None)
        except Exception as exc:  # recorded on the slot and retried; the worker goes on
            log.exception("job %s %s failed", claim.job, claim.slot)
            outcome.append(f"{type(exc).__name__}: {exc}")

    thread = threading.Thread(target=target, name=f"job-{claim.job}", daemon=True)
    thread.start()
    while True:
        thread.join(lease / 3)
        if not thread.is_alive():
            break
        if not queue.heartbeat(store, claim, lease):
            log.warning("lost the lease on %s %s; another worker has it", claim.job, claim.slot)
    error = outcome[0] if outcome else "the job ended without a result"
    queue.finish(store, claim, error)
    return Ran(claim, error)


def run_worker(
    store: Store,
    settings: Settings,
    *,
    owner: str | None = None,
    stop: threading.Event | None = None,
    once: bool = False,
) -> int:
    """Announce due slots and run claimed ones until `stop` is set; returns how many ran."""
    owner = owner or default_owner()
    stop = stop or threading.Event()
    lease, poll = settings.worker_lease_seconds, settings.worker_poll_seconds
    ran = 0
    while not stop.is_set():
        for job, slot in due_slots(settings) if settings.worker_schedule else ():
            queue.announce(store, job, slot)
        while not stop.is_set() and run_one(store, owner, lease) is not None:
            ran += 1
        if once:
            break
        stop.wait(poll)
    return ran
