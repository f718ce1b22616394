"""Subscribing: double opt-in by mail, signed expiring links, settings, leaving; the CLI."""

from __future__ import annotations

import json
import re

import pytest

import dailypapers.digest.cli  # noqa: F401 - registers the commands
from dailypapers.digest import subscriptions as subs
from dailypapers.digest.send import DigestRun
from dailypapers.digest.service import DigestService
from dailypapers.digest.tokens import BadToken, ExpiredToken, Tokens
from dailypapers.digest.transport import SMTPTransport
from dailypapers.errors import InvalidInput
from support.cli import run_cli
from support.digest_data import TUE, add_confirmed, seed_papers
from support.smtp_sink import SmtpSink, sink_url, start_sink

BASE = "https://papers.example.org"


@pytest.fixture
def sink():
    sink = SmtpSink()
    controller = start_sink(sink)
    yield sink
    controller.stop()


@pytest.fixture
def service(store, settings, sink):
    settings.base_url = BASE
    return DigestService(store, settings, SMTPTransport.from_url(sink_url(sink.controller)))


def link(message, kind: str) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(rf"{re.escape(BASE)}/digest/{kind}/([\w.-]+)", text).group(1)


def send(store, service, sink, day=TUE):
    transport = SMTPTransport.from_url(sink_url(sink.controller))
    return DigestRun(store, period="daily", today=day, transport=transport).run()


