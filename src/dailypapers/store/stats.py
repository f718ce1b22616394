"""Counts of what the store holds."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dailypapers.store.models import (
    Comment,
    DailyListing,
    Paper,
    PaperVersion,
    Subscription,
    Upvote,
    User,
)

COUNTED = {
    "papers": Paper,
    "paper_versions": PaperVersion,
    "daily_listings": DailyListing,
    "users": User,
    "upvotes": Upvote,
    "comments": Comment,
    "subscriptions": Subscription,
}


def store_stats(session: Session) -> dict[str, int]:
    """Row counts per entity, plus withdrawn papers and listed days."""
    counts = {
        name: session.scalar(select(func.count()).select_from(model)) or 0
        for name, model in COUNTED.items()
    }
    counts["withdrawn_papers"] = (
        session.scalar(select(func.count()).select_from(Paper).where(Paper.withdrawn.is_(True)))
        or 0
    )
    counts["listed_days"] = (
        session.scalar(select(func.count(func.distinct(DailyListing.date)))) or 0
    )
    return counts
