"""What HF adds, on the site: cards, the paper page, collection pages and feeds, Markdown."""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from dailypapers.ingest.pipeline import import_files, plan_import
from dailypapers.web.app import create_app


@pytest.fixture
def hf_client(settings, store, sample_data) -> Iterator[TestClient]:
    import_files(store, plan_import([sample_data / "hf_api"]), zone=ZoneInfo("UTC"))
    app = create_app(settings)
    with TestClient(app) as client:
        yield client
    app.state.store.dispose()


def test_cards_show_thumbnail_submitter_organization_stars_and_keywords(hf_client):
    page = hf_client.get("/date/2026-08-20").text
    assert (
        'src="https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2608.18565.png"'
        in page
    )
    assert 'loading="lazy"' in page and "thumb-fallback" in page
    assert 'href="/submitters/Allenyltu"' in page and "Allen</span>" in page
    assert 'href="/organizations/Midea-AIRC"' in page and "Midea AI Research Center" in page
    assert '30<span class="visually-hidden"> GitHub stars' in page
    assert 'href="/keywords/SemaPLC"' in page


def test_paper_page_labels_the_ai_summary_and_shows_links(hf_client):
    page = hf_client.get("/papers/2608.18565").text
    assert "AI summary" in page and "thinkingmachines/Inkling-Small" in page
    assert "SemaPLC is a verification-gated agent harness" in page
    assert "https://github.com/midea-ai/SemaPLC" in page
    assert "Y6ljictlBqBG6N-AwVEnv.gif" in page  # its media
    assert 'href="/authors/Yanlun%20Tu"' in page


def test_collections_list_their_papers_with_feeds(hf_client):
    org = hf_client.get("/organizations/Midea-AIRC")
    assert org.status_code == 200 and "2608.18565" in org.text
    assert hf_client.get("/submitters/Allenyltu").text.count('class="card') >= 1
    # Author names fold case and accents.
    assert "2608.18565" in hf_client.get("/authors/yanlun tu").text
    assert "2608.18565" in hf_client.get("/keywords/semaplc").text
    feed = hf_client.get("/feeds/organizations/Midea-AIRC.json").json()
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["items"][0]["summary"].startswith("SemaPLC")
    atom = hf_client.get("/feeds/keywords/SemaPLC.atom")
    assert atom.headers["content-type"].startswith("application/atom+xml")
    assert "2608.18565" in atom.text
    assert "2608.18565" in hf_client.get("/feeds/submitters/Allenyltu.rss").text
    assert hf_client.get("/organizations/no-such-org").status_code == 404
    assert hf_client.get("/keywords/no such keyword").status_code == 404


def test_paper_as_markdown(hf_client):
    md = hf_client.get("/papers/2608.18565.md")
    assert md.headers["content-type"].startswith("text/markdown")
    assert md.text.startswith("# SemaPLC: A Project-Grounded")
    assert "## AI summary (thinkingmachines/Inkling-Small)" in md.text
    assert "- Code: <https://github.com/midea-ai/SemaPLC> (30 stars)" in md.text
    negotiated = hf_client.get("/papers/2608.18565", headers={"Accept": "text/markdown"})
    assert negotiated.text == md.text
    assert hf_client.get("/papers/2999.99999.md").status_code == 404
