"""The digest pages over HTTP (in-process client), on SQLite and PostgreSQL, mail via aiosmtpd."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dailypapers.accounts.users import create_user
from dailypapers.digest import subscriptions as subs
from dailypapers.digest.service import DigestService
from dailypapers.store.models import Paper, Subscription, Upvote
from dailypapers.web.app import create_app
from support.digest_data import seed_papers
from support.smtp_sink import SmtpSink, sink_url, start_sink

BASE = "https://papers.example.org"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def sink():
    sink = SmtpSink()
    controller = start_sink(sink)
    yield sink
    controller.stop()


@pytest.fixture
def client(settings, store, sink):
    seed_papers(store)
    settings.base_url = BASE
    settings.smtp_url = sink_url(sink.controller)
    app = create_app(settings)
    with TestClient(app, base_url=BASE) as client:
        yield client
    app.state.store.dispose()


def csrf(client, path="/subscribe") -> str:
    return TOKEN.search(client.get(path).text).group(1)


def mailed_path(message, kind: str) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(rf"{re.escape(BASE)}(/digest/{kind}/[\w.-]+)", text).group(1)


def subscription(store, email) -> Subscription:
    with store.session() as session:
        return session.scalar(select(Subscription).where(Subscription.email == email))


def test_every_page_offers_the_subscribe_box(client):
    page = client.get("/")
    assert page.status_code == 200
    assert 'action="/subscribe"' in page.text and 'name="email"' in page.text


def test_subscribe_confirm_change_and_leave_by_links(client, store, sink):
    token = csrf(client)
    answer = client.post(
        "/subscribe",
        data={
            "email": "reader@example.org",
            "frequency": "weekly",
            "topics": "cat:cs.CL\nvideo",
            "csrf_token": token,
        },
    )
    assert answer.status_code == 200 and "Check your inbox" in answer.text
    assert subs.status_of(subscription(store, "reader@example.org")) == "pending"
    [confirmation] = sink.messages
    confirm_path = mailed_path(confirmation, "confirm")

    page = client.get(confirm_path)  # opening the link changes nothing (mail scanners do)
    assert page.status_code == 200 and "Yes, send me digests" in page.text
    assert subs.status_of(subscription(store, "reader@example.org")) == "pending"
    done = client.post(confirm_path, data={"csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and "/digest/settings/" in done.headers["location"]
    settings_path = done.headers["location"].replace(BASE, "")
    page = client.get(settings_path)
    assert "confirmed" in page.text and "sub-status-active" in page.text

    changed = client.post(
        settings_path.split("?")[0],
        data={
            "frequency": "daily",
            "topics": "cat:cs.CV",
            "search": ["", "speculative decoding"],
            "csrf_token": token,
        },
    )
    assert changed.status_code == 200 and "Saved." in changed.text
    sub = subscription(store, "reader@example.org")
    assert (sub.frequency, sub.topics) == ("daily", ["cat:cs.CV", "search:speculative decoding"])

    unsubscribe_path = re.search(r'action="(/digest/unsubscribe/[^"]+)"', changed.text).group(1)
    left = client.post(unsubscribe_path)  # no CSRF token: the signed link is the credential
    assert left.status_code == 200 and "You are unsubscribed" in left.text
    assert subs.status_of(subscription(store, "reader@example.org")) == "unsubscribed"


def test_one_click_unsubscribe_is_a_bare_post_and_idempotent(client, store, sink):
    with store.session() as session:
        [sub], _ = subs.add_subscribers(session, ["one@example.org"], confirmed=True)
        sub_id = sub.id
    service = DigestService(store, client.app.state.settings)
    with store.session() as session:
        link = service.renderer.link("unsubscribe", session.get(Subscription, sub_id))
    path = link.replace(BASE, "")
    fresh = TestClient(
        client.app, base_url=BASE
    )  # a mail provider: no cookies, no session, no CSRF token
    for _ in range(2):
        response = fresh.post(
            path,
            content="List-Unsubscribe=One-Click",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 200
    assert subs.status_of(subscription(store, "one@example.org")) == "unsubscribed"
    assert fresh.post(path[:-3] + "abc").status_code == 400  # an altered link


def test_bad_and_expired_links_get_a_page_not_a_traceback(client):
    assert client.get("/digest/settings/not-a-token").status_code == 400
    assert client.get("/digest/confirm/x.y.z").status_code == 400
    assert client.post("/digest/unsubscribe/nope").status_code == 400


def test_subscribe_with_a_bad_address_says_so(client, sink):
    token = csrf(client)
    answer = client.post("/subscribe", data={"email": "nope", "csrf_token": token})
    assert answer.status_code == 400 and "not an email address" in answer.text
    assert sink.messages == []
    no_csrf = client.post("/subscribe", data={"email": "a@example.org"})
    assert no_csrf.status_code == 403


def log_in(client, store, username="alice", email="alice@example.org") -> tuple[int, str]:
    with store.session() as session:
        user = create_user(
            session=session, username=username, password="correct horse", email=email
        )
        user_id = user.id
    token = csrf(client, "/login")
    client.post(
        "/login", data={"username": username, "password": "correct horse", "csrf_token": token}
    )
    return user_id, csrf(client, "/subscribe")


def test_save_as_alert_is_one_click_for_a_logged_in_user(client, store, sink):
    user_id, token = log_in(client, store)
    answer = client.post(
        "/digest/alerts",
        data={
            "q": "video generation",
            "category": "cs.CV",
            "next": "/search?q=video",
            "csrf_token": token,
        },
    )
    assert answer.status_code == 200 and "Check your inbox" in answer.text
    sub = subscription(store, "alice@example.org")
    assert sub.user_id == user_id and sub.topics == ["search:video generation cat:cs.CV"]
    client.post(mailed_path(sink.messages[0], "confirm"), data={"csrf_token": token})
    again = client.post("/digest/alerts", data={"q": "agents", "csrf_token": token})
    assert "Alert saved" in again.text
    assert subscription(store, "alice@example.org").topics[-1] == "search:agents"
    assert len(sink.messages) == 1  # adding to a confirmed subscription mails nothing


def test_for_you_and_preview_for_a_logged_in_user(client, store):
    assert client.get("/for-you", follow_redirects=False).status_code in (303, 401)
    user_id, _ = log_in(client, store)
    with store.session() as session:
        liked = session.scalar(select(Paper.id).where(Paper.arxiv_id == "2608.00001"))
        session.add(Upvote(user_id=user_id, paper_id=liked))
    page = client.get("/for-you")
    assert page.status_code == 200
    assert "Video Diffusion Models Learn Physics" in page.text
    assert "because you upvoted" in page.text
    preview = client.get("/digest/preview")
    assert preview.status_code == 200 and 'src="/digest/preview.html' in preview.text
    mail = client.get("/digest/preview.html?period=weekly")
    assert mail.status_code == 200 and "style=" in mail.text
    assert "style-src 'unsafe-inline'" in mail.headers["content-security-policy"]
    assert "For you" in mail.text


def test_an_alert_asked_for_a_confirmed_address_waits_for_its_owner(client, store, sink):
    with store.session() as session:
        subs.add_subscribers(session, ["owner@example.org"], confirmed=True)
    token = csrf(client)
    answer = client.post(
        "/digest/alerts",
        data={"q": "agents", "email": "owner@example.org", "csrf_token": token},
    )
    assert answer.status_code == 200
    assert subscription(store, "owner@example.org").topics == []  # a stranger changes nothing
    [notice] = sink.messages
    text = notice.get_body(("plain",)).get_content()
    add_link = re.search(rf"{re.escape(BASE)}(/digest/settings/\S+\?add=\S+)", text).group(1)
    page = client.get(add_link)
    assert "Save to add" in page.text and 'value="agents" checked' in page.text
    path = add_link.split("?")[0]
    client.post(path, data={"frequency": "daily", "search": ["agents"], "csrf_token": token})
    assert subscription(store, "owner@example.org").topics == ["search:agents"]


def test_an_account_cannot_change_a_subscription_it_did_not_start(client, store, sink):
    with store.session() as session:
        subs.add_subscribers(session, ["alice@example.org"], confirmed=True)
    _, token = log_in(client, store)  # alice's account claims the same address
    client.post("/digest/alerts", data={"q": "agents", "csrf_token": token})
    assert subscription(store, "alice@example.org").topics == []
    assert "already subscribed" in sink.messages[-1]["Subject"]


def test_saving_a_paper_feeds_for_you(client, store):
    user_id, token = log_in(client, store)
    assert "Upvote a few papers" in client.get("/for-you").text
    saved = client.post(
        "/papers/2608.00004/save",
        data={"saved": "1", "next": "/for-you", "csrf_token": token},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/for-you"
    page = client.get("/for-you")
    assert "because you saved “Image Editing with Latent Diffusion”" in page.text
    client.post("/papers/2608.00004/save", data={"saved": "0", "csrf_token": token})
    assert "Upvote a few papers" in client.get("/for-you").text
    assert client.post("/papers/2608.99999/save", data={"csrf_token": token}).status_code == 404
