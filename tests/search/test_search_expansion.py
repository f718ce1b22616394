"""Related words: the hybrid's keyword half also asks for a query word's near synonyms."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dailypapers.search import analysis, expansion
from dailypapers.search.health import guarded
from dailypapers.search.query import parse_query
from dailypapers.search.service import search_papers
from dailypapers.store.models import Paper
from dailypapers.store.upsert import save_papers
from support.search import crafted, real_records

PHOTO_PAPER = crafted(
    "2406.90101",
    "Turning One Photo of an Object Around",
    "We render a single photo of an object from new viewpoints.",
)
UNRELATED = crafted(
    "2406.90102",
    "Quaffle Scheduling for Garden Robots",
    "A scheduler for garden robots that water plants at night.",
)


@pytest.fixture
def on(monkeypatch):
    monkeypatch.setattr(expansion, "NEIGHBOURS", 2)
    monkeypatch.setattr(expansion, "MIN_COSINE", 0.7)


def test_related_words_are_near_synonyms_not_forms_of_the_word(on):
    related = dict(expansion.related_words(["picture", "several"]))
    assert "photo" in related  # "picture" → a photo
    assert "many" in related  # "several" → many
    taken = {s for word in ("picture", "several") for s in analysis.text_tokens(word)}
    assert not {s for word in related for s in analysis.text_tokens(word)} & taken  # no "pictures"
    assert all(0 < weight <= expansion.WEIGHT for weight in related.values())
    assert len(related) <= 2 * expansion.NEIGHBOURS
    assert list(related.values()) == sorted(related.values(), reverse=True)


def test_stop_words_and_words_far_from_any_bring_nothing(on, monkeypatch):
    assert expansion.related_words(["zzzxqqq", "quaffle"]) == []
    monkeypatch.setattr(expansion, "NEIGHBOURS", 50)
    monkeypatch.setattr(expansion, "MIN_COSINE", 0.3)
    related = {word for word, _ in expansion.related_words(["several", "few"])}
    assert "many" in related
    assert not related & (expansion.QUERY_STOPWORDS | analysis.PHRASE_STOPWORDS)  # "some", "more"


def test_off_when_no_neighbours_are_asked(monkeypatch):
    monkeypatch.setattr(expansion, "NEIGHBOURS", 0)
    assert expansion.related_words(["picture"]) == []


@pytest.fixture
def papers(store):
    store.settings.embed_inline_max = 0
    save_papers(store, [*real_records(50), PHOTO_PAPER, UNRELATED])
    return store


# A long query (more than LONG_QUERY_WORDS words) describes a paper: its words are expanded.
LONG = "picture quaffle garden robots watering plants nightly schedules"


def _found(store, query: str, rank: str) -> list[str]:
    result = guarded(store).search(parse_query(query), limit=20, rank=rank)
    with store.session() as session:
        by_id = dict(session.execute(select(Paper.id, Paper.arxiv_id)).all())
    return [by_id[i] for i in result.ids]


def test_the_hybrids_keyword_half_finds_a_paper_in_other_words(papers, on):
    # No word of the query is in the photo paper; a related word ("photo") is.
    found = _found(papers, LONG, rank="any")
    assert "2406.90101" in found
    assert found[0] == "2406.90102"  # the paper with the query's own word still ranks first


def test_keyword_search_itself_is_not_expanded(papers, on):
    # mode=lexical (every word first, then any): a word means that word.
    assert "2406.90101" not in _found(papers, LONG, rank="all-first")


def test_a_short_query_names_a_paper_and_is_not_expanded(papers, on):
    assert "2406.90101" not in _found(papers, "picture quaffle", rank="any")


def test_without_expansion_the_keyword_half_misses_it(papers, monkeypatch):
    monkeypatch.setattr(expansion, "NEIGHBOURS", 0)
    assert "2406.90101" not in _found(papers, LONG, rank="any")


def test_a_hit_says_which_related_word_it_holds(papers, on):
    page = search_papers(papers, LONG, mode="hybrid")
    why = {hit.arxiv_id: hit.why for hit in page.hits}
    assert why["2406.90101"] == ["related photo"]
    assert {"quaffle", "garden", "robots"} <= set(why["2406.90102"])
    # Keyword search asks no related words, so none is named.
    lexical = search_papers(papers, LONG, mode="lexical")
    assert all(not w.startswith("related") for hit in lexical.hits for w in hit.why)


def test_each_words_neighbours_are_worked_out_once_and_the_tunables_still_apply(on, monkeypatch):
    first = expansion.related_words(["picture", "several"])
    assert {"picture", "several"} <= set(expansion._nearest)
    monkeypatch.setattr(expansion, "_nearest_words", lambda keys: pytest.fail(f"recomputed {keys}"))
    assert expansion.related_words(["picture", "several"]) == first
    monkeypatch.setattr(expansion, "MIN_COSINE", 0.99)
    assert expansion.related_words(["picture", "several"]) == []
