"""The shared job queue: a slot exists once, is claimed by one worker, and a lease that runs
out (its worker was killed) lets another worker claim it again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dailypapers.config import Settings
from dailypapers.jobs import queue
from dailypapers.jobs.worker import due_slots, run_one
from dailypapers.store.db import Store


def test_a_slot_is_announced_once_and_claimed_by_one_worker(store: Store) -> None:
    assert queue.announce(store, "harvest", "2026-12-01")
    assert not queue.announce(store, "harvest", "2026-12-01")  # a second worker saw it due too
    first = queue.claim(store, "a", lease=60)
    assert first is not None and (first.job, first.slot, first.attempt) == (
        "harvest",
        "2026-12-01",
        1,
    )
    assert queue.claim(store, "b", lease=60) is None  # leased: nobody else takes it
    queue.finish(store, first)
    assert queue.claim(store, "b", lease=60) is None
    assert not queue.announce(store, "harvest", "2026-12-01")  # done: never again
    [run] = queue.recent(store)
    assert (run.state, run.owner, run.attempts) == ("done", "a", 1)


def test_a_lease_that_ran_out_is_claimed_again_and_the_old_owner_cannot_finish(
    store: Store,
) -> None:
    queue.announce(store, "digest-daily", "2026-12-01")
    dead = queue.claim(store, "killed", lease=30)
    assert dead is not None
    later = datetime.now(UTC) + timedelta(seconds=31)
    second = queue.claim(store, "survivor", lease=30, now=later)
    assert second is not None and second.attempt == 2
    assert not queue.heartbeat(store, dead, 30)  # the slot moved on
    queue.finish(store, dead)  # a stale owner's outcome is ignored
    assert queue.recent(store)[0].state == "running"
    queue.finish(store, second)
    assert queue.recent(store)[0].state == "done"


def test_a_failing_job_is_retried_then_marked_failed(store: Store) -> None:
    queue.announce(store, "nope", "x")
    for attempt in range(1, queue.MAX_ATTEMPTS + 1):
        claim = queue.claim(store, "w", lease=60)
        assert claim is not None and claim.attempt == attempt
        queue.finish(store, claim, error="boom")
    assert queue.claim(store, "w", lease=60) is None
    [run] = queue.recent(store)
    assert (run.state, run.error) == ("failed", "boom")


def test_the_worker_runs_a_queued_unknown_job_to_a_recorded_failure(store: Store) -> None:
    queue.announce(store, "no-such-job", "x")
    ran = [run_one(store, "w", lease=60) for _ in range(queue.MAX_ATTEMPTS + 1)]
    assert [r.claim.attempt for r in ran if r] == [1, 2, 3] and ran[-1] is None
    assert all("unknown job" in r.error for r in ran if r)
    [run] = [r for r in queue.recent(store) if r.job == "no-such-job"]
    assert run.state == "failed" and "unknown job" in run.error


def test_due_slots_follow_the_schedule_within_the_grace_period(tmp_path) -> None:  # noqa: ANN001
    settings = Settings(
        data_dir=tmp_path, tz="UTC", harvest_time="06:00", digest_time="07:00",
        digest_weekly_day="tue", worker_index_minutes=10,
    )  # fmt: skip
    tuesday_0705 = datetime(2026, 12, 1, 7, 5, tzinfo=UTC)
    assert dict(due_slots(settings, tuesday_0705)) == {
        "harvest": "2026-12-01",
        "digest-daily": "2026-12-01",
        "digest-weekly": "2026-12-01",
        "index": "2026-12-01T07:00:00+00:00",
    }
    saturday_0005 = datetime(2026, 12, 5, 0, 5, tzinfo=UTC)
    # Friday's 07:00 digest is 17 h old (past the grace); no digest on Saturday; the harvest
    # of Friday 06:00 is past the grace too.
    assert dict(due_slots(settings, saturday_0005)) == {"index": "2026-12-05T00:00:00+00:00"}
    monday_1000 = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    assert dict(due_slots(settings, monday_1000))["digest-daily"] == "2026-12-07"
