"""Recommendations learned from upvotes and saved papers, explained; "for you" in digests."""

from __future__ import annotations

import re

import pytest

from dailypapers.accounts.users import create_user
from dailypapers.digest import subscriptions as subs
from dailypapers.digest.send import DigestRun
from dailypapers.digest.transport import SMTPTransport
from dailypapers.library.saved import set_saved
from dailypapers.rank.recommend import recommend
from dailypapers.store.models import Paper, Upvote
from support.digest_data import NEXT_MON, seed_papers
from support.smtp_sink import SmtpSink, sink_url, start_sink

LATER = ["2608.00006", "2608.00007", "2608.00008", "2608.00009", "2608.00010"]


def reader(store, ids, upvoted=(), saved=(), email=None) -> int:
    with store.session() as session:
        user = create_user(session=session, username="reader", password="password123", email=email)
        session.flush()
        session.add_all(Upvote(user_id=user.id, paper_id=ids[a]) for a in upvoted)
        for a in saved:  # saved for later: the default collection (library/saved.py)
            set_saved(session, user, session.get(Paper, ids[a]), True)
        return user.id


def test_picks_follow_what_the_user_upvoted_and_say_why(store):
    ids = seed_papers(store)
    user_id = reader(store, ids, upvoted=["2608.00001"], saved=["2608.00004"])
    with store.session() as session:
        picks = recommend(session, user_id, [ids[a] for a in LATER], limit=3)
    paper_ids, scores = picks  # a ranker's (paper_ids, scores)
    by_id = {v: k for k, v in ids.items()}
    assert by_id[paper_ids[0]] in {"2608.00006", "2608.00009"}  # the video papers first
    assert scores == sorted(scores, reverse=True)
    top = picks.reasons[0]
    assert top.because_kind in {"upvoted", "saved"} and top.because_title
    assert re.match(r"because you (upvoted|saved) “.+”", top.text)
    assert any("video" in word or "diffusion" in word for word in top.words)


def test_a_user_who_liked_nothing_gets_no_picks(store):
    ids = seed_papers(store)
    user_id = reader(store, ids)
    with store.session() as session:
        assert recommend(session, user_id, [ids[a] for a in LATER]).paper_ids == []


@pytest.fixture
def sink():
    sink = SmtpSink()
    controller = start_sink(sink)
    yield sink
    controller.stop()


def test_a_linked_subscriber_gets_for_you_picks_with_reasons(store, settings, sink):
    ids = seed_papers(store)
    user_id = reader(store, ids, upvoted=["2608.00001", "2608.00004"], email="me@example.org")
    with store.session() as session:
        [sub], _ = subs.add_subscribers(
            session, ["me@example.org"], confirmed=True, frequency="weekly", topics=["cat:cs.CL"]
        )
        sub.user_id = user_id
    transport = SMTPTransport.from_url(sink_url(sink.controller))
    DigestRun(store, period="weekly", today=NEXT_MON, transport=transport).run()
    html = sink.messages[0].get_body(("html",)).get_content()
    sections = re.findall(r"<h2[^>]*>([^<]+)</h2>", html)
    assert sections == ["Trending in your topics", "For you"]
    for_you = html.split("For you</h2>", 1)[1]
    assert "Video Diffusion Models Learn Physics" in for_you
    assert "because you upvoted" in for_you
    assert "2608.00001" not in for_you  # upvoted already: never recommended back
