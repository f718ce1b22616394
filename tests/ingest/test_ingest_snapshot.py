"""The arXiv metadata snapshot importer, on the real first 200 records of the snapshot."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from dailypapers.errors import MalformedRecord
from dailypapers.ingest.normalize import author_name, looks_withdrawn, split_authors
from dailypapers.ingest.snapshot import snapshot_record
from dailypapers.store.models import DailyListing, Paper, PaperVersion
from support.cli import run_cli, stats


@pytest.fixture(scope="module")
def sample_lines(sample_data) -> list[str]:
    return (sample_data / "arxiv_metadata_sample.jsonl").read_text().splitlines()


def _line(sample_lines: list[str], arxiv_id: str) -> dict:
    return next(json.loads(x) for x in sample_lines if f'"id":"{arxiv_id}"' in x)


def test_record_fields_from_a_real_line(sample_lines):
    record = snapshot_record(_line(sample_lines, "0704.0001"))
    assert record.arxiv_id == "0704.0001"
    assert record.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert record.authors == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]
    assert record.categories == ["hep-ph"]
    assert record.abstract.startswith("A fully differential calculation in perturbative")
    assert "\n" not in record.abstract and "  " not in record.abstract
    assert [v.version for v in record.versions] == [1, 2]
    assert record.published_at == datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)
    assert record.updated_at == datetime(2007, 7, 24, 20, 10, 27, tzinfo=UTC)
    assert record.version == 2
    assert record.doi == "10.1103/PhysRevD.76.013009"
    assert record.journal_ref == "Phys.Rev.D76:013009,2007"
    assert record.comments == "37 pages, 15 figures; published version"
    assert record.license is None
    assert record.withdrawn is False


def test_primary_category_first_and_license(sample_lines):
    record = snapshot_record(_line(sample_lines, "0704.0002"))
    assert record.categories == ["math.CO", "cs.CG"]
    assert record.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"


def test_raw_author_string_is_the_fallback_with_latex_cleaned(sample_lines):
    item = _line(sample_lines, "0704.0001")
    del item["authors_parsed"]
    record = snapshot_record(item)
    assert record.authors == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]


def test_author_names():
    assert author_name(["Yuan", "C. -P.", ""]) == "C.-P. Yuan"
    assert author_name(["Smith", "John", "Jr"]) == "John Smith Jr"
    assert author_name(['M{\\"u}ller', "J.", ""]) == "J. Müller"
    assert split_authors("Ileana Streinu and Louis Theran") == ["Ileana Streinu", "Louis Theran"]
    assert split_authors("A. One (MIT), B. Two, et al") == ["A. One", "B. Two"]


def test_withdrawn_paper_from_the_real_sample(sample_lines):
    record = snapshot_record(_line(sample_lines, "0704.0156"))
    assert record.withdrawn is True
    assert record.withdrawn_at == datetime(2008, 3, 5, 4, 28, 27, tzinfo=UTC)  # v2, the withdrawal


def test_withdrawal_phrases():
    assert looks_withdrawn("This paper has been withdrawn by the author due to an error")
    assert looks_withdrawn(None, "This submission has been withdrawn by arXiv administrators")
    assert not looks_withdrawn("We study withdrawn liquidity in markets", None)


def test_bad_records_raise_malformed():
    with pytest.raises(MalformedRecord):
        snapshot_record({"title": "no id"})
    with pytest.raises(MalformedRecord):
        snapshot_record({"id": "0704.0001", "title": "x", "versions": [{"created": "never"}]})


def test_import_sample_into_the_store(settings, store, sample_data):
    ran = run_cli(settings, "import", str(sample_data / "arxiv_metadata_sample.jsonl"))
    assert ran.exit_code == 0, ran.stderr
    assert "200 new, 0 changed, 0 unchanged, 0 skipped" in ran.stdout
    counts = stats(settings)
    assert counts["papers"] == 200
    assert counts["daily_listings"] == 0  # snapshot papers are not featured by default
    assert counts["withdrawn_papers"] >= 1
    with store.session() as s:
        paper = s.scalars(select(Paper).where(Paper.arxiv_id == "0704.0001")).one()
        versions = s.execute(
            select(PaperVersion.version, PaperVersion.submitted_at)
            .where(PaperVersion.paper_id == paper.id)
            .order_by(PaperVersion.version)
        ).all()
        withdrawn = s.scalars(select(Paper).where(Paper.arxiv_id == "0704.0156")).one()
    assert paper.authors[0] == "C. Balázs"
    assert paper.primary_category == "hep-ph"
    assert paper.published_at == datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)
    assert versions == [
        (1, datetime(2007, 4, 2, 19, 18, 42, tzinfo=UTC)),
        (2, datetime(2007, 7, 24, 20, 10, 27, tzinfo=UTC)),
    ]
    assert withdrawn.withdrawn and withdrawn.withdrawn_at == datetime(
        2008, 3, 5, 4, 28, 27, tzinfo=UTC
    )


def test_a_later_withdrawal_marks_the_paper_and_keeps_it(settings, store, sample_data, tmp_path):
    item = _line(
        (sample_data / "arxiv_metadata_sample.jsonl").read_text().splitlines(), "0704.0002"
    )
    first = tmp_path / "v2.jsonl"
    first.write_text(json.dumps(item) + "\n")
    assert run_cli(settings, "import", str(first)).exit_code == 0
    # The same paper, as a later snapshot shows it after its author withdrew it in v3.
    item["versions"].append({"version": "v3", "created": "Tue, 3 Mar 2009 10:00:00 GMT"})
    item["comments"] = "This paper has been withdrawn by the author due to a crucial error"
    item["abstract"] = "  This paper has been withdrawn by the author.\n"
    later = tmp_path / "v3.jsonl.gz"
    later.write_bytes(gzip.compress((json.dumps(item) + "\n").encode()))
    ran = run_cli(settings, "import", str(later))
    assert ran.exit_code == 0, ran.stderr
    assert "0 new, 1 changed" in ran.stdout
    with store.session() as s:
        paper = s.scalars(select(Paper)).one()
        assert s.scalar(select(PaperVersion.version).order_by(PaperVersion.version.desc())) == 3
    assert paper.withdrawn is True
    assert paper.withdrawn_at == datetime(2009, 3, 3, 10, 0, tzinfo=UTC)
    assert paper.title == "Sparsity-certifying Graph Decompositions"


def test_feature_lists_papers_on_their_submission_date(settings, store, sample_data):
    ran = run_cli(settings, "import", "--feature", str(sample_data / "arxiv_metadata_sample.jsonl"))
    assert ran.exit_code == 0, ran.stderr
    with store.session() as s:
        listing = s.execute(
            select(DailyListing.date, DailyListing.source)
            .join(Paper, Paper.id == DailyListing.paper_id)
            .where(Paper.arxiv_id == "0704.0001")
        ).one()
        assert s.scalar(select(DailyListing.id).where(DailyListing.source != "arxiv")) is None
    assert listing == (date(2007, 4, 2), "arxiv")
