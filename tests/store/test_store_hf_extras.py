"""HF's additions in the store: re-import changes nothing, counts never drop, damage skipped."""

from __future__ import annotations

import gzip
import json
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from dailypapers.ingest.pipeline import import_files, plan_import
from dailypapers.store.models import HfOrganization, HfUser, PaperAuthor, PaperHf, PaperKeyword

UTC = ZoneInfo("UTC")


def _import(store, *paths):
    return import_files(store, plan_import(list(paths)), zone=UTC)


def _counts(store) -> dict[str, int]:
    with store.session() as s:
        return {
            model.__tablename__: s.scalar(select(func.count()).select_from(model))
            for model in (HfOrganization, HfUser, PaperHf, PaperAuthor, PaperKeyword)
        }


def test_day_files_import_every_field_and_reimport_changes_nothing(store, sample_data):
    first = _import(store, sample_data / "hf_api")
    assert (first.read, first.skipped) == (78, 0)
    assert first.result.new == 77  # 2608.13558 is on two days
    counts = _counts(store)
    assert counts["paper_hf"] == 77 and counts["hf_organizations"] > 20
    assert counts["paper_authors"] > 500 and counts["paper_keywords"] > 500
    again = _import(store, sample_data / "hf_api")
    assert (again.result.new, again.result.changed, again.result.unchanged) == (0, 0, 77)
    assert _counts(store) == counts
    with store.session() as s:
        claimed = s.scalar(select(func.count()).where(PaperAuthor.user_id.is_not(None)))
        assert claimed == 77  # authors with a claimed HF account in the five day files


def _day_file(tmp_path, name: str, items: list[dict]) -> object:
    path = tmp_path / name
    path.write_bytes(gzip.compress(json.dumps(items).encode()))
    return path


def test_an_older_capture_never_lowers_counts_or_replaces_newer_fields(
    store, sample_data, tmp_path
):
    items = json.loads(
        gzip.decompress((sample_data / "hf_api" / "2026-08-20.json.gz").read_bytes())
    )
    item = next(i for i in items if i["paper"]["id"] == "2608.18565")
    newer = json.loads(json.dumps(item))
    newer["paper"]["githubStars"], newer["numComments"] = 99, 7
    newer["paper"]["submittedOnDailyAt"] = "2026-08-25T00:00:00.000Z"
    newer["paper"]["ai_summary"] = "The newer summary."
    _import(store, _day_file(tmp_path, "2026-08-25.json.gz", [newer]))
    later_import_of_older = _import(store, _day_file(tmp_path, "2026-08-20.json.gz", [item]))
    assert later_import_of_older.result.changed == 0
    with store.session() as s:
        row = s.scalar(select(PaperHf))
        assert (row.github_stars, row.num_comments) == (99, 7)
        assert row.ai_summary == "The newer summary."
        assert row.counts_captured_at.isoformat().startswith("2026-08-25")


def test_damaged_items_are_reported_by_file_and_item_and_skipped(store, sample_data, tmp_path):
    items = json.loads(
        gzip.decompress((sample_data / "hf_api" / "2026-08-21.json.gz").read_bytes())
    )
    bad_stars = json.loads(json.dumps(items[1]))
    bad_stars["paper"]["githubStars"] = "lots"
    damaged = [items[0], repr(items[2]), bad_stars, {"papers": "no"}]
    path = _day_file(tmp_path, "2026-08-21.json.gz", damaged)
    summary = _import(store, path)
    assert summary.skipped == 3 and summary.result.new == 1
