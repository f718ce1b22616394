"""Hugging Face's own client (`huggingface_hub.HfApi`) against a live server on loopback.

The server imported real `/api/daily_papers` day files (tests/data/hf_api); every field of
`PaperInfo` the source has must come back filled and equal to the source.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError

from dailypapers.ingest.normalize import prose
from dailypapers.ingest.pipeline import import_files, plan_import
from support.browser import free_port, running_site
from support.cli import subprocess_env


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _clean(text: str | None) -> str | None:
    return " ".join(text.split()) if text else None


def _prose(text: str | None) -> str | None:
    """A title or abstract as every importer keeps it: LaTeX decoded (`54.6\\%` -> `54.6%`)."""
    return prose(text) if text else None


def _week(day: str) -> str:
    year, week, _ = date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


# An account (user or organization) shows its newest capture: HF users change their avatars.
# A capture's time is the newest moment its item speaks of (store/hf_extras.py).
NEWEST: dict[tuple[str, str], tuple[datetime, dict]] = {}


def _captured(item: dict) -> datetime:
    moments = [item["publishedAt"], item["paper"].get("submittedOnDailyAt")]
    moments += [a.get("statusLastChangedAt") for a in item["paper"]["authors"]]
    return max(_moment(m) for m in moments if m)


def _keep(key: tuple[str, str], when: datetime, value: dict) -> None:
    if key not in NEWEST or when >= NEWEST[key][0]:
        NEWEST[key] = (when, value)


def source_items(folder: Path) -> dict[str, list[tuple[str, dict]]]:
    """Every item of the day files, by arXiv id, in file order: [(day, item), …]."""
    found: dict[str, list[tuple[str, dict]]] = {}
    for path in sorted(folder.glob("*.json.gz")):
        for item in json.loads(gzip.decompress(path.read_bytes())):
            found.setdefault(item["paper"]["id"], []).append((path.name[:10], item))
            when = _captured(item)
            if item.get("submittedBy"):
                _keep(("user", item["submittedBy"]["name"]), when, item["submittedBy"])
            if item.get("organization"):
                _keep(("org", item["organization"]["name"]), when, item["organization"])
            for author in item["paper"]["authors"]:
                if author.get("user"):
                    _keep(("user", author["user"]["user"]), when, author["user"])
    return found


def _newest(kind: str, name: str, key: str) -> str:
    return NEWEST[kind, name][1].get(key, "")


@pytest.fixture
def hf_site(settings, store, sample_data, tmp_path) -> Iterator[tuple[HfApi, dict]]:
    folder = sample_data / "hf_api"
    summary = import_files(store, plan_import([folder]), zone=ZoneInfo(settings.tz))
    assert summary.skipped == 0
    port = free_port()
    env = subprocess_env(settings, HF_HOME=str(tmp_path / "hf-home"))
    with running_site(port, env):
        yield HfApi(endpoint=f"http://127.0.0.1:{port}", token=False), source_items(folder)


def check_same(info, occurrences: list[tuple[str, dict]], *, flat: bool = False) -> None:
    """One PaperInfo against its source item(s): the first listing, the newest capture's fields,
    the highest counts (a paper listed on two days is a feature of its first day here)."""
    _day, item = occurrences[0]
    newest = occurrences[-1][1]
    paper = newest["paper"]
    assert info.id == paper["id"]
    # A daily item has HF's item title; /api/papers/{id} has the paper's (they differ in LaTeX).
    assert info.title in (newest["title"], _prose(paper["title"]))
    assert info.summary == (_prose(paper["summary"]) or _prose(newest.get("summary")))
    assert info.published_at == _moment(paper["publishedAt"])
    assert (info.upvotes or 0) == max(o[1]["paper"]["upvotes"] for o in occurrences)
    assert info.comments == max(o[1].get("numComments", 0) for o in occurrences)
    # A daily item's time is when it was featured; a paper's (flat) is submittedOnDailyAt.
    featured = item["paper"].get("submittedOnDailyAt") if flat else None
    assert info.submitted_at == _moment(featured or item["publishedAt"])
    assert info.discussion_id == paper.get("discussionId")
    assert info.ai_summary == paper.get("ai_summary")
    assert info.ai_keywords == (paper.get("ai_keywords") or None)
    assert info.github_repo == paper.get("githubRepo")
    assert info.github_stars == max(
        (o[1]["paper"]["githubStars"] for o in occurrences if "githubStars" in o[1]["paper"]),
        default=None,
    )
    assert info.project_page == paper.get("projectPage")
    assert info.thumbnail == newest.get("thumbnail")
    assert info.mediaUrls == (newest.get("mediaUrls") or paper.get("mediaUrls"))
    submitter = newest.get("submittedBy") or paper.get("submittedOnDailyBy")
    if submitter:
        assert info.submitted_by.username == submitter["name"]
        assert info.submitted_by.fullname == _newest("user", submitter["name"], "fullname")
        assert info.submitted_by.avatar_url == _newest("user", submitter["name"], "avatarUrl")
    else:
        assert info.submitted_by is None
    organization = newest.get("organization")
    if organization:
        assert info.organization.name == organization["name"]
        assert info.organization.fullname == _newest("org", organization["name"], "fullname")
        assert info.organization.avatar_url == _newest("org", organization["name"], "avatar")
    else:
        assert info.organization is None
    authors = paper["authors"]
    assert [a.name for a in info.authors] == [_clean(a["name"]) for a in authors]
    for got, want in zip(info.authors, authors, strict=True):
        assert got._id == want["_id"]
        assert got.hidden == want["hidden"]
        assert got.status == want.get("status")
        if want.get("user"):
            assert got.user.username == want["user"]["user"]
            name = want["user"]["user"]
            assert got.user.fullname == _newest("user", name, "fullname")
            assert got.user.avatar_url == _newest("user", name, "avatarUrl")
        else:
            assert got.user is None


def test_list_daily_papers_gives_every_field_of_every_item(hf_site):
    api, source = hf_site
    days = sorted({day for occurrences in source.values() for day, _ in occurrences})
    seen = set()
    for day in days:
        papers = list(api.list_daily_papers(date=day, limit=100))
        expected = {pid for pid, occ in source.items() if occ[0][0] == day}
        assert {p.id for p in papers} == expected, day
        for info in papers:
            check_same(info, source[info.id])
            seen.add(info.id)
    assert seen == set(source)


def test_paper_info_and_search_give_the_same_fields(hf_site):
    api, source = hf_site
    for arxiv_id in ("2608.18565", "2405.15738", "2608.13558"):
        check_same(api.paper_info(arxiv_id), source[arxiv_id], flat=True)
    title = source["2608.18565"][0][1]["title"]
    found = list(api.list_papers(query="SemaPLC verification-gated agent harness", limit=5))
    assert found and found[0].id == "2608.18565", [p.title for p in found]
    assert found[0].title == title
    assert found[0].github_repo == "https://github.com/midea-ai/SemaPLC"
    assert len(list(api.list_papers(query="agent", limit=3))) <= 3


def test_list_daily_papers_parameters(hf_site):
    api, source = hf_site
    august = {pid for pid, occ in source.items() if occ[0][0].startswith("2026-08")}
    week = {pid for pid, occ in source.items() if _week(occ[0][0]) == "2026-W34"}
    assert {p.id for p in api.list_daily_papers(month="2026-08", limit=100)} == august
    assert {p.id for p in api.list_daily_papers(week="2026-W34", limit=100)} == week
    # Pages of 10 walk the month without gaps or repeats.
    paged = [p.id for page in range(6) for p in api.list_daily_papers(
        month="2026-08", limit=10, p=page)]  # fmt: skip
    assert len(paged) == len(set(paged)) == len(august)
    trending = [p.id for p in api.list_daily_papers(month="2026-08", sort="trending", limit=5)]
    assert len(trending) == 5 and set(trending) <= august
    newest = list(api.list_daily_papers(sort="publishedAt", limit=3))
    assert len(newest) == 3
    # A submitter's papers, and only theirs.
    by_submitter: dict[str, set[str]] = {}
    for pid, occurrences in source.items():
        submitter = occurrences[-1][1].get("submittedBy")
        if submitter:
            by_submitter.setdefault(submitter["name"], set()).add(pid)
    name, papers = max(by_submitter.items(), key=lambda kv: len(kv[1]))
    got = list(api.list_daily_papers(submitter=name, limit=100))
    assert {p.id for p in got} == papers
    assert all(p.submitted_by.username == name for p in got)
    assert list(api.list_daily_papers(submitter="nobody-at-all", limit=10)) == []


def test_unknown_papers_and_bad_parameters_are_http_errors(hf_site):
    api, _ = hf_site
    with pytest.raises(HfHubHTTPError) as missing:
        api.paper_info("2999.99999")
    assert missing.value.response.status_code == 404
    with pytest.raises(HfHubHTTPError) as bad:
        list(api.list_daily_papers(date="2026-13-45"))
    assert bad.value.response.status_code == 400
    with pytest.raises(HfHubHTTPError) as too_many:
        list(api.list_daily_papers(limit=101))
    assert too_many.value.response.status_code == 422
