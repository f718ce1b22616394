"""Inputs a review found answered with a 500: each is a clear 4xx now (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from dailypapers.web.app import create_app
from support.web import log_in, make_user


@pytest.fixture
def raw_client(settings, seeded):  # noqa: ANN001, ANN201
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield app, client
    app.state.store.dispose()


OUT_OF_RANGE = [
    "/api/papers/search?q=x&since=2262-04-12",
    "/api/papers/search?q=x&until=9999-12-31",
    "/api/papers/search?q=since:3000-01-01",
    "/api/papers/search?q=until:9999-12-31",
    "/api/papers/search?q=since:0001-01-01",
    "/month/9999-12",
    "/month/0001-01",
    "/week/9999-W52",
    "/week/0001-W01",
    "/date/9999-12-31",
    "/date/0001-01-01",
    "/api/daily_papers?month=9999-12",
    "/api/daily_papers?month=0001-01",
    "/api/daily_papers?week=9999-W52",
    "/api/daily_papers?week=0001-W01",
    "/api/daily_papers?date=9999-12-31",
    "/api/daily_papers?date=0001-01-01",
    "/feeds/date/9999-12-31.rss",
    "/feeds/date/0001-01-01.atom",
    "/search?q=x&since=9999-12-31",
    "/search?q=since:9999-12-31",
]


@pytest.mark.parametrize("path", OUT_OF_RANGE)
def test_out_of_range_dates_are_a_clear_4xx(raw_client, path):
    _, client = raw_client
    response = client.get(path)
    assert response.status_code in (200, 400, 404), (path, response.status_code, response.text)
    if response.status_code != 200 and path.startswith(("/api/", "/feeds/")):
        assert "error" in response.json()


def test_feeds_drop_characters_xml_cannot_hold(raw_client):
    import feedparser

    from dailypapers.store.upsert import save_papers
    from support.web import FRIDAY, paper_record

    app, client = raw_client
    record = paper_record("2501.09999", FRIDAY, 1000, "Bell\x07 and \x0bvertical tab\ufffe")
    save_papers(app.state.store, [record])
    for kind in ("rss", "atom"):
        response = client.get(f"/feeds/date/{FRIDAY.isoformat()}.{kind}")
        assert response.status_code == 200, response.text
        titles = [e.title for e in feedparser.parse(response.content).entries]
        assert "Bell and vertical tab" in titles


@pytest.mark.parametrize("q", ["%01", "a%0Bb", "%7F%1Bx", "x%EF%BF%BE"])
def test_search_feed_strips_control_characters(raw_client, q):
    _, client = raw_client
    for kind in ("rss", "atom"):
        response = client.get(f"/feeds/search.{kind}?q={q}")
        assert response.status_code in (200, 400), response.text
        if response.status_code == 200:
            assert response.headers["content-type"].startswith(f"application/{kind}+xml")


@pytest.mark.parametrize("number", ["9223372036854775808", "99999999999999999999", "-1"])
def test_huge_path_ids_are_a_4xx(raw_client, number):
    app, client = raw_client
    make_user(app.state.store, "alice")
    token = log_in(client, "alice")
    for action in ("delete", "edit", "hide"):
        response = client.post(
            f"/comments/{number}/{action}",
            data={"csrf_token": token, "body": "x"},
            follow_redirects=False,
        )
        assert 400 <= response.status_code < 500, (action, response.status_code, response.text)
