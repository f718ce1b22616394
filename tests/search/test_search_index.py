"""The lexical index stays current with the database: inserts, changes, withdrawals, crashes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dailypapers.search.follow import catch_up
from dailypapers.search.lexical.base import WriterBusy
from dailypapers.search.lexical.registry import lexical_index
from dailypapers.search.lexical.tantivy import index as tantivy_module
from dailypapers.search.lexical.tantivy import searching
from dailypapers.search.query import parse_query
from dailypapers.search.service import search_papers
from dailypapers.store.changes import next_change_seq
from dailypapers.store.models import Paper, SyncState
from dailypapers.store.upsert import save_papers
from support.search import CRAFTED, crafted, real_records

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def papers(store):
    store.settings.embed_inline_max = 0  # lexical tests: no time spent embedding
    save_papers(store, real_records(120))
    save_papers(store, CRAFTED)
    catch_up(store)  # what the writing command runs after it commits
    return store


def ids(store, query, **kwargs):
    return [hit.arxiv_id for hit in search_papers(store, query, mode="lexical", **kwargs).hits]


def test_new_paper_is_found_right_after_save(papers):
    save_papers(papers, [crafted("2406.90010", "Plimsoll Lattices", "Nothing else.")])
    assert ids(papers, "plimsoll") == ["2406.90010"]


def test_changed_paper_is_found_by_its_new_words_only(papers):
    save_papers(papers, [crafted("2406.90010", "Plimsoll Lattices", "Nothing else.")])
    save_papers(papers, [crafted("2406.90010", "Grumbleweed Lattices", "Nothing else.", version=2)])
    assert ids(papers, "grumbleweed") == ["2406.90010"]
    assert ids(papers, "plimsoll") == []
    assert ids(papers, "lattices") == ["2406.90010"]  # one document, not two


def test_withdrawn_paper_stays_searchable_and_is_marked(papers):
    save_papers(
        papers,
        [
            crafted(
                "2406.90001",
                "Zorbulating Transformers for Quaffle Prediction",
                "Withdrawn.",
                withdrawn=True,
                version=2,
            )
        ],
    )
    page = search_papers(papers, "zorbulating", mode="lexical")
    hit = next(h for h in page.hits if h.arxiv_id == "2406.90001")
    assert hit.withdrawn is True


def test_hidden_paper_is_not_found(papers):
    with papers.session() as session:
        paper = session.query(Paper).filter_by(arxiv_id="2406.90001").one()
        paper.hidden = True
        paper.change_seq = next_change_seq(session)  # as moderation numbers its change
    catch_up(papers)
    assert "2406.90001" not in ids(papers, "zorbulating")
    assert "2406.90001" not in ids(papers, "2406.90001")


def test_paper_hidden_without_telling_the_index_is_still_not_shown(papers):
    with papers.session() as session:
        session.query(Paper).filter_by(arxiv_id="2406.90001").one().hidden = True
    assert "2406.90001" not in ids(papers, "zorbulating")


@pytest.mark.parametrize("hidden_count", [3, searching.HIDDEN_SLACK + 5])
def test_any_word_ranking_leaves_hidden_papers_out_however_many_rank_first(papers, hidden_count):
    # The hybrid's keyword half ranks any word without the exclusion and drops hidden hits; past
    # HIDDEN_SLACK of them above the page it asks again with the exclusion.
    visible = [
        crafted(f"2406.9{n:04d}", f"Quibbleworth Fenstrel {n}", "Seen.") for n in range(200, 206)
    ]
    hidden = [
        crafted(f"2406.9{n:04d}", "Quibbleworth Fenstrel Quibbleworth Fenstrel", "Quibbleworth.")
        for n in range(300, 300 + hidden_count)
    ]
    save_papers(papers, visible + hidden)
    with papers.session() as session:
        for record in hidden:
            paper = session.query(Paper).filter_by(arxiv_id=record.arxiv_id).one()
            paper.hidden = True
            paper.change_seq = next_change_seq(session)
    catch_up(papers)
    index = lexical_index(papers)
    query = parse_query("quibbleworth fenstrel")
    everything = index.search(query, limit=50, rank="any")
    first = index.search(query, limit=4, rank="any")
    found = {paper.id: paper.arxiv_id for paper in _papers(papers, everything.ids)}
    assert sorted(found.values()) == sorted(r.arxiv_id for r in visible)
    assert first.ids == everything.ids[:4]


def _papers(store, paper_ids):
    with store.session() as session:
        return session.query(Paper).filter(Paper.id.in_(paper_ids)).all()


def _restart(store):
    """What a new process sees: forget this process's index object (after it exits cleanly)."""
    for index in tantivy_module._instances.values():
        index.close()
    tantivy_module._instances.clear()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_papers_saved_while_the_listener_was_down_are_caught_up(papers, monkeypatch):
    before = lexical_index(papers).applied_seq()
    _restart(papers)
    # A crash between the database commit and the index update: no catch-up runs.
    save_papers(papers, [crafted("2406.90011", "Snorkelwick Graphs", "Missed by the listener.")])
    _restart(papers)
    assert ids(papers, "snorkelwick") == ["2406.90011"]  # the first search catches up
    assert lexical_index(papers).applied_seq() > before


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_rebuild_from_scratch(papers):
    index = lexical_index(papers)
    assert index.rebuild(papers) == 120 + len(CRAFTED)
    assert ids(papers, "zorbulating")[:1] == ["2406.90001"]
    assert json.loads(index.state_path.read_text())["schema"] == tantivy_module.SCHEMA_VERSION


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_index_of_another_database_is_rebuilt_not_trusted(papers):
    with papers.session() as session:
        session.get(SyncState, tantivy_module.STATE_KEY).value = {"token": "another-database"}
    _restart(papers)
    assert ids(papers, "zorbulating")[:1] == ["2406.90001"]
    assert lexical_index(papers).state()["token"] == "another-database"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_writer_in_another_process_is_seen_by_this_reader(papers, settings):
    assert ids(papers, "quaffle")  # this process has its reader open
    lexical_index(papers).flush(release=True)  # and no writer
    script = (
        "from dailypapers.config import Settings\n"
        "from dailypapers.store.db import open_store\n"
        "from dailypapers.store.upsert import save_papers\n"
        "from support.search import crafted\n"
        f"store = open_store(Settings(data_dir={str(settings.data_dir)!r},"
        f" database_url={settings.db_url!r}))\n"
        "save_papers(store, [crafted('2406.90012', 'Quaffle Wobblecraft', 'From elsewhere.')])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "tests")}
    subprocess.run([sys.executable, "-c", script], check=True, cwd=REPO, env=env, timeout=120)
    assert "2406.90012" in ids(papers, "wobblecraft quaffle")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_papers_a_busy_writer_left_are_indexed_by_the_next(papers, monkeypatch):
    index = lexical_index(papers)
    index.flush(release=True)

    def busy(*args, **kwargs):
        raise WriterBusy("LockBusy")  # another process holds the writer lock

    monkeypatch.setattr(index, "_acquire_writer", busy)
    save_papers(papers, [crafted("2406.90013", "Fizzlebank Codes", "Anything.")])
    catch_up(papers)  # could not write: nothing is left behind but the change number
    monkeypatch.undo()
    assert ids(papers, "fizzlebank") == ["2406.90013"]
