"""Lexical search on both backends: bm25 with field weights, stemming and the query language."""

from __future__ import annotations

from datetime import date

import pytest

from dailypapers.search.service import search_papers
from dailypapers.store.upsert import save_papers
from support.search import CRAFTED, real_records, real_rows


@pytest.fixture
def papers(store):
    store.settings.embed_inline_max = 0  # lexical tests: no time spent embedding
    save_papers(store, real_records(300))
    save_papers(store, CRAFTED)
    return store


def ids(page):
    return [hit.arxiv_id for hit in page.hits]


def lexical(store, query, **kwargs):
    return search_papers(store, query, mode="lexical", **kwargs)


def test_title_match_beats_abstract_only_match(papers):
    found = ids(lexical(papers, "zorbulating quaffle"))
    assert found[:2] == ["2406.90001", "2406.90002"]


def test_stemming_matches_other_word_forms(papers):
    assert "2406.90001" in ids(lexical(papers, "zorbulated transformer"))
    assert "2406.90003" in ids(lexical(papers, "diffusions quaffles"))


def test_phrase_needs_the_words_in_order(papers):
    found = ids(lexical(papers, '"image editing" quaffle'))
    assert "2406.90003" in found
    assert "2406.90004" not in found  # has "image" and "editing", not the phrase


def test_a_stop_word_in_a_phrase_matches_any_one_word(papers):
    # As PostgreSQL's phraseto_tsquery('english'): "editing an image" finds "Editing the Image".
    found = ids(lexical(papers, '"editing an image" quaffle'))
    assert "2406.90004" in found
    assert "2406.90003" not in found  # "image editing": the words, not in that order


def test_exclude_removes_papers_with_the_word(papers):
    found = ids(lexical(papers, "quaffle -diffusion"))
    assert "2406.90003" not in found
    assert {"2406.90001", "2406.90004"} <= set(found)


def test_author_filter_by_last_name_and_full_name(papers):
    assert set(ids(lexical(papers, "author:Vellacourt"))) == {"2406.90001", "2406.90003"}
    # A quoted full name also finds it with a middle initial in between.
    assert set(ids(lexical(papers, 'author:"Jonas Brightwater"'))) == {"2406.90001", "2406.90004"}
    assert ids(lexical(papers, 'quaffle author:"Marta Vellacourt" -diffusion')) == ["2406.90001"]


def test_a_name_typed_as_a_word_matches_authors(papers):
    assert ids(lexical(papers, "ostrander"))[:1] == ["2406.90002"]


def test_category_filter(papers):
    assert set(ids(lexical(papers, "quaffle cat:cs.cv"))) == {"2406.90003", "2406.90004"}
    assert set(ids(lexical(papers, "quaffle", category="cs.CL"))) == {"2406.90001"}


def test_date_filters(papers):
    assert set(ids(lexical(papers, "quaffle since:2025-01-01"))) == {"2406.90003", "2406.90004"}
    assert set(ids(lexical(papers, "quaffle until:2024-06-03"))) == {"2406.90001"}
    found = lexical(papers, "quaffle", since=date(2024, 6, 4), until=date(2025, 2, 14))
    assert set(ids(found)) == {"2406.90002", "2406.90003"}


def test_has_code_filter(papers):
    assert ids(lexical(papers, "quaffle", has_code=True)) == ["2406.90001"]
    assert "2406.90001" not in ids(lexical(papers, "quaffle", has_code=False))


def test_all_words_first_then_any_word(papers):
    page = lexical(papers, "zorbulating diffusion", limit=10)
    # No paper has both words: papers with either one are ranked instead.
    assert page.matched == "any"
    assert {"2406.90001", "2406.90002"} <= set(ids(page))
    assert any(hit.why == ["diffusion"] for hit in page.hits)


def test_a_hyphenated_word_is_a_phrase_when_all_words_must_match(papers):
    found = ids(lexical(papers, "quaffle-players", limit=10))
    assert found[0] == "2406.90004"  # "Editing the Image of Quaffle Players"
    assert "2406.90003" not in found  # "quaffle", not "quaffle players"


def test_a_hyphenated_word_counts_as_its_parts_when_any_word_may_match(papers):
    page = lexical(papers, "quaffle-players zorbulating", limit=10)
    found = ids(page)
    assert page.matched == "any"  # no paper has the phrase and "zorbulating"
    assert {"2406.90001", "2406.90002", "2406.90004"} <= set(found)
    assert "2406.90003" in found  # has "quaffle", a part of the hyphenated word


