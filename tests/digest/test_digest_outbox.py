"""A default install (no SMTP_URL) mails to a local outbox; a failed send leaves nothing behind."""

from __future__ import annotations

import re
import socket

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from dailypapers.cli import _register, app
from dailypapers.config import get_settings
from dailypapers.digest import subscriptions as subs
from dailypapers.digest.outbox import read_outbox
from dailypapers.store.models import Subscription
from dailypapers.web.app import create_app
from support.digest_data import TUE, seed_papers

BASE = "https://papers.example.org"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
OUTBOX_NOTE = "No mail server is configured; the confirmation was written to the server's outbox"

_register()


def _client(settings, store, smtp_url=None):  # noqa: ANN001, ANN202
    seed_papers(store)
    settings.base_url = BASE
    settings.smtp_url = smtp_url
    return create_app(settings)


@pytest.fixture
def client(settings, store):  # noqa: ANN001, ANN201
    app = _client(settings, store)
    with TestClient(app, base_url=BASE) as client:
        yield client
    app.state.store.dispose()


def _csrf(client) -> str:  # noqa: ANN001
    return TOKEN.search(client.get("/subscribe").text).group(1)


def _rows(store) -> int:  # noqa: ANN001
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(Subscription))


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"smtp://127.0.0.1:{sock.getsockname()[1]}?timeout=2"


def _cli(settings, *args: str):  # noqa: ANN001, ANN202
    """`dailypapers ARGS` in-process, as the admin would run it for this data dir."""
    env = {
        "DAILYPAPERS_DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.db_url,
        "DAILYPAPERS_SECRET_KEY": "test-secret-key",
        "SMTP_URL": "",
    }
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, list(args), env=env)
    finally:
        get_settings.cache_clear()


def test_without_smtp_the_confirmation_goes_to_the_outbox_end_to_end(client, settings, store):
    token = _csrf(client)
    answer = client.post("/subscribe", data={"email": "reader@example.org", "csrf_token": token})
    assert answer.status_code == 200 and OUTBOX_NOTE in answer.text
    [mail] = read_outbox(settings.data_dir / "outbox")
    assert mail.path.suffix == ".eml" and mail.to == "reader@example.org"
    link = re.search(rf"{re.escape(BASE)}(/digest/confirm/[\w.-]+)", mail.text()).group(1)

    listing = _cli(settings, "outbox")
    assert listing.exit_code == 0, listing.output
    assert "reader@example.org" in listing.output and mail.subject in listing.output
    shown = _cli(settings, "outbox", "show", "1")
    assert (
        shown.exit_code == 0 and link in shown.output and "To: reader@example.org" in shown.output
    )
    assert _cli(settings, "outbox", "show", "7").exit_code == 1

    client.post(link, data={"csrf_token": token})
    with store.session() as session:
        sub = subs.find_by_email(session, "reader@example.org")
        assert subs.status_of(sub) == "active"


def test_save_as_alert_without_smtp_says_where_the_mail_went(client, settings):
    answer = client.post(
        "/digest/alerts",
        data={"q": "video generation", "email": "someone@example.org", "csrf_token": _csrf(client)},
    )
    assert answer.status_code == 200 and OUTBOX_NOTE in answer.text
    assert [m.to for m in read_outbox(settings.data_dir / "outbox")] == ["someone@example.org"]


def test_digests_without_smtp_are_written_to_the_outbox(settings, store):
    seed_papers(store)
    with store.session() as session:
        subs.add_subscribers(session, ["reader@example.org"], confirmed=True)
    ran = _cli(settings, "digest", "send", "--period", "daily", "--date", TUE.isoformat())
    assert ran.exit_code == 0, ran.output
    assert "SMTP_URL is not set: the mail was written to" in ran.output
    [mail] = read_outbox(settings.data_dir / "outbox")
    assert mail.to == "reader@example.org" and mail.subject.startswith("Your daily papers")


def test_a_transport_error_leaves_no_subscription_behind(settings, store):
    app = _client(settings, store, smtp_url=_closed_port_url())
    with TestClient(app, base_url=BASE) as client:
        token = _csrf(client)
        answer = client.post("/subscribe", data={"email": "new@example.org", "csrf_token": token})
        assert answer.status_code == 503 and "try again later" in answer.text
        alert = client.post(
            "/digest/alerts",
            data={"q": "agents", "email": "alert@example.org", "csrf_token": token},
        )
        assert alert.status_code == 503 and "try again later" in alert.text
        assert _rows(store) == 0

        # A returning reader's stopped subscription is put back as it was, links and all.
        with store.session() as session:
            subs.add_subscribers(session, ["back@example.org"], topics=["cat:cs.CL"])
            sub = subs.find_by_email(session, "back@example.org")
            subs.unsubscribe(session, sub)
        with store.session() as session:
            before = subs.snapshot(subs.find_by_email(session, "back@example.org"))
        again = client.post(
            "/subscribe",
            data={"email": "back@example.org", "topics": "video", "csrf_token": token},
        )
        assert again.status_code == 503
        with store.session() as session:
            assert subs.snapshot(subs.find_by_email(session, "back@example.org")) == before
    app.state.store.dispose()
