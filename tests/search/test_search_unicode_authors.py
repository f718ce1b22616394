"""Non-ASCII author names are searchable on both backends (no JSON escapes in the index)."""

from __future__ import annotations

from dailypapers.search.service import search_papers
from dailypapers.store.records import PaperRecord
from dailypapers.store.upsert import save_papers


def test_accented_author_name_is_found(store):
    store.settings.embed_inline_max = 0
    save_papers(
        store,
        [
            PaperRecord(
                arxiv_id="0704.0001",
                title="Calculation of prompt diphoton production cross sections",
                abstract="A fully differential calculation in perturbative QCD.",
                authors=["Csaba Balázs", "Edmond L. Berger"],
            )
        ],
    )
    for query in ("author:Balázs", 'author:"Csaba Balázs"', "Balázs diphoton"):
        page = search_papers(store, query, mode="lexical")
        assert [hit.arxiv_id for hit in page.hits] == ["0704.0001"], query
