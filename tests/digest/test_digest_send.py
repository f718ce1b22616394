"""Sending digests to a real SMTP server (aiosmtpd on 127.0.0.1), on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from sqlalchemy import select

from dailypapers.digest import subscriptions as subs
from dailypapers.digest.send import DeliveryAborted, DigestRun, RetryPolicy
from dailypapers.digest.transport import SMTPTransport
from dailypapers.store.models import DigestDelivery, DigestItem, Subscription
from support.digest_data import FRI, NEXT_MON, THU, TUE, WED, add_confirmed, seed_papers
from support.smtp_sink import SmtpSink, sink_url, start_sink

BASE = "https://papers.example.org"


@pytest.fixture
def sink():
    sink = SmtpSink()
    controller = start_sink(sink)
    yield sink
    sink.release.set()
    controller.stop()


@pytest.fixture
def site(settings):
    settings.base_url = BASE
    return settings


def run(store, sink, day, *, period="daily", sleeps=None, transport=None, **kwargs):
    transport = transport or SMTPTransport.from_url(sink_url(sink.controller))
    sleep = sleeps.append if sleeps is not None else (lambda s: None)
    return DigestRun(
        store, period=period, today=day, transport=transport, sleep=sleep, **kwargs
    ).run()


def deliveries(store):
    with store.session() as session:
        return list(session.scalars(select(DigestDelivery).order_by(DigestDelivery.id)))


def paper_links(message) -> list[str]:
    html = message.get_body(("html",)).get_content()
    return re.findall(r'href="(https://papers\.example\.org/papers/[^"]+)"', html)


def test_digest_is_multipart_with_inlined_css_paper_links_and_one_click_unsubscribe(
    store, site, sink
):
    ids = seed_papers(store)
    add_confirmed(store, ["ada@example.org"])
    report = run(store, sink, TUE)
    assert report.sent == 1 and report.failed == 0
    [message] = sink.messages
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "<style" not in html and "style=" in html  # CSS inlined, nothing left to strip
    assert "<img" not in html and "http://" not in html.replace(BASE, "")  # no remote images
    # Tuesday's daily digest covers Monday's listings, most upvoted first
    titles = re.findall(r'class="title"[^>]*>([^<]+)<', html)
    assert titles[0] == "Diffusion Transformers for Video Generation"
    assert len(titles) == 5
    assert f"{BASE}/papers/2608.00001" in paper_links(message)
    assert f"{BASE}/papers/2608.00001" in text
    # RFC 8058 headers; the https URL is the one the site's POST handler accepts
    unsubscribe = message["List-Unsubscribe"]
    assert re.fullmatch(rf"<{re.escape(BASE)}/digest/unsubscribe/[\w.-]+>", unsubscribe)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"{BASE}/digest/settings/" in html and f"{BASE}/digest/settings/" in text
    [delivery] = deliveries(store)
    assert delivery.status == "sent" and message["Message-ID"] == delivery.message_id
    assert ids["2608.00006"] not in [
        i["id"] for s in delivery.content["sections"] for i in s["items"]
    ]


def test_second_run_for_the_same_period_sends_nothing(store, site, sink):
    seed_papers(store)
    add_confirmed(store, ["a@example.org", "b@example.org"])
    first = run(store, sink, TUE)
    second = run(store, sink, TUE)
    assert (first.sent, second.sent, second.due, second.planned) == (2, 0, 0, 0)
    assert Counter(m["To"] for m in sink.messages) == {"a@example.org": 1, "b@example.org": 1}


def test_a_paper_reaches_a_subscriber_once_across_digests(store, site, sink):
    seed_papers(store)
    [sub_id] = add_confirmed(store, ["w@example.org"], frequency="weekly")
    run(store, sink, NEXT_MON, period="weekly")  # covers Mon 17 – Sun 23
    with store.session() as session:
        subs.update(session, session.get(Subscription, sub_id), frequency="daily")
    report = run(store, sink, NEXT_MON)  # Monday's daily covers Fri–Sun: all sent already
    assert report.empty == 1 and report.sent == 0
    links = [link for m in sink.messages for link in paper_links(m)]
    assert len(links) == len(set(links)) == 10


def test_topics_narrow_trending_and_saved_searches_bring_alerts(store, site, sink):
    seed_papers(store)
    add_confirmed(store, ["t@example.org"], topics=["cat:cs.CL", "search:video generation"])
    run(store, sink, TUE)
    html = sink.messages[0].get_body(("html",)).get_content()
    sections = re.findall(r"<h2[^>]*>([^<]+)</h2>", html)
    assert sections == ["Trending in your topics", "New for “video generation”"]
    assert "Reasoning Language Models" in html and "Speech Recognition" in html
    assert "Sparse Mixture of Experts" not in html  # cs.LG only: not a chosen topic
    assert "Diffusion Transformers for Video Generation" in html  # the alert's match
    assert "new for your search “video generation”" in html


def test_alerts_cover_the_days_since_the_last_digest(store, site, sink):
    seed_papers(store)
    add_confirmed(store, ["late@example.org"], topics=["search:video"])
    run(store, sink, TUE)  # covers Monday: 2608.00001
    report = run(store, sink, FRI)  # covers Thursday, but alerts reach back to Tuesday
    assert report.sent == 1
    text = sink.messages[1].get_body(("plain",)).get_content()
    assert "Video Diffusion Models Learn Physics" in text  # listed Tuesday


def test_only_confirmed_active_subscribers_are_sent_to(store, site, sink):
    seed_papers(store)
    add_confirmed(store, ["on@example.org", "paused@example.org", "gone@example.org"])
    with store.session() as session:
        subs.add_subscribers(session, ["pending@example.org"])
        subs.pause(subs.find_by_email(session, "paused@example.org"), "by hand")
        subs.unsubscribe(session, subs.find_by_email(session, "gone@example.org"))
    report = run(store, sink, WED)
    assert report.sent == 1
    assert [m["To"] for m in sink.messages] == ["on@example.org"]


def test_temporary_failures_are_retried_with_backoff(store, site, sink):
    seed_papers(store)
    add_confirmed(store, ["slow@example.org"])
    sink.transient["slow@example.org"] = 2
    sleeps: list[float] = []
    report = run(store, sink, TUE, sleeps=sleeps, retry=RetryPolicy(attempts=4, base=2, factor=3))
    assert report.sent == 1 and sleeps == [2, 6]
    assert len(sink.to("slow@example.org")) == 1


def test_a_refused_address_is_paused_and_the_others_still_get_theirs(store, site, sink):
    seed_papers(store)
    add_confirmed(store, ["a@example.org", "nobody@example.org", "c@example.org"])
    sink.refuse["nobody@example.org"] = "550 5.1.1 no such user"
    report = run(store, sink, TUE)
    assert (report.sent, report.failed, report.paused) == (2, 1, ["nobody@example.org"])
    with store.session() as session:
        sub = subs.find_by_email(session, "nobody@example.org")
        assert subs.status_of(sub) == "paused" and "550" in sub.pause_reason
        failed = session.scalar(
            select(DigestDelivery).where(DigestDelivery.subscription_id == sub.id)
        )
        assert failed.status == "failed"
        # its papers were given back, so a later digest may carry them
        assert not session.scalars(
            select(DigestItem).where(DigestItem.subscription_id == sub.id)
        ).all()
    assert run(store, sink, WED).paused == []  # paused: not tried again


def test_an_address_failing_three_digests_in_a_row_is_paused(store, site, sink):
    seed_papers(store)
    add_confirmed(store, ["full@example.org"])
    sink.transient["full@example.org"] = 1000
    retry = RetryPolicy(attempts=2)
    outcomes = [run(store, sink, day, retry=retry) for day in (TUE, WED, THU, FRI)]
    assert [r.failed for r in outcomes] == [1, 1, 1, 0]
    assert outcomes[2].paused == ["full@example.org"] and outcomes[3].due == 0
    with store.session() as session:
        sub = subs.find_by_email(session, "full@example.org")
        assert subs.status_of(sub) == "paused" and "3 times" in sub.pause_reason


def test_an_unreachable_server_stops_the_run_and_a_rerun_sends_the_rest(store, site, sink):
    seed_papers(store)
    add_confirmed(store, ["a@example.org", "b@example.org"])
    dead = SMTPTransport.from_url("smtp://127.0.0.1:9?timeout=2")  # discard port: refused
    sleeps: list[float] = []
    with pytest.raises(DeliveryAborted) as stopped:
        run(store, sink, TUE, transport=dead, sleeps=sleeps, retry=RetryPolicy(attempts=3))
    assert stopped.value.report.pending == 2 and len(sleeps) == 2
    assert {d.status for d in deliveries(store)} == {"pending"}
    report = run(store, sink, TUE)
    assert report.sent == 2 and report.planned == 0
    assert sorted(m["To"] for m in sink.messages) == ["a@example.org", "b@example.org"]


class CrashAfter:
    """Hands messages to SMTP, then 'dies' right after the server acknowledged the n-th."""

    def __init__(self, inner, n):
        self.inner, self.n, self.count = inner, n, 0

    def send(self, message, *, before_end=None):
        self.inner.send(message, before_end=before_end)
        self.count += 1
        if self.count == self.n:
            raise KeyboardInterrupt("killed after the server's 250")

    def close(self):
        self.inner.close()


class CrashBeforeEnd(CrashAfter):
    """'Dies' with the n-th message on the wire, before its end of data (and the "sent" mark)."""

    def send(self, message, *, before_end=None):
        self.count += 1
        if self.count < self.n:
            return self.inner.send(message, before_end=before_end)

        def die():
            raise KeyboardInterrupt("killed before the end of data")

        self.inner.send(message, before_end=die)


def test_a_crash_after_the_servers_ack_sends_nothing_twice(store, site, sink):
    seed_papers(store)
    add_confirmed(store, [f"s{i}@example.org" for i in range(4)])
    transport = CrashAfter(SMTPTransport.from_url(sink_url(sink.controller)), 2)
    with pytest.raises(KeyboardInterrupt):
        run(store, sink, TUE, transport=transport)
    # "sent" was committed before the end of data that let the server keep the message
    assert [d.status for d in deliveries(store)] == ["sent", "sent", "pending", "pending"]
    report = run(store, sink, TUE)
    assert report.sent == 2 and report.in_doubt == 0
    counts = Counter(m["To"] for m in sink.messages)
    assert counts == dict.fromkeys([f"s{i}@example.org" for i in range(4)], 1)


def test_a_crash_before_the_end_of_data_leaves_no_mail_and_the_rerun_sends_it(store, site, sink):
    seed_papers(store)
    add_confirmed(store, [f"s{i}@example.org" for i in range(3)])
    transport = CrashBeforeEnd(SMTPTransport.from_url(sink_url(sink.controller)), 2)
    with pytest.raises(KeyboardInterrupt):
        run(store, sink, TUE, transport=transport)
    assert [d.status for d in deliveries(store)] == ["sent", "sending", "pending"]
    # the server dropped the message whose end never came
    assert [m["To"] for m in sink.messages] == ["s0@example.org"]
    report = run(store, sink, TUE)
    assert report.sent == 2 and report.in_doubt == 1
    counts = Counter(m["To"] for m in sink.messages)
    assert counts == dict.fromkeys([f"s{i}@example.org" for i in range(3)], 1)
    with store.session() as session:
        recorded = session.scalars(select(DigestDelivery.message_id)).all()
    assert sorted(m["Message-ID"] for m in sink.messages) == sorted(recorded)


def test_unsubscribing_after_intent_cancels_the_pending_digest(store, site, sink):
    seed_papers(store)
    add_confirmed(store, ["stay@example.org", "leave@example.org"])
    transport = CrashAfter(SMTPTransport.from_url(sink_url(sink.controller)), 1)
    with pytest.raises(KeyboardInterrupt):
        run(store, sink, TUE, transport=transport)
    with store.session() as session:
        subs.unsubscribe(session, subs.find_by_email(session, "leave@example.org"))
    report = run(store, sink, TUE)
    assert report.cancelled == 1 and report.in_doubt == 0
    assert {m["To"] for m in sink.messages} == {"stay@example.org"}


def test_dry_run_records_and_sends_nothing(store, site, sink):
    seed_papers(store)
    add_confirmed(store, ["a@example.org"])
    report = DigestRun(store, period="daily", today=TUE).run(dry_run=True)
    assert report.planned == 1 and report.previews == [{"email": "a@example.org", "papers": 5}]
    assert deliveries(store) == [] and sink.messages == []
