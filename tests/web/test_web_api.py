"""The JSON API: Hugging Face's shapes, paging, sorting and 4xx on bad input."""

from __future__ import annotations

import pytest

from dailypapers.web import schemas


def ids(items: list[dict]) -> list[str]:
    return [item["paper"]["id"] for item in items]


def test_daily_papers_item_has_hugging_face_shape(client):
    items = client.get("/api/daily_papers", params={"date": "2025-01-06"}).json()
    assert len(items) == 2
    item = items[0]
    assert set(item) >= {"paper", "publishedAt", "title", "summary", "numComments", "submittedBy"}
    paper = item["paper"]
    assert set(paper) >= {"id", "title", "summary", "authors", "publishedAt", "upvotes"}
    assert paper["authors"][0] == {"name": "Ada Lovelace", "hidden": False}
    assert paper["publishedAt"].endswith("Z")
    # HF's item shape (`name`) plus `user`, the key huggingface_hub's client reads
    assert item["submittedBy"] == {"name": "hf-user", "user": "hf-user", "fullname": "hf-user"}
    assert item["numComments"] == 0
    assert item["title"] == paper["title"]
    for each in items:  # the documented schema (/docs) matches what is sent
        schemas.DailyPaper.model_validate(each)


def test_sorts_and_periods(client):
    by_votes = client.get("/api/daily_papers?month=2025-01&sort=upvotes").json()
    assert ids(by_votes)[0] == "2501.00002"
    trending = client.get("/api/daily_papers?sort=trending").json()
    assert ids(trending)[0] == "2501.00006"
    week = client.get("/api/daily_papers?week=2025-W01").json()
    assert sorted(ids(week)) == ["2501.00001", "2501.00002"]
    newest = client.get("/api/daily_papers").json()
    assert set(ids(newest)[:2]) == {"2501.00005", "2501.00006"}
    assert len(newest) == 6


def test_paging_is_zero_based(client):
    first = client.get("/api/daily_papers?month=2025-01&sort=upvotes&limit=4&p=0").json()
    second = client.get("/api/daily_papers?month=2025-01&sort=upvotes&limit=4&p=1").json()
    assert len(first) == 4 and len(second) == 2
    assert not set(ids(first)) & set(ids(second))
    assert client.get("/api/daily_papers?month=2025-01&p=7").json() == []


def test_one_paper(client):
    body = client.get("/api/papers/2501.00002").json()
    assert body["id"] == "2501.00002"
    assert body["upvotes"] == 40
    assert body["featuredOn"] == "2025-01-03"
    assert body["versions"] == [{"version": 2, "submittedAt": None}]
    schemas.PaperDetail.model_validate(body)
    missing = client.get("/api/papers/2501.99999")
    assert missing.status_code == 404 and "error" in missing.json()


@pytest.mark.parametrize(
    "query, status",
    [
        ("date=2025-13-01", 400),
        ("date=20250101", 400),
        ("week=2025-W54", 400),
        ("week=2025-02", 400),
        ("month=2025-00", 400),
        ("month=January", 400),
        ("date=2025-01-06&week=2025-W02", 400),
        ("limit=0", 422),
        ("limit=101", 422),
        ("limit=abc", 422),
        ("p=-1", 422),
        ("p=1.5", 422),
        ("sort=random", 422),
    ],
)
def test_bad_parameters_are_4xx_json_not_clamped(client, query, status):
    response = client.get(f"/api/daily_papers?{query}")
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"]
