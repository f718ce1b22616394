"""The site in a real browser: Debian's chromium driven by Playwright against a real uvicorn.

SQLite only: the HTTP-level tests cover PostgreSQL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from support.arxiv_stub import serve_file
from support.browser import ARTIFACTS, free_port, launched_browser, running_site


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def server(settings, seeded, sample_data) -> Iterator[str]:  # noqa: ANN001
    """A real uvicorn serving the seeded database; its arXiv API is a loopback stub."""
    sample = sample_data / "arxiv_api_sample_2016_id_list_1111.2011v2.xml"
    with serve_file(sample) as arxiv_url:
        port = free_port()
        env = {
            **os.environ,
            "DAILYPAPERS_DATA_DIR": str(settings.data_dir),
            "DATABASE_URL": settings.db_url,
            "DAILYPAPERS_SECRET_KEY": "browser-test-secret",
            "DAILYPAPERS_ARXIV_API_URL": arxiv_url,
            "DAILYPAPERS_HARVEST_DELAY": "0",
            "DAILYPAPERS_TZ": "UTC",
        }
        with running_site(port, env):
            yield f"http://127.0.0.1:{port}"


@pytest.fixture
def browser() -> Iterator[object]:
    with launched_browser() as browser:
        yield browser


def test_home_page_screenshots_on_desktop_and_phone(server, browser):  # noqa: ANN001
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in ((1280, 900), (390, 844)):
        page = browser.new_page(viewport={"width": width, "height": height})
        errors: list[str] = []
        page.on("console", lambda m, errors=errors: m.type == "error" and errors.append(m.text))
        page.goto(server + "/")
        assert page.title() == "Daily Papers"
        assert page.locator("article.card").count() == 2
        # Nothing wider than the screen: readable on a phone without sideways scrolling.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(ARTIFACTS / f"home-{width}.png"), full_page=True)
        assert errors == []  # no CSP violations, no script errors
        # Keyboard: the first Tab lands on the skip link, which moves focus to the content.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        page.close()


def test_a_visitor_walks_days_signs_up_votes_comments_and_submits(server, browser):  # noqa: ANN001
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server + "/")

    # Walk back and forth over days; the empty weekend is skipped.
    page.click("a[rel=prev]")
    page.wait_for_url("**/date/2025-01-06")
    page.click("a[rel=prev]")
    page.wait_for_url("**/date/2025-01-03")
    assert "Friday, January 3, 2025" in page.inner_text(".period-label")
    page.click("a[rel=next]")
    page.wait_for_url("**/date/2025-01-06")

    # Sign up (from the header), then log out and back in.
    page.click("text=Sign up")
    page.fill("#signup-username", "reader")
    page.fill("#signup-email", "reader@example.org")
    page.fill("#signup-password", "a long password")
    page.click("form.stack button[type=submit]")
    page.wait_for_url("**/date/2025-01-06")
    assert page.inner_text(".account-name") == "reader"
    page.click("text=Log out")
    page.wait_for_url(server + "/")
    page.click("text=Log in")
    page.fill("#login-username", "reader")
    page.fill("#login-password", "a long password")
    page.click("form.stack button[type=submit]")
    page.wait_for_url(server + "/")
    assert page.inner_text(".account-name") == "reader"

    # Upvote without a page load: the count changes, the page (and a marker on it) stays.
    page.goto(server + "/date/2025-01-06")
    page.evaluate("window.__stillHere = true")
    card = page.locator("#paper-2501\\.00003")
    assert card.locator(".vote-count").inner_text() == "12"
    card.locator("button.vote-button").click()
    expect(card.locator(".vote-count")).to_have_text("13")
    assert card.locator("button.vote-button").get_attribute("aria-pressed") == "true"
    assert page.evaluate("window.__stillHere") is True
    page.reload()
    assert card.locator(".vote-count").inner_text() == "13"

    # Comment with Markdown.
    page.click("#paper-2501\\.00003 .card-title a")
    page.wait_for_url("**/papers/2501.00003")
    page.fill("#comment-body", "Great **results**, thanks.")
    page.click(".comment-form button")
    page.wait_for_selector(".comment-body strong")
    assert page.inner_text(".comment-body strong") == "results"
    assert "Comments (1)" in page.inner_text("#comments-title")

    # Submit a paper by id; its metadata comes from the (stubbed) arXiv API.
    page.click("nav.mainnav >> text=Submit")
    page.fill("#submit-paper", "1111.2011v2")
    page.click("form.stack button[type=submit]")
    page.wait_for_url("**/papers/1111.2011?submitted=*")
    assert "submitted by reader" in page.inner_text(".paper-kicker")
    page.goto(server + "/")
    assert page.locator("#paper-1111\\.2011").count() == 1
    page.goto(server + "/users/reader")
    assert page.locator("#paper-1111\\.2011").count() >= 1
    page.close()