def test_papers_with_every_word_come_before_papers_with_some(papers):
    page = lexical(papers, "quaffle editing", limit=10)
    found = ids(page)
    both = {"2406.90003", "2406.90004"}
    assert page.matched == "any"  # two papers have both words: too few for a page of 10
    assert set(found[:2]) == both
    assert "2406.90001" in found[2:]


def test_arxiv_id_or_url_returns_that_paper_first(papers):
    row = real_rows(300)[17]
    page = lexical(papers, f"https://arxiv.org/abs/{row['arxiv_id']}v1")
    assert ids(page) == [row["arxiv_id"]]
    assert page.hits[0].why == ["arXiv id"]
    mixed = lexical(papers, f"{row['arxiv_id']} quaffle")
    assert ids(mixed)[0] == row["arxiv_id"]
    assert "2406.90001" in ids(mixed)


def test_unknown_arxiv_id_finds_nothing(papers):
    page = lexical(papers, "2101.99999")
    assert page.hits == [] and page.total == 0


def test_real_paper_found_by_its_title_words(papers):
    row = real_rows(300)[42]
    page = lexical(papers, row["title"])
    assert ids(page)[0] == row["arxiv_id"]


def test_why_lists_matched_words(papers):
    hit = lexical(papers, "zorbulating transformers").hits[0]
    assert hit.why == ["zorbulating", "transformers"]


def test_pagination_and_total(papers):
    first = lexical(papers, "quaffle", limit=2)
    second = lexical(papers, "quaffle", limit=2, offset=2)
    # tantivy does not count past the page (a lower bound), PostgreSQL counts.
    assert first.total == 4 if first.total_exact else first.total > 2
    assert second.total_exact and second.total == 4
    assert len(set(ids(first)) | set(ids(second))) == 4


def test_sort_by_date(papers):
    found = ids(lexical(papers, "quaffle", sort="date"))
    assert found == ["2406.90004", "2406.90003", "2406.90002", "2406.90001"]


def test_filter_only_query_lists_matching_papers(papers):
    assert set(ids(lexical(papers, "cat:cs.CV"))) == {"2406.90003", "2406.90004"}


def test_a_rare_word_outranks_a_common_word_repeated(store):
    """bm25 on both backends: idf makes the rare word count, and term frequency saturates, so
    a paper saying "learning" over and over does not beat the one with the word typed that
    few papers have."""
    from support.search import crafted

    store.settings.embed_inline_max = 0
    fillers = [
        crafted(f"2406.908{n:02d}", f"Sequence Study {n}", "Learning with sequence tasks.")
        for n in range(10, 30)
    ]
    save_papers(
        store,
        [
            *fillers,
            crafted(
                "2406.90801",
                "A Note on Sequence Tasks",
                "Learning learning learning, learned by learning, for learning to learn.",
            ),
            crafted(
                "2406.90802",
                "A Note on Sequence Problems",
                "We describe the grommeltide effect in passing, among other observations.",
            ),
        ],
    )
    found = ids(search_papers(store, "grommeltide learning", mode="hybrid"))
    assert found[0] == "2406.90802"
    assert found.index("2406.90801") == 1  # the repeated common word still counts


def test_a_long_query_ranks_by_the_whole_paper_not_field_by_field(store):
    """A query of many words describes a paper: it is scored over one body field (title twice,
    then abstract), so a word repeated in a short title and its abstract does not count twice
    over a paper whose abstract holds more of the described idea (summed per-field bm25 put
    2406.90801 first here)."""
    from support.search import crafted

    store.settings.embed_inline_max = 0
    fillers = [
        crafted(
            f"2406.908{n:02d}",
            f"Study {n} of sequence tasks",
            "We study sequence tasks with video and other frames of data, learning across many "
            "tasks in general settings.",
        )
        for n in range(10, 40)
    ]
    save_papers(
        store,
        [
            *fillers,
            crafted(
                "2406.90801",
                "Video Model Generation",
                "A video model for generation: video generation with a model.",
            ),
            crafted(
                "2406.90802",
                "A Note on Sampling",
                "We keep temporal consistency across frames when a diffusion model makes clips, "
                "with a new noise schedule for sampling.",
            ),
        ],
    )
    query = "video generation diffusion model keeping temporal consistency across frames"
    found = ids(lexical(store, query))
    assert found[:2] == ["2406.90802", "2406.90801"]
    # A short query still ranks field by field: the title match comes first.
    assert ids(lexical(store, "video generation"))[0] == "2406.90801"
