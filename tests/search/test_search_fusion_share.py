"""Convex fusion leans on the semantic half when the best keyword match holds few query words."""

from __future__ import annotations

from sqlalchemy import select

from dailypapers.search.fusion import Candidate, fuse
from dailypapers.search.query import parse_query
from dailypapers.store.models import Paper
from dailypapers.store.upsert import save_papers
from support.search import crafted


def _ids(store) -> dict[str, int]:
    with store.session() as session:
        return dict(session.execute(select(Paper.arxiv_id, Paper.id)).all())


def test_a_weak_keyword_match_gives_way_to_a_close_meaning(store):
    store.settings.embed_inline_max = 0
    save_papers(
        store,
        [
            # Holds one of the four query words: the keyword half's best, but a poor match.
            crafted("2406.90901", "Notes on Gliders", "A router for packets in small networks."),
            # Holds every query word.
            crafted(
                "2406.90902",
                "Notes on Kites",
                "A router that remembers earlier layers' choices in a deep network.",
            ),
            # Holds none: found by meaning only.
            crafted("2406.90903", "Notes on Sails", "Recurrent expert selection across depth."),
        ],
    )
    ids = _ids(store)
    query = parse_query("router remembers earlier layers")
    semantic = [Candidate(ids["2406.90903"], 0.62)]

    weak = [Candidate(ids["2406.90901"], 4.0)]
    ranked = fuse(store, query, weak, semantic, mode="hybrid")
    assert ranked[0].paper_id == ids["2406.90903"]

    strong = [Candidate(ids["2406.90902"], 4.0)]
    ranked = fuse(store, query, strong, semantic, mode="hybrid")
    assert ranked[0].paper_id == ids["2406.90902"]  # a full keyword match keeps its half share
