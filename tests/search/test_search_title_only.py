"""The semantic half knows which candidates are title-only (their cosine counts less)."""

from __future__ import annotations

from sqlalchemy import select, update

from dailypapers.search.semantic import _hidden_and_title_only, _title_only
from dailypapers.store.models import Paper
from dailypapers.store.records import PaperRecord
from dailypapers.store.upsert import save_papers


def test_papers_without_an_abstract_are_found_by_the_partial_index(store):
    save_papers(
        store,
        [
            PaperRecord(arxiv_id="2406.91001", title="With abstract", abstract="Some text."),
            PaperRecord(arxiv_id="2406.91002", title="Title only"),
            PaperRecord(arxiv_id="2406.91003", title="Empty abstract", abstract="Later."),
        ],
    )
    with store.session() as session:
        ids = dict(session.execute(select(Paper.arxiv_id, Paper.id)).all())
        session.execute(update(Paper).where(Paper.arxiv_id == "2406.91003").values(abstract=""))
    found = _title_only(store, list(ids.values()))
    assert found == {ids["2406.91002"], ids["2406.91003"]}
    assert _title_only(store, []) == set()


def test_one_read_says_which_candidates_are_hidden_and_which_title_only(store):
    save_papers(
        store,
        [
            PaperRecord(arxiv_id="2406.91011", title="Shown", abstract="Some text."),
            PaperRecord(arxiv_id="2406.91012", title="Title only"),
            PaperRecord(arxiv_id="2406.91013", title="Hidden", abstract="Spam."),
            PaperRecord(arxiv_id="2406.91014", title="Hidden and title only"),
        ],
    )
    with store.session() as session:
        ids = dict(session.execute(select(Paper.arxiv_id, Paper.id)).all())
        session.execute(
            update(Paper)
            .where(Paper.arxiv_id.in_(["2406.91013", "2406.91014"]))
            .values(hidden=True)
        )
    hidden, short = _hidden_and_title_only(store, [*ids.values(), 10**9])
    assert hidden == {ids["2406.91013"], ids["2406.91014"]}
    assert ids["2406.91012"] in short and ids["2406.91011"] not in short
    assert _hidden_and_title_only(store, []) == (set(), set())
