"""Pages speak to readers: no formulas or raw scores, right plurals, icons that always draw."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_trending_says_how_it_ranks_in_words_and_shows_no_raw_scores(client):
    page = client.get("/trending").text
    assert "Ranked by upvotes, weighted toward recent days" in page
    assert "score =" not in page and "<sup>" not in page
    assert not re.search(r"score \d+\.\d\d", page)
    # The formula lives in the docs, for those who want it.
    assert "score = upvotes / (age_days + 1)" in (DOCS / "site.md").read_text()


def test_for_you_explains_itself_without_jargon(client, alice):
    client.post(
        "/papers/2501.00002/upvote",
        data={"upvoted": "1"},
        headers={"X-CSRF-Token": alice, "Accept": "application/json"},
    )
    page = client.get("/for-you").text
    assert "picked from papers like the ones you upvoted" in page
    assert "SVM" not in page and "arxiv-sanity" not in page


def test_counts_are_singular_when_one(client, alice):
    client.post(
        "/papers/2501.00004/upvote",
        data={"upvoted": "1"},
        headers={"X-CSRF-Token": alice, "Accept": "application/json"},
    )
    client.post("/papers/2501.00004/comments", data={"body": "Nice.", "csrf_token": alice})
    profile = client.get("/users/alice").text
    assert "· 1 upvote ·" in profile and "0 submissions" in profile
    assert "1 upvotes" not in profile
    day = client.get("/date/2025-01-06").text
    card = day[day.index('id="paper-2501.00004"') :]
    card = card[: card.index("</article>")]
    assert '1<span class="visually-hidden"> comment</span>' in card
    assert '1</span><span class="visually-hidden"> upvote</span>' not in card  # 4 imported + 1


def test_the_alert_button_draws_an_svg_icon_not_an_emoji(client, alice):
    page = client.get("/search?q=diffusion").text
    form = page[page.index('class="save-alert"') :]
    button = form[form.index("<button") : form.index("</button>")]
    assert "<svg" in button and "Save as alert" in button
    assert not re.search("[\U0001f300-\U0001faff\u2600-\u27bf]", button)


def test_the_api_docs_page_has_the_sites_header_and_styles(client):
    page = client.get("/docs").text
    assert 'class="docs-topbar"' in page and 'href="/static/docs.css' in page
    assert "Back to the papers" in page
    assert client.get("/static/docs.css").status_code == 200
