"""`dailypapers digest send` killed with SIGKILL mid-run, then run again: one digest each."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter

import pytest
from sqlalchemy import select

from dailypapers.store.models import DigestDelivery, Subscription
from support.digest_data import TUE, add_confirmed, seed_papers
from support.smtp_sink import SmtpSink, sink_url, start_sink

SUBSCRIBERS = [f"reader{i:02d}@example.org" for i in range(12)]


@pytest.fixture
def sink():
    sink = SmtpSink()
    controller = start_sink(sink)
    yield sink
    sink.release.set()
    controller.stop()


def send_command(settings, sink) -> tuple[list[str], dict[str, str]]:
    env = {
        **os.environ,
        "DATABASE_URL": settings.db_url,
        "DAILYPAPERS_DATA_DIR": str(settings.data_dir),
        "DAILYPAPERS_SECRET_KEY": "test-secret-key",
        "DAILYPAPERS_BASE_URL": "https://papers.example.org",
        "SMTP_URL": sink_url(sink.controller, query="?timeout=60"),
    }
    argv = [
        sys.executable,
        "-c",
        "from dailypapers.cli import main; main()",
        "digest",
        "send",
        "--period",
        "daily",
        "--date",
        TUE.isoformat(),
    ]
    return argv, env


def statuses(store) -> Counter:
    with store.session() as session:
        return Counter(session.scalars(select(DigestDelivery.status)))


def test_a_run_killed_mid_send_and_rerun_sends_each_subscriber_exactly_one_digest(
    store, settings, sink
):
    seed_papers(store)
    add_confirmed(store, SUBSCRIBERS)
    argv, env = send_command(settings, sink)

    # From the 6th message on, the server takes each message and holds it unacknowledged. The
    # sender runs two SMTP workers; once both wait on the server, the process is killed.
    sink.hold_at = 6
    killed = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        if not sink.wait_held(2):
            killed.kill()
            pytest.fail(f"the sender never reached message 6: {killed.communicate()[0]!r}")
        killed.send_signal(signal.SIGKILL)
        assert killed.wait(timeout=30) == -signal.SIGKILL
    finally:
        sink.hold_at = None
        sink.release.set()  # the held messages are refused: their client is gone

    assert len(sink.messages) == 5
    assert statuses(store) == {"sent": 5, "sending": 2, "pending": 5}

    rerun = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    # two were handed over when the sender died, so the rerun cannot know they did not arrive:
    # they are sent again, under their recorded Message-IDs, and reported as such
    assert "sent 7" in rerun.stdout and "2 resent after an interrupted run" in rerun.stdout

    assert Counter(m["To"] for m in sink.messages) == dict.fromkeys(SUBSCRIBERS, 1)
    assert statuses(store) == {"sent": 12}
    with store.session() as session:
        recorded = dict(
            session.execute(
                select(Subscription.email, DigestDelivery.message_id).join(
                    DigestDelivery, DigestDelivery.subscription_id == Subscription.id
                )
            ).all()
        )
    assert {m["To"]: m["Message-ID"] for m in sink.messages} == recorded
