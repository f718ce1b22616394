"""Rows by a list of ids: the same rows on both backends, one array parameter on PostgreSQL."""

from __future__ import annotations

from sqlalchemy import event, select

from dailypapers.feed.cards import load_cards
from dailypapers.store.id_lists import among, for_dialect
from dailypapers.store.models import Paper
from dailypapers.store.records import PaperRecord
from dailypapers.store.upsert import save_papers

_BY_IDS = for_dialect(lambda postgresql: select(Paper.arxiv_id).where(among(Paper.id, postgresql)))


def _papers(store, n: int) -> list[int]:
    save_papers(
        store,
        [PaperRecord(arxiv_id=f"2401.{i:05d}", title=f"Paper {i}") for i in range(1, n + 1)],
    )
    with store.session() as s:
        return list(s.scalars(select(Paper.id).order_by(Paper.arxiv_id)))


def test_rows_by_ids_are_the_asked_ones_whatever_their_number(store):
    ids = _papers(store, 30)
    with store.session() as s:
        for wanted in ([], ids[:1], ids[3:23], ids, [*ids[:2], 10**9]):
            got = set(s.scalars(_BY_IDS(s), {"ids": wanted}))
            assert got == {f"2401.{ids.index(i) + 1:05d}" for i in wanted if i in ids}


def test_postgresql_sends_a_page_of_ids_as_one_array(store, backend):
    ids = _papers(store, 25)
    sent: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        sent.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        with store.session() as s:
            cards = load_cards(s, ids)
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    assert [c.id for c in cards] == ids
    by_papers = [(st, p) for st, p in sent if "FROM papers" in st]
    assert by_papers, sent
    statement, parameters = by_papers[0]
    # Besides the ids, one parameter: the reader whose votes the cards show (none here).
    if backend == "postgresql":
        assert "= ANY (" in statement
        assert sorted(parameters.values(), key=str) == [None, ids]
    else:
        assert " IN (" in statement and len(parameters) == len(ids) + 1
