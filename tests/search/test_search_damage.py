"""A damaged keyword index (SQLite mode) is a derived index: search answers without it, logs a
warning and rebuilds it in the background; `search-index` rebuilds it with a message."""

from __future__ import annotations

import logging
import os

import pytest
from fastapi.testclient import TestClient

from dailypapers.search import health
from dailypapers.search.follow import catch_up
from dailypapers.search.lexical.registry import lexical_index
from dailypapers.search.lexical.tantivy import index as tantivy_module
from dailypapers.search.service import search_papers
from dailypapers.store.upsert import save_papers
from dailypapers.web.app import create_app
from support.cli import run_cli
from support.search import crafted, real_records

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

PAPER = crafted("2406.90021", "Quokka Lattice Gauges", "Measuring quokka lattices with gauges.")


def _damage(store, how: str) -> None:
    index = lexical_index(store)
    index.flush(release=True)
    if how == "meta":
        (index.path / "meta.json").write_text("{ this is not json")
    else:  # cut the biggest segment file in half
        biggest = max(
            (p for p in index.path.iterdir() if p.is_file() and p.suffix not in (".json", ".lock")),
            key=lambda p: p.stat().st_size,
        )
        # A new file renamed over the old one, not a cut in place: this process may still map
        # the old file (a reader of a truncated mapping dies of SIGBUS), a new process sees the cut.
        cut = biggest.with_name(biggest.name + ".cut")
        cut.write_bytes(biggest.read_bytes()[: biggest.stat().st_size // 2])
        os.replace(cut, biggest)
    # What a new process sees: no index object that still holds the old files open.
    tantivy_module._instances.clear()


@pytest.fixture
def damaged(store, request):
    save_papers(store, real_records(30))
    save_papers(store, [PAPER])
    catch_up(store)  # keyword index and (a few papers) vectors
    assert "2406.90021" in [h.arxiv_id for h in search_papers(store, "quokka", mode="lexical").hits]
    _damage(store, request.param)
    return store


def _wait_for_rebuild() -> None:
    for thread in list(health._rebuilding.values()):
        thread.join(timeout=120)


@pytest.mark.parametrize("damaged", ["meta", "segment"], indirect=True)
def test_search_answers_semantically_logs_and_rebuilds(damaged, settings, caplog):
    app = create_app(settings)
    with caplog.at_level(logging.WARNING), TestClient(app) as client:
        reply = client.get("/api/papers/search", params={"q": "quokka lattice gauges"})
        assert reply.status_code == 200
        found = [item["paper"]["id"] for item in reply.json()]
        assert "2406.90021" in found  # from the semantic half
    app.state.store.dispose()
    assert "keyword index damaged" in caplog.text
    _wait_for_rebuild()
    hits = search_papers(damaged, "quokka", mode="lexical").hits
    assert [h.arxiv_id for h in hits] == ["2406.90021"]


@pytest.mark.parametrize("damaged", ["meta", "segment"], indirect=True)
def test_search_index_rebuilds_a_damaged_index_with_a_message(damaged, settings):
    ran = run_cli(settings, "search-index")
    assert ran.exit_code == 0, ran.stderr
    assert "damaged" in ran.stdout and "rebuilt" in ran.stdout
    tantivy_module._instances.clear()
    hits = search_papers(damaged, "quokka", mode="lexical").hits
    assert [h.arxiv_id for h in hits] == ["2406.90021"]
