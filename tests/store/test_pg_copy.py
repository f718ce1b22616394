"""The COPY write path on PostgreSQL: two writers of the same new paper do not collide.

The writers' lock is taken before the stored rows are read, so the second batch waits for the
first to commit, then finds the paper and merges into it (no unique-key error, no lost data).
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select, text

from dailypapers.store.db import Store
from dailypapers.store.models import Paper, PaperVersion
from dailypapers.store.records import PaperRecord, UpsertResult, VersionRecord
from dailypapers.store.upsert import save_papers, upsert_papers

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])


def _record(version: int, title: str) -> PaperRecord:
    return PaperRecord(
        arxiv_id="2412.00001",
        title=title,
        abstract="Concurrent writers.",
        authors=["Ada Lovelace"],
        categories=["cs.DB"],
        version=version,
        versions=[VersionRecord(v) for v in range(1, version + 1)],
        upvotes=version,
        source="test",
    )


def _waiting_on_a_lock(store: Store) -> bool:
    with store.session() as session:
        return bool(
            session.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            )
        )


def test_a_second_writer_of_the_same_new_paper_waits_then_merges(store: Store) -> None:
    second: list[UpsertResult | BaseException] = []

    def write_second() -> None:
        try:
            second.append(save_papers(store, [_record(2, "Newer title")]))
        except BaseException as exc:  # reported below, not lost in the thread
            second.append(exc)

    with store.session() as session:
        first = upsert_papers(session, [_record(1, "First title")])
        thread = threading.Thread(target=write_second)
        thread.start()
        deadline = time.monotonic() + 20
        while not _waiting_on_a_lock(store):
            assert time.monotonic() < deadline, "the second writer never waited"
            time.sleep(0.02)
    thread.join(20)
    assert first.new == 1
    [result] = second
    assert isinstance(result, UpsertResult), result
    assert (result.new, result.changed) == (0, 1)
    assert result.change_seq > first.change_seq
    with store.session() as session:
        paper = session.scalar(select(Paper))
        assert (paper.title, paper.version, paper.imported_upvotes) == ("Newer title", 2, 2)
        assert paper.change_seq == result.change_seq
        assert session.scalar(select(func.count()).select_from(PaperVersion)) == 2
