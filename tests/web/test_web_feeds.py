"""RSS 2.0 and Atom feeds, checked by parsing them with feedparser."""

from __future__ import annotations

import feedparser
import pytest


@pytest.mark.parametrize("kind, version", [("rss", "rss20"), ("atom", "atom10")])
@pytest.mark.parametrize("path", ["/feeds/daily", "/feeds/date/2025-01-06", "/feeds/trending"])
def test_feeds_parse_with_required_elements(client, path, kind, version):
    response = client.get(f"{path}.{kind}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(f"application/{kind}+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == version
    assert feed.feed.title.startswith("Daily Papers")
    assert feed.feed.link
    assert feed.entries
    for entry in feed.entries:
        assert entry.title and entry.link.startswith("http://testserver/papers/")
        assert entry.id and entry.summary
        assert entry.get("published_parsed") or entry.get("updated_parsed")
    if kind == "atom":
        assert feed.feed.updated and feed.feed.id


def test_day_feed_lists_that_day_in_order(client):
    feed = feedparser.parse(client.get("/feeds/date/2025-01-06.rss").content)
    assert [e.link.rsplit("/", 1)[1] for e in feed.entries] == ["2501.00003", "2501.00004"]
    assert feed.entries[0].authors[0]["name"]


def test_bad_feed_requests_are_4xx(client):
    assert client.get("/feeds/date/2025-02-30.rss").status_code == 400
    assert client.get("/feeds/daily.json").status_code == 422
    assert client.get("/feeds/trending.").status_code in (404, 422)


@pytest.mark.parametrize("kind", ["rss", "atom"])
@pytest.mark.parametrize(
    "path, page",
    [
        ("/feeds/daily", "/"),
        ("/feeds/date/2025-01-06", "/date/2025-01-06"),
        ("/feeds/trending", "/trending"),
    ],
)
def test_a_feed_links_to_its_site_page_not_to_itself(client, path, page, kind):
    feed = feedparser.parse(client.get(f"{path}.{kind}").content)
    assert feed.feed.link == f"http://testserver{page}"
    assert client.get(page).status_code == 200
    if kind == "atom":
        rels = {link["rel"]: link["href"] for link in feed.feed.links}
        assert rels["self"] == f"http://testserver{path}.{kind}"
