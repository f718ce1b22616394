"""Hybrid search: lexical and semantic rankings fused, filters kept, and each hit says why."""

from __future__ import annotations

import pytest

from dailypapers.search import semantic
from dailypapers.search.fusion import Candidate, rrf
from dailypapers.search.service import search_papers
from dailypapers.search.vectors.indexing import index_papers
from dailypapers.store.upsert import save_papers
from support.search import CRAFTED, real_records, real_rows


@pytest.fixture
def papers(store):
    store.settings.embed_inline_max = 0  # vectors only where a test builds them
    save_papers(store, real_records(200))
    save_papers(store, CRAFTED)
    return store


@pytest.fixture
def embedded(papers, monkeypatch):
    # These tests are about fusion, filters and why-labels on a 200-paper corpus, where the
    # static model's cosines sit below its floor; the floor has tests of its own.
    monkeypatch.setitem(semantic.SIMILARITY_FLOORS, "static", 0.0)
    index_papers(papers, model="static")
    return papers


def test_rrf_rewards_papers_both_engines_rank():
    fused = rrf(
        [
            ([Candidate(1, 9.0), Candidate(2, 5.0), Candidate(3, 1.0)], 1.0),
            ([Candidate(4, 0.9), Candidate(2, 0.8), Candidate(3, 0.7)], 1.0),
        ]
    )
    assert max(fused, key=fused.get) == 2  # second in both beats first in one
    assert fused[3] > fused[1]  # third in both beats first in one


def test_without_vectors_hybrid_is_lexical(papers):
    hybrid = search_papers(papers, "zorbulating quaffle", mode="hybrid")
    lexical = search_papers(papers, "zorbulating quaffle", mode="lexical")
    # The same papers; hybrid's lexical half ranks by bm25 over any word, not every word first.
    assert {h.arxiv_id for h in hybrid.hits} == {h.arxiv_id for h in lexical.hits}
    assert all("semantic" not in h.why for h in hybrid.hits)


def test_semantic_hits_say_so_and_lexical_ones_list_words(embedded):
    page = search_papers(embedded, "zorbulating quaffle", limit=10)
    first = page.hits[0]
    assert first.arxiv_id == "2406.90001"
    assert "zorbulating" in first.why and "semantic" in first.why
    assert any(h.why == ["semantic"] for h in page.hits)  # found by meaning alone


def test_semantic_mode_finds_papers_without_the_words(embedded):
    row = real_rows(200)[5]
    page = search_papers(embedded, row["abstract"][:200], mode="semantic", limit=5)
    assert page.hits[0].arxiv_id == row["arxiv_id"]
    assert page.hits[0].why == ["semantic"]


def test_exact_title_goes_first_in_hybrid(embedded):
    row = real_rows(200)[33]
    assert search_papers(embedded, row["title"]).hits[0].arxiv_id == row["arxiv_id"]


def test_filters_apply_to_semantic_hits(embedded):
    page = search_papers(embedded, "quaffle prediction trajectories cat:cs.CV", limit=20)
    assert {h.arxiv_id for h in page.hits} <= {"2406.90003", "2406.90004"}
    page = search_papers(embedded, "language models", mode="semantic", category="cs.CL")
    assert [h.arxiv_id for h in page.hits] == ["2406.90001"]


def test_excluded_words_apply_to_semantic_hits(embedded):
    page = search_papers(embedded, "quaffle image editing -diffusion", limit=50)
    assert "2406.90003" not in {h.arxiv_id for h in page.hits}


def test_sort_by_date_and_votes(embedded):
    by_date = search_papers(embedded, "quaffle", sort="date")
    assert [h.arxiv_id for h in by_date.hits][:2] == ["2406.90004", "2406.90003"]
    by_votes = search_papers(embedded, "language model", sort="votes", limit=5, mode="lexical")
    votes = {r["arxiv_id"]: r.get("upvotes") or 0 for r in real_rows(200)}
    shown = [votes.get(h.arxiv_id, 0) for h in by_votes.hits]
    assert shown == sorted(shown, reverse=True)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 121}, "limit"),
        ({"offset": -1}, "offset"),
        ({"sort": "random"}, "sort"),
        ({"mode": "magic"}, "mode"),
    ],
)
def test_bad_arguments_are_refused_not_clamped(papers, kwargs, message):
    from dailypapers.errors import BadQuery

    with pytest.raises(BadQuery, match=message):
        search_papers(papers, "quaffle", **kwargs)


def test_a_hidden_paper_is_no_semantic_candidate_even_before_the_index_hears(embedded):
    from dailypapers.store.models import Paper

    row = real_rows(200)[5]
    query = row["abstract"][:200]
    assert (
        search_papers(embedded, query, mode="semantic", limit=5).hits[0].arxiv_id
        == (row["arxiv_id"])
    )
    with embedded.session() as session:  # moderation's flag, the keyword index not told
        session.query(Paper).filter_by(arxiv_id=row["arxiv_id"]).one().hidden = True
    for mode in ("semantic", "hybrid"):
        page = search_papers(embedded, query, mode=mode, limit=20)
        assert row["arxiv_id"] not in {h.arxiv_id for h in page.hits}
