"""The recommender learns from collections and reading state; "not interested" is a negative."""

from __future__ import annotations

from dailypapers.accounts.users import create_user
from dailypapers.library import collections as lib
from dailypapers.library import reading
from dailypapers.rank.recommend import recommend
from dailypapers.rank.signals import liked_papers, summary
from dailypapers.store.models import Paper, Upvote
from support.digest_data import seed_papers

LATER = ["2608.00006", "2608.00007", "2608.00008", "2608.00009", "2608.00010"]


def test_collected_and_read_papers_are_positives_and_not_interested_is_left_out(store):
    ids = seed_papers(store)
    by_id = {v: k for k, v in ids.items()}
    with store.session() as session:
        user = create_user(session=session, username="reader", password="password123")
        session.flush()
        group = lib.create_collection(session, user, title="Video")
        lib.add_paper(session, group, user, session.get(Paper, ids["2608.00001"]))
        reading.set_state(session, user.id, ids["2608.00004"], "read", True)
        user_id = user.id
    with store.session() as session:
        assert liked_papers(session, user_id) == {
            ids["2608.00004"]: "read",
            ids["2608.00001"]: "collected",
        }
        picks = recommend(session, user_id, [ids[a] for a in LATER], limit=3)
        assert by_id[picks.paper_ids[0]] in {"2608.00006", "2608.00009"}  # the video papers
        assert picks.reasons[0].because_kind in {"collected", "read"}
        assert picks.reasons[0].text.startswith(("because you collected", "because you read"))

        for arxiv_id in ("2608.00006", "2608.00009"):
            reading.set_state(session, user_id, ids[arxiv_id], "not_interested", True)
        session.add(Upvote(user_id=user_id, paper_id=ids["2608.00002"]))
        session.flush()
        picks = recommend(session, user_id, [ids[a] for a in LATER], limit=5)
        assert {by_id[p] for p in picks.paper_ids} == {"2608.00007", "2608.00008", "2608.00010"}
        counts = summary(session, user_id)
        assert (counts.upvoted, counts.collected, counts.read, counts.not_interested) == (
            1,
            1,
            1,
            2,
        )


def test_a_paper_marked_not_interested_is_no_positive_even_if_read(store):
    ids = seed_papers(store)
    with store.session() as session:
        user = create_user(session=session, username="reader", password="password123")
        session.flush()
        reading.set_state(session, user.id, ids["2608.00001"], "read", True)
        reading.set_state(session, user.id, ids["2608.00001"], "not_interested", True)
        assert liked_papers(session, user.id) == {}
        assert recommend(session, user.id, [ids[a] for a in LATER]).paper_ids == []
