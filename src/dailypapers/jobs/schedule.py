"""The embedded schedule: `dailypapers serve` harvests and sends digests itself when enabled.

The jobs call each area's public function (the harvester, `send_digests`) and, after a harvest,
let the derived indexes catch up (jobs/follow.py).

With DAILYPAPERS_SCHEDULER=true the app starts an APScheduler background scheduler with
three jobs, at times in DAILYPAPERS_TZ: the daily OAI-PMH harvest, the daily digests on
weekdays, and the weekly digests on DAILYPAPERS_DIGEST_WEEKLY_DAY. Only one process schedules
(several workers: the first to take the "scheduler" lock); the digest run lock and the
deliveries table keep a digest from going out twice even if a cron job runs too.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from dailypapers.config import Settings
from dailypapers.digest.lock import AlreadyRunning, run_lock
from dailypapers.errors import DailyPapersError
from dailypapers.jobs.follow import after_write
from dailypapers.store.db import Store

log = logging.getLogger(__name__)


def _hour_minute(text: str) -> tuple[int, int]:
    hour, minute = text.split(":")
    return int(hour), int(minute)


def harvest_job(store: Store) -> None:
    """Today's new papers from arXiv (resumes an interrupted harvest; features new papers)."""
    from dailypapers.ingest.oai_pmh import OaiHarvester

    harvester = OaiHarvester(store)
    try:
        summary = harvester.harvest(set_spec=store.settings.harvest_set or None, feature=True)
        log.info("scheduled harvest: %s", summary)
    except DailyPapersError as exc:
        log.error("scheduled harvest failed: %s", exc)
    finally:
        harvester.close()
        after_write(store)


def digest_job(store: Store, period: str, today: date | None = None) -> None:
    from dailypapers.digest.periods import NotADigestDay
    from dailypapers.digest.send import send_digests

    try:
        report = send_digests(store, period=period, today=today)
        log.info("scheduled %s digests: %d sent, %d failed", period, report.sent, report.failed)
    except NotADigestDay:
        pass
    except DailyPapersError as exc:  # unreachable SMTP server, another run in progress, …
        log.error("scheduled %s digests stopped: %s", period, exc)


@dataclass
class Schedule:
    """A started schedule; `stop()` ends it and gives the leadership lock back."""

    scheduler: BackgroundScheduler
    _locks: ExitStack = field(default_factory=ExitStack)

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self._locks.close()


def build_scheduler(store: Store, settings: Settings) -> BackgroundScheduler:
    """The scheduler with its three jobs (not started)."""
    zone = settings.zone
    scheduler = BackgroundScheduler(timezone=zone, job_defaults={"coalesce": True})
    digest_hour, digest_minute = _hour_minute(settings.digest_time)
    harvest_hour, harvest_minute = _hour_minute(settings.harvest_time)
    # A job that missed its time (the server was down) still runs within the grace period;
    # the digests' exactly-once bookkeeping makes a late run safe.
    grace = 6 * 3600
    scheduler.add_job(
        harvest_job,
        CronTrigger(hour=harvest_hour, minute=harvest_minute, timezone=zone),
        args=[store],
        id="harvest",
        misfire_grace_time=grace,
    )
    scheduler.add_job(
        digest_job,
        CronTrigger(day_of_week="mon-fri", hour=digest_hour, minute=digest_minute, timezone=zone),
        args=[store, "daily"],
        id="digest-daily",
        misfire_grace_time=grace,
    )
    scheduler.add_job(
        digest_job,
        CronTrigger(
            day_of_week=settings.digest_weekly_day,
            hour=digest_hour,
            minute=digest_minute,
            timezone=zone,
        ),
        args=[store, "weekly"],
        id="digest-weekly",
        misfire_grace_time=grace,
    )
    return scheduler


def start_scheduler(store: Store, settings: Settings) -> Schedule | None:
    """Start the schedule in this process, unless another process already runs it."""
    schedule = Schedule(build_scheduler(store, settings))
    try:
        schedule._locks.enter_context(run_lock(store, "scheduler", wait=False))
    except AlreadyRunning:
        log.info("another process runs the schedule")
        return None
    schedule.scheduler.start()
    log.info("scheduler started: %s", ", ".join(job.id for job in schedule.scheduler.get_jobs()))
    return schedule
