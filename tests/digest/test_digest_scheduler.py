"""The embedded schedule: jobs at the configured local times, one scheduling process."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from dailypapers.config import Settings
from dailypapers.jobs.schedule import build_scheduler, digest_job, start_scheduler
from dailypapers.server import create_app
from support.digest_data import TUE, add_confirmed, seed_papers
from support.smtp_sink import SmtpSink, sink_url, start_sink

PARIS = ZoneInfo("Europe/Paris")


def test_jobs_fire_at_the_configured_local_times(tmp_path):
    settings = Settings(
        data_dir=tmp_path,
        tz="Europe/Paris",
        digest_time="08:30",
        harvest_time="05:15",
        digest_weekly_day="fri",
    )
    scheduler = build_scheduler(store=None, settings=settings)  # type: ignore[arg-type]
    saturday = datetime(2026, 8, 22, 12, 0, tzinfo=PARIS)
    fires = {job.id: job.trigger.get_next_fire_time(None, saturday) for job in scheduler.get_jobs()}
    assert fires == {
        "harvest": datetime(2026, 8, 23, 5, 15, tzinfo=PARIS),
        "digest-daily": datetime(2026, 8, 24, 8, 30, tzinfo=PARIS),  # Monday: no weekend mail
        "digest-weekly": datetime(2026, 8, 28, 8, 30, tzinfo=PARIS),
    }


def test_the_app_runs_the_schedule_only_when_enabled_and_only_once(settings):
    with TestClient(create_app(settings)) as client:
        assert client.app.state.schedule is None
    settings.scheduler_enabled = True
    app = create_app(settings)
    with TestClient(app):
        schedule = app.state.schedule
        assert schedule is not None and schedule.scheduler.running
        assert {job.id for job in schedule.scheduler.get_jobs()} == {
            "harvest",
            "digest-daily",
            "digest-weekly",
        }
        # a second worker of the same site does not schedule the jobs again
        assert start_scheduler(app.state.store, settings) is None
    assert not schedule.scheduler.running
    again = start_scheduler(app.state.store, settings)  # the lock was given back
    assert again is not None
    again.stop()
    app.state.store.dispose()


@pytest.fixture
def sink():
    sink = SmtpSink()
    controller = start_sink(sink)
    yield sink
    controller.stop()


def test_the_digest_job_sends_and_reports_failures_without_raising(store, settings, sink):
    seed_papers(store)
    add_confirmed(store, ["a@example.org"])
    settings.smtp_url = "mail://nowhere"  # a bad SMTP_URL: logged, not raised
    digest_job(store, "daily", today=TUE)
    assert sink.messages == []
    settings.smtp_url = sink_url(sink.controller)
    digest_job(store, "daily", today=TUE)
    digest_job(store, "daily", today=TUE)
    assert [m["To"] for m in sink.messages] == ["a@example.org"]
