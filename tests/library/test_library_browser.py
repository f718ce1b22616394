"""Your library in a real browser (chromium + Playwright against uvicorn, SQLite): make a
collection, add papers from the feed without a reload, reorder, note, share with a second
user who edits it, export BibTeX and import it into a third account: the same papers."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest

from dailypapers.store.upsert import save_papers
from support.browser import free_port, launched_browser, running_site
from support.web import SEED, make_user, paper_record

CARD_IDS = "article.card"


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def server(settings, store) -> Iterator[str]:  # noqa: ANN001
    save_papers(store, [paper_record(*row) for row in SEED])
    for name in ("alice", "bob", "carol"):
        make_user(store, name)
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


def log_in(browser, server: str, name: str):  # noqa: ANN001, ANN201
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(server + "/login")
    page.fill("#login-username", name)
    page.fill("#login-password", "correct horse")
    page.click("form button[type=submit]")
    page.wait_for_url(server + "/")
    return page, errors


def ids_on(page) -> list[str]:  # noqa: ANN001
    return [a.get_attribute("id").removeprefix("paper-") for a in page.locator(CARD_IDS).all()]


def collect(page, arxiv_id: str, title: str) -> None:  # noqa: ANN001
    card = page.locator(f'article[id="paper-{arxiv_id}"]')
    card.locator("details.collect summary").click()
    button = card.locator("form.library-toggle button", has_text=title)
    button.click()
    button.filter(has_text=f"✓ {title}").wait_for()  # updated in place by site.js


def test_collections_from_feed_to_a_third_account(server):
    with launched_browser() as browser:
        alice, alice_errors = log_in(browser, server, "alice")
        alice.goto(server + "/library")
        alice.fill("#new-title", "Reading group")
        alice.click("text=Create collection")
        alice.wait_for_url(re.compile(r"/library/\d+$"))
        collection_url = alice.url

        alice.goto(server + "/date/2025-01-06")  # Monday: 2501.00003 and 2501.00004
        url_before = alice.url
        alice.evaluate("window.__marker = 1")  # gone if the page reloads
        collect(alice, "2501.00003", "Reading group")
        collect(alice, "2501.00004", "Reading group")
        assert alice.evaluate("window.__marker") == 1 and alice.url == url_before
        alice.goto(server + "/date/2025-01-03")
        collect(alice, "2501.00001", "Reading group")

        alice.goto(collection_url)
        assert ids_on(alice) == ["2501.00003", "2501.00004", "2501.00001"]
        alice.locator("#paper-2501\\.00001 button", has_text="↑ Up").click()
        alice.wait_for_url(re.compile(r"#paper-2501\.00001$"))
        assert ids_on(alice) == ["2501.00003", "2501.00001", "2501.00004"]
        alice.fill("#paper-2501\\.00003 input[name=note]", "Start here")
        alice.locator("#paper-2501\\.00003 button", has_text="Save note").click()
        alice.wait_for_url(re.compile(r"#paper-2501\.00003$"))
        assert alice.locator("#paper-2501\\.00003 p.note").inner_text() == "Start here"
        alice.fill("#share-user", "bob")
        alice.click("#editors button[type=submit] >> text=Share")
        alice.wait_for_url(re.compile(r"#editors$"))
        assert "bob" in alice.locator("#editors").inner_text()
        assert alice_errors == []

        bob, bob_errors = log_in(browser, server, "bob")
        bob.goto(server + "/date/2025-01-07")
        collect(bob, "2501.00006", "Reading group")
        bob.goto(collection_url)
        assert ids_on(bob) == ["2501.00003", "2501.00001", "2501.00004", "2501.00006"]
        with bob.expect_navigation():
            bob.locator("#paper-2501\\.00004 button", has_text="Remove").click()
        assert ids_on(bob) == ["2501.00003", "2501.00001", "2501.00006"]
        with bob.expect_download() as download:
            bob.click("text=BibTeX")
        bib = download.value.path().read_text()
        assert bib.count("@misc{") == 3
        assert bob_errors == []

        carol, carol_errors = log_in(browser, server, "carol")
        carol.goto(server + "/library")
        carol.set_input_files(
            "#import-file", files=[{"name": "group.bib", "mimeType": "application/x-bibtex",
                                    "buffer": bib.encode()}]
        )  # fmt: skip
        carol.fill("#import-title", "From the group")
        with carol.expect_navigation():
            carol.click("form[action='/library/import'] button[type=submit]")
        assert "added 3 papers" in carol.inner_text("main")
        with carol.expect_navigation():
            carol.click("main >> text=From the group")
        assert ids_on(carol) == ["2501.00003", "2501.00001", "2501.00006"]
        assert carol_errors == []
