"""Several `dailypapers index --shared` processes share one embedding backlog (PostgreSQL).

Real processes against one pgserver database: two run side by side and every paper is embedded
exactly once between them; one is SIGKILLed inside a range, and the other claims that range
when its lease runs out. The applied number moves only when every range is done.
"""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from sqlalchemy import select

from dailypapers.jobs import queue
from dailypapers.search.vectors.indexing import applied_seq
from dailypapers.search.vectors.registry import open_vector_index
from dailypapers.search.vectors.shared import JOB, Range, plan_backlog
from dailypapers.store.changes import latest_change_seq
from dailypapers.store.models import JobRun, Paper
from dailypapers.store.upsert import save_papers
from support.cli import subprocess_env
from support.search import real_records

ON_POSTGRES = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
PAPERS = 300
RANGE = 10  # papers per range: 30 ranges
LEASE = 3  # seconds: a killed process's range comes back this soon


def _env(settings, **extra):
    return subprocess_env(
        settings,
        DAILYPAPERS_EMBEDDER="static",
        DAILYPAPERS_WORKER_LEASE_SECONDS=str(LEASE),
        DAILYPAPERS_WORKER_POLL_SECONDS="0.2",
        **extra,
    )


def _shared(settings, **extra) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dailypapers", "index", "--shared", "--chunk", str(RANGE)],
        env=_env(settings, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def backlog(store):
    save_papers(store, real_records(PAPERS))
    # The index exists with its model and nothing in it: the whole corpus is the backlog.
    open_vector_index(store).reset("static", 256)
    return store


def _embedded_ids(store) -> list[int]:
    from dailypapers.search.vectors.pgvector import EMBEDDINGS

    with store.engine.connect() as conn:
        return sorted(conn.execute(select(EMBEDDINGS.c.paper_id)).scalars())


def _all_ids(store) -> list[int]:
    with store.session() as session:
        return sorted(session.scalars(select(Paper.id)))


@ON_POSTGRES
def test_two_processes_share_the_backlog_without_overlap(backlog, settings):
    runs = [_shared(settings) for _ in range(2)]
    outputs = [run.communicate(timeout=240) for run in runs]
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, err[-2000:]
        assert "ranges embedded here" in out
    with backlog.session() as session:
        ranges = session.execute(
            select(JobRun.slot, JobRun.owner, JobRun.attempts, JobRun.state).where(
                JobRun.job == JOB
            )
        ).all()
        latest = latest_change_seq(session)
    assert len(ranges) == PAPERS // RANGE
    assert {r.state for r in ranges} == {queue.DONE}
    assert {r.attempts for r in ranges} == {1}  # no range was claimed twice
    embedded_here = sum(int(out.split()[0]) for out, _ in outputs)
    assert embedded_here == len(ranges)  # each range ran in exactly one of the two
    spans = sorted(Range.parse(r.slot) for r in ranges)
    assert all(a.hi == b.lo for a, b in zip(spans, spans[1:], strict=False))  # disjoint, no gap
    assert _embedded_ids(backlog) == _all_ids(backlog)
    assert applied_seq(open_vector_index(backlog)) == latest


@ON_POSTGRES
def test_a_killed_process_range_is_finished_by_the_other(backlog, settings):
    index = open_vector_index(backlog)
    before = applied_seq(index)
    # The first process dies inside its third range, after two steps of vectors were stored.
    killed = _shared(settings, DAILYPAPERS_FAULT="vectors-chunk:3")
    killed.communicate(timeout=240)
    assert killed.returncode == -signal.SIGKILL
    with backlog.session() as session:
        states = session.scalars(select(JobRun.state).where(JobRun.job == JOB)).all()
        assert states.count(queue.RUNNING) == 1  # its claim, leased to a dead process
        assert states.count(queue.DONE) == 2
    assert applied_seq(index) == before  # not every range is done: the number stays
    survivor = _shared(settings)
    out, err = survivor.communicate(timeout=240)
    assert survivor.returncode == 0, err[-2000:]
    assert _embedded_ids(backlog) == _all_ids(backlog)
    with backlog.session() as session:
        assert applied_seq(index) == latest_change_seq(session)


@ON_POSTGRES
def test_a_plan_is_made_once_and_a_late_change_waits_for_the_next(backlog, store):
    assert plan_backlog(store, size=RANGE) == PAPERS // RANGE
    assert plan_backlog(store, size=RANGE) == 0  # open: the second caller helps instead


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sharing_on_sqlite_is_a_clear_error(settings):
    from support.cli import run_cli

    result = run_cli(settings, "index", "--shared")
    assert result.exit_code == 1
    assert "needs PostgreSQL" in result.stderr


@ON_POSTGRES
def test_a_range_that_fails_once_is_retried_and_counted_once(backlog, monkeypatch):
    from dailypapers.jobs import worker
    from dailypapers.jobs.embed_backlog import index_shared

    real, failures = worker.JOBS[JOB], []

    def flaky(store, slot):  # noqa: ANN001, ANN202
        if not failures:
            failures.append(slot)
            raise RuntimeError("disk full")
        return real(store, slot)

    monkeypatch.setitem(worker.JOBS, JOB, flaky)
    report = index_shared(backlog, owner="here", lease=60, poll=0.1, size=RANGE)
    assert (report.ranges, report.planned, report.failed) == (PAPERS // RANGE,) * 2 + (0,)
    with backlog.session() as session:
        retried = session.scalar(select(JobRun).where(JobRun.slot == failures[0]))
        assert (retried.state, retried.attempts) == (queue.DONE, 2)
    assert _embedded_ids(backlog) == _all_ids(backlog)