def test_nothing_but_the_confirmation_is_sent_before_the_link_is_opened(store, service, sink):
    seed_papers(store)
    result = service.subscribe(email="New@Example.ORG", topics=["diffusion"])
    assert result.status == "pending" and result.mailed == "confirm"
    [confirmation] = sink.messages
    assert confirmation["To"] == "New@example.org"
    assert confirmation["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = confirmation.get_body(("html",)).get_content()
    token = link(confirmation, "confirm")
    assert f"{BASE}/digest/confirm/{token}" in html
    assert send(store, service, sink).sent == 0 and len(sink.messages) == 1

    sub = service.confirm(token)
    assert subs.status_of(sub) == "active"
    assert service.confirm(token).confirmed_at == sub.confirmed_at  # a second click is harmless
    assert send(store, service, sink).sent == 1
    assert sink.messages[-1]["Subject"].startswith("Your daily papers")


def test_links_expire_and_altered_links_are_refused(store, settings):
    now = [1_800_000_000.0]
    tokens = Tokens("secret", clock=lambda: now[0])
    token = tokens.make("confirm", 7, "key")
    assert tokens.read("confirm", token).subscription_id == 7
    now[0] += 3 * 24 * 3600 + 1
    with pytest.raises(ExpiredToken) as expired:
        tokens.read("confirm", token)
    assert expired.value.subscription_id == 7
    assert tokens.read("unsubscribe", tokens.make("unsubscribe", 7, "key")).token_key == "key"
    fresh = tokens.make("manage", 7, "key")
    for altered in (fresh[:-2] + ("AA" if not fresh.endswith("AA") else "BB"), fresh + "x", ""):
        with pytest.raises(BadToken):
            tokens.read("manage", altered)
    with pytest.raises(BadToken):  # another secret
        Tokens("other").read("manage", fresh)
    with pytest.raises(BadToken):  # a link for one purpose opens nothing else
        tokens.read("unsubscribe", fresh)


def test_subscribing_a_subscribed_address_changes_nothing_and_mails_its_owner(store, service, sink):
    service.subscribe(email="me@example.org", topics=["cat:cs.CL"])
    service.confirm(link(sink.messages[0], "confirm"))
    result = service.subscribe(email="me@example.org", frequency="weekly", topics=["spam"])
    assert result.mailed is None  # confirmation mail sent minutes ago: throttled
    with store.session() as session:
        sub = subs.find_by_email(session, "me@example.org")
        assert (sub.frequency, sub.topics) == ("daily", ["cat:cs.CL"])
        sub.confirmation_sent_at = None  # as if the throttle had passed
    assert service.subscribe(email="me@example.org").mailed == "already"
    notice = sink.messages[-1]
    assert "already subscribed" in notice["Subject"]
    assert service.subscription("manage", link(notice, "settings")).email == "me@example.org"


def test_leaving_is_idempotent_and_coming_back_asks_again_with_new_links(store, service, sink):
    service.subscribe(email="me@example.org")
    service.confirm(link(sink.messages[0], "confirm"))
    with store.session() as session:
        sub = subs.find_by_email(session, "me@example.org")
        unsubscribe = service.renderer.link("unsubscribe", sub).rsplit("/", 1)[1]
        old_manage = service.renderer.link("manage", sub).rsplit("/", 1)[1]
    assert subs.status_of(service.unsubscribe(unsubscribe)) == "unsubscribed"
    assert subs.status_of(service.unsubscribe(unsubscribe)) == "unsubscribed"
    again = service.subscribe(email="me@example.org")
    assert again.status == "pending" and again.mailed == "confirm"
    with pytest.raises(BadToken):
        service.subscription("manage", old_manage)  # links from before are revoked


def test_the_settings_link_changes_frequency_and_topics(store, service, sink):
    [sub_id] = add_confirmed(store, ["me@example.org"])
    with store.session() as session:
        manage = service.renderer.link("manage", session.get(subs.Subscription, sub_id))
    token = manage.rsplit("/", 1)[1]
    sub = service.update(token, frequency="weekly", topics=["cat:cs.CV", "search:video", ""])
    assert (sub.frequency, sub.topics) == ("weekly", ["cat:cs.CV", "search:video"])
    with pytest.raises(InvalidInput):
        service.update(token, topics=['"unclosed'])
    with pytest.raises(InvalidInput):
        service.update(token, frequency="hourly")


@pytest.mark.parametrize("bad", ["", "no-at-sign", "a@b", "a b@example.org", "x@-bad-.com"])
def test_addresses_that_are_not_addresses_are_refused(bad):
    with pytest.raises(InvalidInput):
        subs.normalize_email(bad)


def test_subscribers_cli_adds_and_lists_as_json(store, settings):
    added = run_cli(
        settings,
        "subscribers",
        "add",
        "a@example.org",
        "b@example.org",
        "--frequency",
        "weekly",
        "--topic",
        "cat:cs.CL",
        "--confirmed",
    )
    assert added.exit_code == 0, added.stderr
    run_cli(settings, "subscribers", "add", "c@example.org")
    listed = run_cli(settings, "subscribers", "list", "--json")
    rows = {row["email"]: row for row in json.loads(listed.stdout)}
    assert rows["a@example.org"]["status"] == "active"
    assert rows["a@example.org"]["frequency"] == "weekly"
    assert rows["a@example.org"]["topics"] == ["cat:cs.CL"]
    assert rows["c@example.org"]["status"] == "pending"
    bad = run_cli(settings, "subscribers", "add", "not-an-address")
    assert bad.exit_code == 1 and "not an email address" in bad.stderr
    bad_topic = run_cli(settings, "subscribers", "add", "d@example.org", "--topic", "cat:")
    assert bad_topic.exit_code == 1 and "Traceback" not in bad_topic.stderr


def test_digest_send_cli_without_smtp_url_writes_to_the_outbox(store, settings):
    seed_papers(store)
    add_confirmed(store, ["a@example.org"])
    dry = run_cli(
        settings, "digest", "send", "--period", "daily", "--date", TUE.isoformat(), "--dry-run"
    )
    assert dry.exit_code == 0 and "would send 1" in dry.stdout
    ran = run_cli(settings, "digest", "send", "--period", "daily", "--date", TUE.isoformat())
    assert ran.exit_code == 0 and "sent 1" in ran.stdout
    assert "SMTP_URL is not set: the mail was written to" in ran.stdout
    assert len(list((settings.data_dir / "outbox").glob("*.eml"))) == 1
    weekend = run_cli(settings, "digest", "send", "--period", "daily", "--date", "2026-08-22")
    assert weekend.exit_code == 0 and "weekdays" in weekend.stdout
