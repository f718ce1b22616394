"""Layout in a real browser (chromium via Playwright): what belongs to a card stays in it.

SQLite only: the HTTP-level tests cover PostgreSQL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from dailypapers.store.models import Paper, Upvote
from support.browser import ARTIFACTS, free_port, launched_browser, running_site
from support.digest_data import seed_papers
from support.web import make_user

WIDTHS = ((1280, 900), (390, 844))


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def server(settings, store) -> Iterator[str]:  # noqa: ANN001
    """The digest test papers, and alice, who upvoted one of them (so "For you" has picks)."""
    seed_papers(store)
    user_id = make_user(store, "alice")
    with store.session() as session:
        liked = session.scalar(select(Paper.id).where(Paper.arxiv_id == "2608.00001"))
        session.add(Upvote(user_id=user_id, paper_id=liked))
    port = free_port()
    env = {
        **os.environ,
        "DAILYPAPERS_DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.db_url,
        "DAILYPAPERS_SECRET_KEY": "browser-test-secret",
        "DAILYPAPERS_TZ": "UTC",
    }
    with running_site(port, env):
        yield f"http://127.0.0.1:{port}"


def _inside(inner: dict, outer: dict) -> bool:
    return (
        inner["x"] >= outer["x"] - 0.5
        and inner["y"] >= outer["y"] - 0.5
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 0.5
    )


def test_for_you_reasons_and_save_buttons_sit_inside_their_cards(server):  # noqa: ANN001
    ARTIFACTS.mkdir(exist_ok=True)
    with launched_browser() as browser:
        for width, height in WIDTHS:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(server + "/login?next=/for-you")
            page.fill("#login-username", "alice")
            page.fill("#login-password", "correct horse")
            page.click("form.stack button[type=submit]")
            page.wait_for_url("**/for-you")
            cards = page.locator("article.card")
            assert cards.count() >= 3
            for index in range(cards.count()):
                card = cards.nth(index)
                box = card.bounding_box()
                why = card.locator(".pick-why")
                assert why.count() == 1, "each pick's reason belongs to its card"
                assert why.inner_text().strip()
                assert _inside(why.bounding_box(), box)
                assert _inside(card.locator(".save-paper button").bounding_box(), box)
            assert "because you upvoted" in page.locator(".cards").inner_text()
            # No reason is left over as a grid item of its own.
            assert page.locator(".cards > .pick-why").count() == 0
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.screenshot(path=str(ARTIFACTS / f"for-you-{width}.png"), full_page=True)
            page.close()
