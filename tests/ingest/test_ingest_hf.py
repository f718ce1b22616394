"""Hugging Face daily papers: the flat JSON-lines dump and the API's own JSON."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from dailypapers.ingest.hf_daily import hf_record
from dailypapers.ingest.normalize import prose
from dailypapers.store.models import DailyListing, Paper
from support.cli import run_cli, stats

HF_PAPERS = 700  # tests/data/hf_daily_papers.jsonl: the first 700 real records


@pytest.fixture(scope="module")
def real_records(sample_data) -> list[dict]:
    """Real records with abstracts, dates and upvotes, for building API-shaped files."""
    chosen = []
    with open(sample_data / "hf_daily_papers.jsonl") as lines:
        for line in lines:
            item = json.loads(line)
            if item["abstract"] and item["published_at"] and item["upvotes"] and item["authors"]:
                chosen.append(item)
            if len(chosen) == 30:
                break
    return chosen


def api_item(record: dict, submitted_on_daily_at: str | None = None) -> dict:
    """A real record in the shape of huggingface.co/api/daily_papers items."""
    paper = {
        "id": record["arxiv_id"],
        "authors": [
            {"_id": f"a{i}", "name": name, "hidden": False}
            for i, name in enumerate(record["authors"])
        ],
        "publishedAt": record["published_at"],
        "title": record["title"],
        "summary": record["abstract"],
        "upvotes": record["upvotes"],
        "discussionId": "670f31cfe218fd7c74db6c47",
    }
    if submitted_on_daily_at:
        paper["submittedOnDailyAt"] = submitted_on_daily_at
    return {
        "paper": paper,
        "publishedAt": f"{record['daily_date']}T01:56:29.759Z",
        "title": record["title"],
        "thumbnail": f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{record['arxiv_id']}.png",
        "numComments": 1,
        "submittedBy": {"fullname": "Ningyu Zhang", "name": "Ningyu", "type": "user"},
    }


def test_flat_record_fields(real_records):
    item = real_records[0]
    record = hf_record(item, ZoneInfo("UTC"))
    assert record.arxiv_id == item["arxiv_id"]
    assert record.authors == item["authors"]
    assert record.upvotes == item["upvotes"]
    assert record.listing.date == date.fromisoformat(item["daily_date"])
    assert record.listing.source == "hf"


def test_record_without_abstract_or_date_still_imports():
    item = {
        "arxiv_id": "2311.10111",
        "title": "VideoCon",
        "authors": [],
        "abstract": None,
        "published_at": None,
        "daily_date": "2023-11-20",
        "upvotes": None,
    }
    record = hf_record(item, ZoneInfo("UTC"))
    assert (record.title, record.abstract, record.published_at) == ("VideoCon", None, None)
    assert record.listing.date == date(2023, 11, 20)


def test_api_item_listing_date_follows_the_configured_zone(real_records):
    item = api_item(real_records[0], submitted_on_daily_at="2024-10-16T01:56:29.759Z")
    assert hf_record(item, ZoneInfo("UTC")).listing.date == date(2024, 10, 16)
    assert hf_record(item, ZoneInfo("America/Los_Angeles")).listing.date == date(2024, 10, 15)


def test_import_real_hf_sample_then_reimport_changes_nothing(settings, sample_data):
    dump = str(sample_data / "hf_daily_papers.jsonl")
    first = run_cli(settings, "import", "--quiet", dump)
    assert first.exit_code == 0, first.stderr
    assert first.stdout == ""  # --quiet: nothing to say when all went well
    before = stats(settings)
    assert before["papers"] == HF_PAPERS
    assert before["daily_listings"] == HF_PAPERS - 14  # 14 records have no daily date
    again = run_cli(settings, "import", dump)
    assert again.exit_code == 0, again.stderr
    assert f"{HF_PAPERS:,} records from 1 file(s): 0 new, 0 changed, {HF_PAPERS:,} unchanged" in (
        again.stdout
    )
    assert stats(settings) == before


def test_import_api_json_list(settings, store, real_records, tmp_path):
    items = [api_item(r) for r in real_records[:20]]
    items[0]["paper"]["githubRepo"] = "https://github.com/zjunlp/DeCo"
    items[0]["paper"]["projectPage"] = "https://example.org/deco"
    items[0]["paper"]["submittedOnDailyAt"] = "2024-10-16T09:43:40.404Z"
    path = tmp_path / "2024-10-16.json"  # pretty-printed, as the API dumps are saved
    path.write_text(json.dumps(items, indent=4))
    ran = run_cli(settings, "import", str(path))
    assert ran.exit_code == 0, ran.stderr
    assert "20 new" in ran.stdout
    first = real_records[0]
    with store.session() as s:
        paper = s.scalars(select(Paper).where(Paper.arxiv_id == first["arxiv_id"])).one()
        listing = s.scalars(select(DailyListing).where(DailyListing.paper_id == paper.id)).one()
    assert paper.title == prose(first["title"])
    assert paper.abstract == prose(first["abstract"])  # LaTeX decoded (`10\\%` -> `10%`)
    assert paper.authors == first["authors"]
    assert paper.imported_upvotes == first["upvotes"]
    assert paper.code_url == "https://github.com/zjunlp/DeCo"
    assert paper.project_url == "https://example.org/deco"
    assert listing.date == date(2024, 10, 16)
    assert listing.submitter_name == "Ningyu Zhang"
    assert listing.listed_at == datetime(2024, 10, 16, 9, 43, 40, 404000, tzinfo=UTC)


@pytest.mark.parametrize("shape", ["wrapper", "single"])
def test_import_api_json_other_shapes(settings, real_records, tmp_path, shape):
    items = [api_item(r) for r in real_records[20:23]]
    document = {"papers": items} if shape == "wrapper" else items[0]
    path = tmp_path / "papers.json"
    path.write_text(json.dumps(document, indent=2))
    ran = run_cli(settings, "import", str(path))
    assert ran.exit_code == 0, ran.stderr
    assert stats(settings)["papers"] == (3 if shape == "wrapper" else 1)


def test_api_items_as_json_lines(settings, real_records, tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_text("".join(json.dumps(api_item(r)) + "\n" for r in real_records[:5]))
    ran = run_cli(settings, "import", str(path))
    assert ran.exit_code == 0, ran.stderr
    assert stats(settings)["daily_listings"] == 5


def test_daily_date_honours_dailypapers_tz(settings, store, real_records, tmp_path):
    item = api_item(real_records[0], submitted_on_daily_at="2024-10-16T01:56:29.759Z")
    path = tmp_path / "day.json"
    path.write_text(json.dumps([item]))
    ran = run_cli(settings, "import", str(path), DAILYPAPERS_TZ="America/New_York")
    assert ran.exit_code == 0, ran.stderr
    with store.session() as s:
        assert s.scalars(select(DailyListing.date)).one() == date(2024, 10, 15)


def test_broken_json_document_keeps_the_items_before_the_break(settings, real_records, tmp_path):
    text = json.dumps([api_item(r) for r in real_records[:3]])
    path = tmp_path / "cut.json"
    path.write_text(text[: text.index('"paper"', 200)] + '"paper": {"id": ')
    ran = run_cli(settings, "import", "--format", "hf-json", str(path))
    assert ran.exit_code == 1
    assert f"{path} after item 1" in ran.stderr
    assert stats(settings)["papers"] == 1


def test_bad_item_is_named_by_position_and_id(settings, real_records, tmp_path):
    items = [api_item(r) for r in real_records[:3]]
    items[1]["paper"]["upvotes"] = "many"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(items))
    ran = run_cli(settings, "import", str(path))
    assert ran.exit_code == 1
    assert f"{Path(path)} item 2 ({real_records[1]['arxiv_id']})" in ran.stderr
    assert "2 new" in ran.stdout and "1 skipped" in ran.stdout
