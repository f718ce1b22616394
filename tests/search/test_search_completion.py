"""Before hybrid fusion each half scores the papers only the other half found (completion.py)."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select

from dailypapers.search import completion, semantic, service
from dailypapers.search.fusion import Candidate
from dailypapers.search.health import guarded
from dailypapers.search.lexical.base import Filters
from dailypapers.search.query import parse_query
from dailypapers.search.semantic import SemanticHalf
from dailypapers.search.service import search_papers
from dailypapers.search.vectors.indexing import index_papers
from dailypapers.search.vectors.pgvector import PgVectorIndex
from dailypapers.search.vectors.registry import open_vector_index
from dailypapers.store.models import Paper
from dailypapers.store.upsert import save_papers
from support.search import crafted, real_records

QUAFFLE = [
    crafted("2406.91001", "Quaffle Gardens", "Quaffle gardens and quaffle hedges, quaffle only."),
    crafted("2406.91002", "Quaffle Hedges", "Quaffle hedges trimmed by quaffle robots."),
    # One query word, once, in a long abstract: far down the keyword ranking.
    crafted(
        "2406.91003",
        "Notes on Orchards",
        "Orchards need water, light and care; this note describes how a small team keeps an "
        "orchard of apple trees healthy through dry summers, with one remark on a garden.",
    ),
    # No query word at all.
    crafted("2406.91004", "Notes on Sails", "Sails catch wind; a boat moves."),
    crafted("2406.91005", "Notes on Kites", ""),  # title-only
]


def _ids(store) -> dict[str, int]:
    with store.session() as session:
        return dict(session.execute(select(Paper.arxiv_id, Paper.id)).all())


@pytest.fixture
def papers(store):
    store.settings.embed_inline_max = 0
    save_papers(store, [*real_records(60), *QUAFFLE])
    return store


def test_the_keyword_index_scores_given_papers_as_its_ranking_does(papers):
    engine = guarded(papers)
    # A short query and a long one (its words expanded with related words, `body` field).
    for text in ("quaffle garden", "quaffle garden hedges robots water orchards summers care"):
        query = parse_query(text)
        ranked = engine.search(query, limit=50, rank="any")
        assert len(ranked.ids) >= 3
        wanted = ranked.ids[1:4] + [10**9]  # an id the index lacks is simply absent
        scores = engine.score_ids(wanted, query, Filters())
        assert set(scores) == set(ranked.ids[1:4])
        for paper_id, score in zip(ranked.ids, ranked.scores, strict=True):
            if paper_id in scores:
                assert scores[paper_id] == pytest.approx(score, rel=1e-6)


def test_papers_without_a_query_word_get_no_keyword_score(papers):
    ids = _ids(papers)
    query = parse_query("quaffle garden")
    scores = guarded(papers).score_ids([ids["2406.91004"], ids["2406.91001"]], query, Filters())
    assert set(scores) == {ids["2406.91001"]}
    assert guarded(papers).score_ids([], query, Filters()) == {}


def test_the_vector_index_scores_given_papers_as_its_search_does(papers):
    index_papers(papers, model="static")
    vector, index, _ = semantic.query_vector(papers, "quaffle gardens and hedges")
    found, cosines = index.search(vector, 10, exact=True)
    indexes = [index] if papers.is_sqlite else [index, PgVectorIndex(papers)]
    for each in indexes:  # PostgreSQL: this machine's copy and pgvector itself
        each.search(vector, 10, exact=True)  # the copy answers from itself once it was asked
        scores = each.scores(vector, [int(i) for i in found[2:6]] + [10**9])
        assert set(scores) == {int(i) for i in found[2:6]}
        for paper_id, cosine in zip(found, cosines, strict=True):
            if int(paper_id) in scores:
                assert scores[int(paper_id)] == pytest.approx(float(cosine), abs=1e-5)
        assert each.scores(vector, []) == {}


class _Vectors:
    """A vector index whose cosines the test sets."""

    def __init__(self, cosines: dict[int, float]) -> None:
        self.cosines = cosines

    def scores(self, vector, ids):  # noqa: ANN001, ANN201
        return {i: self.cosines[i] for i in ids if i in self.cosines}


def test_each_half_is_followed_by_the_other_halfs_papers_it_scores(papers, monkeypatch):
    ids = _ids(papers)
    gardens, hedges, orchards, sails, kites = (ids[f"2406.9100{n}"] for n in range(1, 6))
    cosines = {gardens: 0.5, hedges: 0.2, kites: 0.6}  # hedges: below the floor
    half = SemanticHalf(
        [Candidate(sails, 0.7), Candidate(orchards, 0.6)],
        "minilm",
        np.zeros(3, dtype=np.float32),
        _Vectors(cosines),
    )
    lexical = [Candidate(gardens, 9.0), Candidate(hedges, 8.0), Candidate(kites, 1.0)]
    keyword = {orchards: 1.5, sails: 0.0}  # sails holds no query word
    lexical_out, semantic_out = completion.completed(papers, half, lexical, keyword)
    assert lexical_out == [*lexical, Candidate(orchards, 1.5)]
    # Kites has no abstract: its cosine counts the title-only penalty less.
    assert semantic_out[:2] == half.candidates
    assert semantic_out[2:] == [
        Candidate(gardens, 0.5),
        Candidate(kites, pytest.approx(0.6 - semantic.TITLE_ONLY_PENALTY)),
    ]

    # Only the keyword ranking's first COSINE_DEPTH papers are given a cosine.
    monkeypatch.setattr(completion, "COSINE_DEPTH", 2)
    _, semantic_out = completion.completed(papers, half, lexical, keyword)
    assert semantic_out[2:] == [Candidate(gardens, 0.5)]


def test_a_paper_the_semantic_half_found_shows_its_keyword_match(papers, monkeypatch):
    ids = _ids(papers)
    orchards, sails = ids["2406.91003"], ids["2406.91004"]

    def nearest(store, query, filters, engine, *, k):  # noqa: ANN001, ANN202
        return SemanticHalf(
            [Candidate(orchards, 0.8), Candidate(sails, 0.7)],
            "minilm",
            np.zeros(3, dtype=np.float32),
            _Vectors({}),
        )

    monkeypatch.setattr(completion, "semantic_candidates", nearest)
    # The keyword half's top holds only the two quaffle papers, not the orchard note.
    monkeypatch.setattr(service, "CANDIDATES", 2)
    lexical_top = set(
        guarded(papers).search(parse_query("quaffle garden"), limit=2, rank="any").ids
    )
    assert orchards not in lexical_top
    hits = search_papers(papers, "quaffle garden", mode="hybrid", limit=2).hits
    assert {h.arxiv_id: h.why for h in hits}["2406.91003"] == [
        "garden",
        "semantic",
    ]  # scored by both halves

    monkeypatch.setattr(completion, "ENABLED", False)
    hits = search_papers(papers, "quaffle garden", mode="hybrid", limit=2).hits
    assert {h.arxiv_id: h.why for h in hits}["2406.91003"] == ["semantic"]


def test_keyword_search_and_sorted_search_are_not_completed(papers, monkeypatch):
    def fail(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("completed outside hybrid relevance")

    monkeypatch.setattr(completion, "completed", fail)
    monkeypatch.setattr(service, "completed", fail)
    search_papers(papers, "quaffle garden", mode="lexical")
    search_papers(papers, "quaffle garden", mode="semantic")
    search_papers(papers, "quaffle garden", mode="hybrid", sort="date")


def test_the_store_index_is_the_one_that_scores(papers):
    # The semantic half keeps the index object that answered, so the copy's choice holds.
    index_papers(papers, model="static")
    half = semantic.semantic_candidates(
        papers, parse_query("quaffle gardens"), Filters(), guarded(papers), k=5
    )
    assert type(half.index) is type(open_vector_index(papers))
    assert half.vector is not None
