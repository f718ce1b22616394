"""`dailypapers digest send` killed with SIGKILL mid-run, then run again: one digest each.

The sender records "sent" once the whole message is with the server and before its end of data
(digest/send.py): a message the server may keep is never sent again, and one it was never given
the end of is sent by the rerun. These tests kill real processes and count what the server kept.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from collections import Counter

import pytest
from sqlalchemy import func, select

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

    # From the 6th message on, the server takes each message (its end of data included) and
    # holds its 250. The sender runs two SMTP workers; once both wait on the server, the
    # process is killed. A real server keeps a message whose end it received: so does the sink.
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
        sink.release.set()
    assert len(sink.messages) == 7

    # the two held ones were marked "sent" before their end of data went out
    assert statuses(store) == {"sent": 7, "pending": 5}

    rerun = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert "sent 5" in rerun.stdout and "resent" not in rerun.stdout

    assert Counter(m["To"] for m in sink.messages) == dict.fromkeys(SUBSCRIBERS, 1)
    assert statuses(store) == {"sent": 12}
    assert {m["To"]: m["Message-ID"] for m in sink.messages} == recorded_ids(store)


def recorded_ids(store) -> dict[str, str]:
    with store.session() as session:
        return dict(
            session.execute(
                select(Subscription.email, DigestDelivery.message_id).join(
                    DigestDelivery, DigestDelivery.subscription_id == Subscription.id
                )
            ).all()
        )


POINTS = ("digest-intent", "digest-sending", "digest-data", "digest-sent")
KILLS = 20
SEED = 20261202
ROUND = 2  # subscribers added when all have had their digest, or for an intent kill


def _work(store) -> tuple[int, int]:
    """(digests not yet sent, subscribers without a recorded digest)."""
    with store.session() as session:
        subscribers = session.scalar(select(func.count(Subscription.id)))
        done = Counter(session.scalars(select(DigestDelivery.status)))
    return subscribers - done["sent"], subscribers - sum(done.values())


def test_digest_send_killed_at_20_random_points_sends_each_subscriber_exactly_one_digest(
    store, settings, sink
):
    seed_papers(store)
    argv, env = send_command(settings, sink)
    # One worker: the kill lands exactly at the point. With two, it would also land wherever
    # the other worker is, now and then in the instant between its "sent" commit and its end
    # of data: the one place a digest can be lost (at most once, send.py).
    argv += ["--workers", "1"]
    rng = random.Random(SEED)
    subscribers: list[str] = []
    points: Counter = Counter()
    while sum(points.values()) < KILLS:
        point = rng.choice(POINTS)
        unsent, unplanned = _work(store)
        if not unsent or (point == "digest-intent" and not unplanned):
            # More readers confirm: digests to plan (and, with the rest, to send).
            new = [f"reader{len(subscribers) + i:02d}@example.org" for i in range(ROUND)]
            add_confirmed(store, new)
            subscribers += new
            unsent, unplanned = unsent + ROUND, ROUND
        # A pass this run makes for sure: each open digest passes each send point once.
        passes = 1 if point == "digest-intent" else rng.randint(1, unsent)
        killed = subprocess.run(
            argv,
            env={**env, "DAILYPAPERS_FAULT": f"{point}:{passes}"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
        points[point] += 1
    final = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert final.returncode == 0, final.stderr

    assert set(points) == set(POINTS)  # the seed reaches every kill point
    assert Counter(m["To"] for m in sink.messages) == dict.fromkeys(subscribers, 1)
    assert statuses(store) == {"sent": len(subscribers)}
    assert {m["To"]: m["Message-ID"] for m in sink.messages} == recorded_ids(store)
