"""Helpers for the site's tests: seed papers, users, CSRF tokens, logging in."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from fastapi.testclient import TestClient

from dailypapers.accounts.users import create_user
from dailypapers.store.db import Store
from dailypapers.store.records import ListingRecord, PaperRecord

FRIDAY = date(2025, 1, 3)
MONDAY = date(2025, 1, 6)
TUESDAY = date(2025, 1, 7)

# (arxiv id, day, imported upvotes, title)
SEED = [
    ("2501.00001", FRIDAY, 5, "Sparse Mixtures of Experts at Scale"),
    ("2501.00002", FRIDAY, 40, "Diffusion Models for Protein Design"),
    ("2501.00003", MONDAY, 12, "Retrieval-Augmented Agents"),
    ("2501.00004", MONDAY, 3, "A Benchmark for Long-Context Reasoning"),
    ("2501.00005", TUESDAY, 7, "Tiny Language Models That Reason"),
    ("2501.00006", TUESDAY, 9, "Vision Transformers Without Attention"),
]
AUTHORS = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov"]
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def paper_record(arxiv_id: str, day: date, upvotes: int, title: str) -> PaperRecord:
    return PaperRecord(
        arxiv_id=arxiv_id,
        title=title,
        abstract=f"We study {title.lower()}. " * 8,
        authors=list(AUTHORS),
        categories=["cs.LG", "cs.AI"],
        published_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
        version=2,
        upvotes=upvotes,
        code_url="https://github.com/example/code",
        source="test",
        listing=ListingRecord(date=day, source="hf", submitter_name="hf-user"),
    )


def pin_limiter_clocks(app) -> None:  # noqa: ANN001
    """Hold the app's database-counted rate limiters (PostgreSQL mode) at one instant in the
    middle of a window. They count per fixed minute of wall time, so a test whose few requests
    straddle a minute boundary would see the count start over; the window itself is tested
    with its own clock in test_shared_state.py. SQLite mode's limiters slide and are left."""
    from dailypapers.web.ratelimit import SharedLimiter

    for limiter in (app.state.auth_limiter, app.state.write_limiter):
        if isinstance(limiter, SharedLimiter):
            limiter.clock = lambda: 1_000_000_030.0


def csrf_from(client: TestClient, path: str = "/login") -> str:
    match = TOKEN.search(client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def make_user(
    store: Store, username: str, password: str = "correct horse", admin: bool = False
) -> int:
    with store.session() as session:
        user = create_user(session=session, username=username, password=password, is_admin=admin)
        return user.id


def log_in(client: TestClient, username: str, password: str = "correct horse") -> str:
    """Log the client in; returns the session's CSRF token for later writes."""
    token = csrf_from(client, "/login")
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_from(client, "/submit")
