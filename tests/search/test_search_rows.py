"""Bulk imports hand the lexical listener the rows they wrote: the same documents as a read-back."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from dailypapers.search.lexical.tantivy.store_docs import doc_of_row, read_docs
from dailypapers.store.records import ListingRecord, PaperRecord, VersionRecord
from dailypapers.store.upsert import save_papers, upsert_papers
from support.search import real_records


def _records() -> list[PaperRecord]:
    listed = PaperRecord(
        arxiv_id="2406.90020",
        title="Listed Paper",
        abstract="Listed on a day of its own.",
        authors=["Ana Müller", "Bo Li"],
        categories=["cs.CL", "cs.LG"],
        versions=[VersionRecord(1, datetime(2024, 6, 1, 23, 30, tzinfo=UTC))],
        code_url="https://github.com/example/listed",
        upvotes=7,
        listing=ListingRecord(date=date(2024, 6, 3), source="hf"),
    )
    bare = PaperRecord(arxiv_id="2406.90021", title="Bare", withdrawn=True)
    return [*real_records(30), listed, bare]


@pytest.mark.parametrize("backend", ["sqlite"])  # tantivy documents belong to SQLite mode
def test_documents_from_rows_equal_documents_read_back(store):
    with store.session() as session:
        result = upsert_papers(session, _records())
    assert set(result.new_rows) == set(result.changed_ids)
    with store.session() as session:
        read = {doc.id: doc for doc in read_docs(session, result.changed_ids)}
    for paper_id, row in result.new_rows.items():
        assert doc_of_row(paper_id, row) == read[paper_id]


def test_a_batch_result_carries_its_inserted_rows_changed_ids_and_change_number(store):
    first = save_papers(store, _records())
    ids, rows = first.changed_ids, first.new_rows
    assert sorted(rows) == sorted(ids) and len(ids) == first.new
    record = _records()[-2]
    record.title = "Listed Paper, Revised"
    record.versions = [*record.versions, VersionRecord(2)]
    second = save_papers(store, [record])
    assert len(second.changed_ids) == 1 and second.new_rows == {}  # a change: read back
    assert second.change_seq == first.change_seq + 1
