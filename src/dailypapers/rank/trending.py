"""Trending: upvotes decayed by the age of the listing.

    score = upvotes / (age_days + 1) ** GRAVITY

`upvotes` is the shown count (imported + votes cast here). `age_days` is the number of days from
the day the paper was listed to the reference day: the newest day that lists papers (today on a
live site; the last day of the data on an archive, so an old archive still has a trending list).
Only papers listed within WINDOW_DAYS of the reference day are ranked, so a request reads a couple
of weeks of listings through the date index, never the whole table. With GRAVITY 1.5 a paper
listed a week ago needs about 22× the votes of one listed on the reference day to rank beside it.

A ranker returns `(paper_ids, scores)`, best first.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.feed.cache import TTLCache
from dailypapers.feed.cards import PaperCard, load_cards, with_fresh_counts
from dailypapers.feed.queries import latest_day, shown_upvotes
from dailypapers.store.models import DailyListing, Paper

GRAVITY = 1.5
WINDOW_DAYS = 14
CACHE_SECONDS = 30.0

FORMULA = "score = upvotes / (age in days + 1) ^ 1.5, over papers listed in the last 14 days"


def trending_score(upvotes: int, age_days: int, gravity: float = GRAVITY) -> float:
    """The score of one paper (age 0 = listed on the reference day)."""
    return upvotes / (max(age_days, 0) + 1) ** gravity


def trending(
    session: Session,
    *,
    reference: date | None = None,
    window_days: int = WINDOW_DAYS,
    start: date | None = None,
    end: date | None = None,
) -> tuple[list[int], list[float]]:
    """Rank papers listed in [reference - window, reference] (or [start, end]) by trending score."""
    reference = reference or end or latest_day(session)
    if reference is None:
        return [], []
    start = start or reference - timedelta(days=window_days - 1)
    end = end or reference
    rows = session.execute(
        select(Paper.id, DailyListing.date, shown_upvotes())
        .join(DailyListing, DailyListing.paper_id == Paper.id)
        .where(DailyListing.date.between(start, end), Paper.hidden.is_(False))
    ).all()
    scored = [
        (trending_score(votes or 0, (reference - listed).days), paper_id)
        for paper_id, listed, votes in rows
    ]
    scored.sort(key=lambda pair: (-pair[0], -pair[1]))
    return [pid for _, pid in scored], [score for score, _ in scored]


class TrendingCache:
    """The default trending list, kept for CACHE_SECONDS per process; votes here clear it."""

    def __init__(
        self, seconds: float = CACHE_SECONDS, *, version: Callable[[], int] | None = None
    ) -> None:
        self.seconds = seconds
        self.version = version  # as in feed/cache.py: votes in any process outdate the copy
        self._lock = threading.Lock()
        self._value: tuple[list[int], list[float]] | None = None
        self._at = 0.0
        self._built_at_version = 0

    def get(self, session: Session) -> tuple[list[int], list[float]]:
        current = self.version() if self.version is not None else 0
        with self._lock:
            if (
                self._value is not None
                and time.monotonic() - self._at < self.seconds
                and self._built_at_version == current
            ):
                return self._value
        value = trending(session)
        with self._lock:
            self._value, self._at = value, time.monotonic()
            self._built_at_version = current
        return value

    def clear(self) -> None:
        with self._lock:
            self._value = None


def trending_cards(
    session: Session,
    ranking: TrendingCache,
    *,
    user_id: int | None = None,
    cache: TTLCache | None = None,
    limit: int = 50,
) -> list[PaperCard]:
    """The top trending papers as cards with their scores (counts fresh for a logged-in user)."""

    def build() -> list[PaperCard]:
        ids, scores = ranking.get(session)
        score_of = dict(zip(ids, scores, strict=True))
        cards = load_cards(session, ids[:limit])
        for card in cards:
            card.score = score_of[card.id]
        return cards

    cards = build() if cache is None else cache.get_or_build(("trending", limit), build)
    return cards if user_id is None else with_fresh_counts(session, cards, user_id)
