"""The search page, API, feeds, similar papers and `dailypapers search`, over HTTP and the CLI."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import feedparser
import pytest
from fastapi.testclient import TestClient

from dailypapers.search.vectors.indexing import index_papers
from dailypapers.store.upsert import save_papers
from dailypapers.web.app import create_app
from support.cli import run_cli
from support.search import CRAFTED, crafted, real_records

TRICKY = crafted(
    "2406.90020",
    "Quaffle <script>alert(1)</script> & Friends",
    'An abstract with <b>markup</b> & "quotes" about quaffle pitches.',
    authors=["Zed O'Hara"],
)


@pytest.fixture
def client(settings, store) -> Iterator[TestClient]:
    store.settings.embed_inline_max = 0
    save_papers(store, real_records(120))
    save_papers(store, [*CRAFTED, TRICKY])
    index_papers(store, model="static")
    app = create_app(settings)
    with TestClient(app) as client:
        yield client
    app.state.store.dispose()


def test_search_page_highlights_matches_and_escapes_text(client):
    page = client.get("/search", params={"q": "quaffle pitches"})
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert(1)" not in page.text
    assert "&lt;b&gt;markup&lt;/b&gt;" in page.text
    marks = re.findall(r"<mark>([^<]*)</mark>", page.text)
    assert "Quaffle" in marks and "pitches" in marks


def test_search_page_escapes_the_query_itself(client):
    page = client.get("/search", params={"q": '"><img src=x onerror=alert(1)> quaffle'})
    assert "<img src=x" not in page.text


def test_search_page_filters_sort_and_pages(client):
    page = client.get("/search", params={"q": "quaffle", "has_code": "1", "mode": "lexical"})
    assert "2406.90001" in page.text and "2406.90003" not in page.text
    page = client.get("/search", params={"q": "model", "mode": "lexical", "sort": "date"})
    assert 'rel="next"' in page.text and "p=1" in page.text
    second = client.get("/search", params={"q": "model", "mode": "lexical", "sort": "date", "p": 1})
    assert second.status_code == 200 and "Page 2" in second.text


def test_search_page_explains_a_bad_query(client):
    page = client.get("/search", params={"q": '"unclosed'})
    assert page.status_code == 400
    assert "quote is not closed" in page.text


def test_empty_search_page_shows_the_form(client):
    page = client.get("/search")
    assert page.status_code == 200 and 'name="q"' in page.text


def test_api_search_returns_hf_shaped_items_with_why(client):
    answer = client.get("/api/papers/search", params={"q": "zorbulating", "limit": 3})
    assert answer.status_code == 200
    items = answer.json()
    first = items[0]
    assert first["paper"]["id"] == "2406.90001"
    assert first["paper"]["authors"][0] == {"name": "Marta Vellacourt", "hidden": False}
    assert first["title"] == first["paper"]["title"]
    assert "zorbulating" in first["search"]["why"]
    assert len(items) <= 3


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({}, 422),
        ({"q": ""}, 422),
        ({"q": "x" * 251}, 422),
        ({"q": "quaffle", "limit": 0}, 422),
        ({"q": "quaffle", "limit": 121}, 422),
        ({"q": "quaffle", "limit": "many"}, 422),
        ({"q": "quaffle", "offset": -1}, 422),
        ({"q": "quaffle", "sort": "random"}, 422),
        ({"q": "quaffle", "since": "2024-02-30"}, 422),
        ({"q": "since:2024-02-30"}, 400),
        ({"q": '"open'}, 400),
    ],
)
def test_api_search_bad_input_is_a_json_4xx(client, params, status):
    answer = client.get("/api/papers/search", params=params)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["error"]


def test_api_search_puts_a_named_paper_first(client):
    answer = client.get("/api/papers/search", params={"q": "2406.90003 zorbulating"})
    assert answer.status_code == 200
    items = answer.json()
    assert items[0]["paper"]["id"] == "2406.90003"
    assert "arXiv id" in items[0]["search"]["why"]
    assert items[0]["search"]["score"] > items[1]["search"]["score"]


def test_api_search_accepts_the_largest_limit(client):
    assert client.get("/api/papers/search", params={"q": "model", "limit": 120}).status_code == 200


def test_search_feeds_parse(client):
    for kind in ("atom", "rss"):
        answer = client.get(f"/feeds/search.{kind}", params={"q": "quaffle"})
        assert answer.status_code == 200
        feed = feedparser.parse(answer.content)
        assert not feed.bozo, feed.bozo_exception
        assert "quaffle" in feed.feed.title
        assert {e.link.rsplit("/", 1)[-1] for e in feed.entries} >= {"2406.90001", "2406.90003"}
        assert all(e.title and e.link for e in feed.entries)
    assert client.get("/feeds/search.atom").status_code == 422


def test_similar_papers_api_and_paper_page(client):
    answer = client.get("/api/papers/2406.90003/similar", params={"limit": 3})
    assert answer.status_code == 200
    items = answer.json()
    assert len(items) == 3
    assert "2406.90003" not in {i["paper"]["id"] for i in items}
    assert all(-1 <= i["similarity"] <= 1 for i in items)
    page = client.get("/papers/2406.90003")
    assert "Similar papers" in page.text


def test_similar_papers_of_unknown_paper_is_404_json(client):
    answer = client.get("/api/papers/2101.99999/similar")
    assert answer.status_code == 404
    assert answer.json()["error"]
    assert client.get("/api/papers/2406.90003/similar", params={"limit": 0}).status_code == 422


def test_cli_search_json(settings, client):
    ran = run_cli(settings, "search", "zorbulating", "--json", "--limit", "2", "--mode", "lexical")
    assert ran.exit_code == 0, ran.stderr
    rows = json.loads(ran.stdout)
    assert rows[0]["id"] == "2406.90001"
    assert rows[0]["title"].startswith("Zorbulating")
    assert isinstance(rows[0]["score"], float)
    assert len(rows) == 2


def test_cli_search_bad_query_is_one_line_and_nonzero(settings, client):
    ran = run_cli(settings, "search", "since:yesterday")
    assert ran.exit_code == 1
    assert "since: wants a date" in ran.stderr
    assert "Traceback" not in ran.stderr


def test_cli_search_index_rebuild(settings, client):
    ran = run_cli(settings, "search-index", "--rebuild")
    assert ran.exit_code == 0, ran.stderr
    ran = run_cli(settings, "search", "quaffle", "--mode", "lexical")
    assert "2406.90001" in ran.stdout
