"""The one upsert path: new, changed, unchanged; versions; withdrawals; listings."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from dailypapers.store.models import DailyListing, Paper, PaperVersion
from dailypapers.store.records import ListingRecord, PaperRecord, VersionRecord
from dailypapers.store.upsert import upsert_papers


def _record(arxiv_id: str = "2405.15738", **overrides) -> PaperRecord:
    values = dict(
        arxiv_id=arxiv_id,
        title="ConvLLaVA: Hierarchical Backbones",
        abstract="High-resolution large multimodal models.",
        authors=["Chunjiang Ge", "Sijie Cheng"],
        categories=["cs.CV", "cs.CL"],
        versions=[VersionRecord(1, datetime(2024, 5, 24, 17, 34, tzinfo=UTC))],
        upvotes=12,
        source="test",
        listing=ListingRecord(date=date(2024, 5, 27), source="hf"),
    )
    values.update(overrides)
    return PaperRecord(**values)


def test_insert_then_reimport_changes_nothing(store):
    with store.session() as s:
        first = upsert_papers(s, [_record(), _record("2405.00001")])
    assert (first.new, first.changed, first.unchanged) == (2, 0, 0)
    with store.session() as s:
        before = s.execute(select(Paper.arxiv_id, Paper.modified_at)).all()
    with store.session() as s:
        again = upsert_papers(s, [_record(), _record("2405.00001")])
    assert (again.new, again.changed, again.unchanged) == (0, 0, 2)
    assert again.changed_ids == []
    with store.session() as s:
        assert sorted(s.execute(select(Paper.arxiv_id, Paper.modified_at)).all()) == sorted(before)
        assert s.scalar(select(func.count()).select_from(PaperVersion)) == 2
        assert s.scalar(select(func.count()).select_from(DailyListing)) == 2


def test_stored_fields(store):
    with store.session() as s:
        upsert_papers(s, [_record()])
    with store.session() as s:
        paper = s.scalars(select(Paper)).one()
    assert paper.authors == ["Chunjiang Ge", "Sijie Cheng"]
    assert paper.primary_category == "cs.CV"
    assert paper.published_at == datetime(2024, 5, 24, 17, 34, tzinfo=UTC)
    assert paper.version == 1
    assert paper.imported_upvotes == 12
    assert paper.abs_url == "https://arxiv.org/abs/2405.15738"
    assert paper.pdf_url == "https://arxiv.org/pdf/2405.15738"


def test_newer_version_updates_and_keeps_history(store):
    with store.session() as s:
        upsert_papers(s, [_record()])
    v2 = VersionRecord(2, datetime(2024, 6, 1, tzinfo=UTC))
    newer = _record(title="ConvLLaVA v2", versions=[_record().versions[0], v2])
    with store.session() as s:
        result = upsert_papers(s, [newer])
    assert (result.new, result.changed) == (0, 1)
    with store.session() as s:
        paper = s.scalars(select(Paper)).one()
        versions = s.scalars(select(PaperVersion.version).order_by(PaperVersion.version)).all()
    assert paper.title == "ConvLLaVA v2"
    assert paper.version == 2
    assert paper.updated_at == datetime(2024, 6, 1, tzinfo=UTC)
    assert paper.published_at == datetime(2024, 5, 24, 17, 34, tzinfo=UTC)
    assert versions == [1, 2]


def test_older_version_fills_blanks_but_does_not_overwrite(store):
    v2 = VersionRecord(2, datetime(2024, 6, 1, tzinfo=UTC))
    with store.session() as s:
        upsert_papers(s, [_record(title="Newest", versions=[v2], doi=None)])
    with store.session() as s:
        upsert_papers(s, [_record(title="Oldest", doi="10.1/x")])
    with store.session() as s:
        paper = s.scalars(select(Paper)).one()
    assert paper.title == "Newest"
    assert paper.doi == "10.1/x"
    assert paper.version == 2


def test_partial_source_keeps_known_fields(store):
    with store.session() as s:
        upsert_papers(s, [_record(code_url="https://github.com/a/b")])
    sparse = PaperRecord(arxiv_id="2405.15738", title="ConvLLaVA: Hierarchical Backbones")
    with store.session() as s:
        result = upsert_papers(s, [sparse])
    assert result.unchanged == 1
    with store.session() as s:
        paper = s.scalars(select(Paper)).one()
    assert paper.abstract == "High-resolution large multimodal models."
    assert paper.code_url == "https://github.com/a/b"
    assert paper.imported_upvotes == 12


def test_imported_upvotes_only_grow(store):
    with store.session() as s:
        upsert_papers(s, [_record(upvotes=30)])
    with store.session() as s:
        assert upsert_papers(s, [_record(upvotes=5)]).unchanged == 1
    with store.session() as s:
        assert upsert_papers(s, [_record(upvotes=31)]).changed == 1
        assert s.scalars(select(Paper.imported_upvotes)).one() == 31


def test_withdrawn_paper_is_marked_not_deleted(store):
    with store.session() as s:
        upsert_papers(s, [_record()])
    when = datetime(2024, 7, 1, tzinfo=UTC)
    withdrawn = _record(
        versions=[VersionRecord(2, when)], withdrawn=True, comments="This paper has been withdrawn"
    )
    with store.session() as s:
        assert upsert_papers(s, [withdrawn]).changed == 1
    with store.session() as s:
        paper = s.scalars(select(Paper)).one()
        assert paper.withdrawn is True
        assert paper.withdrawn_at == when
        assert s.scalar(select(func.count()).select_from(PaperVersion)) == 2
    with store.session() as s:
        assert upsert_papers(s, [withdrawn]).unchanged == 1


def test_paper_is_listed_on_one_day_only(store):
    with store.session() as s:
        upsert_papers(s, [_record()])
    later = _record(listing=ListingRecord(date=date(2024, 6, 3), source="hf"))
    with store.session() as s:
        assert upsert_papers(s, [later]).unchanged == 1
    with store.session() as s:
        assert s.scalars(select(DailyListing.date)).all() == [date(2024, 5, 27)]


def test_listing_added_later_counts_as_change(store):
    with store.session() as s:
        upsert_papers(s, [_record(listing=None)])
    with store.session() as s:
        assert upsert_papers(s, [_record()]).changed == 1


def test_duplicates_within_a_batch_are_merged(store):
    a = _record(upvotes=3)
    b = _record(upvotes=9, versions=[VersionRecord(2, datetime(2024, 6, 1, tzinfo=UTC))])
    with store.session() as s:
        result = upsert_papers(s, [a, b])
    assert result.new == 1
    with store.session() as s:
        paper = s.scalars(select(Paper)).one()
        assert (paper.version, paper.imported_upvotes) == (2, 9)
        assert s.scalar(select(func.count()).select_from(PaperVersion)) == 2
