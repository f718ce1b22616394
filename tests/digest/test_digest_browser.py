"""A new reader in a real browser: subscribes, saves a search as an alert, confirms from the
mail, receives a digest with trending papers and the alert, and unsubscribes with one click.

Debian's chromium driven by Playwright against a real uvicorn; mail through aiosmtpd on
127.0.0.1; the digest sent by the real `dailypapers digest send` command. SQLite only: the
HTTP-level tests cover PostgreSQL.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from dailypapers.digest import subscriptions as subs
from support.browser import ARTIFACTS, free_port, launched_browser, running_site
from support.digest_data import TUE, seed_papers
from support.smtp_sink import SmtpSink, sink_url, start_sink

EMAIL = "new.reader@example.org"


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    controller = start_sink(sink)
    yield sink
    controller.stop()


@pytest.fixture
def site(settings, store, sink) -> Iterator[tuple[str, dict[str, str]]]:  # noqa: ANN001
    """A real uvicorn on the seeded database; returns its URL and its environment."""
    seed_papers(store)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DAILYPAPERS_DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.db_url,
        "DAILYPAPERS_SECRET_KEY": "browser-test-secret",
        "DAILYPAPERS_BASE_URL": url,
        "DAILYPAPERS_TZ": "UTC",
        "SMTP_URL": sink_url(sink.controller),
    }
    with running_site(port, env):
        yield url, env


@pytest.fixture
def browser() -> Iterator[object]:
    with launched_browser() as browser:
        yield browser


def link_in(message, path: str) -> str:  # noqa: ANN001
    text = message.get_body(("plain",)).get_content()
    return re.search(rf"(http://127\.0\.0\.1:\d+{re.escape(path)}\S+)", text).group(1)


def test_a_new_reader_subscribes_confirms_gets_a_digest_and_leaves_in_one_click(
    site, browser, sink, store
):  # noqa: ANN001
    from playwright.sync_api import expect

    url, env = site
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))

    # 1. The subscribe box at the foot of the home page: just an email address.
    page.goto(url + "/")
    box = page.locator("form.subscribe-form")
    box.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "digest-subscribe-box.png"))
    box.get_by_label("Email address").fill(EMAIL)
    box.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    # 2. A search saved as an alert, from the search page's "Save as alert".
    page.goto(url + "/search?q=video+generation")
    alert = page.locator("form.save-alert")
    alert.get_by_label("Email for alerts").fill(EMAIL)
    alert.get_by_role("button", name="Save as alert").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    assert len(sink.messages) == 1  # one confirmation mail, nothing else before confirming

    # 3. Confirm from the mail.
    page.goto(link_in(sink.messages[0], "/digest/confirm/"))
    page.get_by_role("button", name="Yes, send me digests").click()
    expect(page.get_by_text("Subscription confirmed")).to_be_visible()
    expect(page.get_by_label("video generation")).to_be_checked()
    page.screenshot(path=str(ARTIFACTS / "digest-settings.png"), full_page=True)

    # 4. The daily digest, sent by the command cron runs (Tuesday's covers Monday).
    sent = subprocess.run(
        [sys.executable, "-m", "dailypapers", "digest", "send", "--period", "daily",
         "--date", TUE.isoformat()],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    digest = sink.messages[-1]
    assert digest["To"] == EMAIL and len(sink.messages) == 2
    html = digest.get_body(("html",)).get_content()
    sections = re.findall(r"<h2[^>]*>([^<]+)</h2>", html)
    assert sections == ["Trending", "New for “video generation”"]
    assert "Reasoning Language Models with Reinforcement Learning" in html  # Monday's trending
    assert "Diffusion Transformers for Video Generation" in html.split("New for")[1]
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    mail = browser.new_page(viewport={"width": 700, "height": 900})
    mail.set_content(html)  # the mail as a client shows it: inlined styles, no remote content
    mail.screenshot(path=str(ARTIFACTS / "digest-mail.png"), full_page=True)
    mail.close()

    # The mail's links open the site: a paper page, then the unsubscribe page.
    paper = re.search(rf'href="({re.escape(url)}/papers/2608\.00002)"', html).group(1)
    page.goto(paper)
    expect(
        page.get_by_role("heading", name=re.compile("Reasoning Language Models"))
    ).to_be_visible()

    # 5. Leaving is one click.
    page.goto(link_in(digest, "/digest/unsubscribe/"))
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    with store.session() as session:
        assert subs.status_of(subs.find_by_email(session, EMAIL)) == "unsubscribed"
    assert errors == []  # no CSP violations, no script errors
    page.close()
