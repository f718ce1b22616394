"""What a user's actions tell the recommender.

Positives, strongest first: upvotes, papers saved for later, papers in the user's other
collections, papers marked read. Negatives: papers marked "not interested", which are never
recommended and weigh against papers like them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, literal, select, union_all
from sqlalchemy.orm import Session

from dailypapers.store.models import LibraryCollection, LibraryItem, ReadingState, Upvote

MAX_POSITIVES = 300
MAX_NEGATIVES = 300
STRENGTH = {"upvoted": 0, "saved": 1, "collected": 2, "read": 3}


def liked_papers(session: Session, user_id: int, limit: int = MAX_POSITIVES) -> dict[int, str]:
    """The papers a user liked, newest first: paper id -> "upvoted" | "saved" | "collected" |
    "read" (the strongest signal when several apply)."""
    upvoted = select(
        Upvote.paper_id, Upvote.created_at.label("at"), literal("upvoted").label("kind")
    ).where(Upvote.user_id == user_id)
    kind = case((LibraryCollection.is_default.is_(True), "saved"), else_="collected")
    collected = (
        select(LibraryItem.paper_id, LibraryItem.added_at.label("at"), kind.label("kind"))
        .join(LibraryCollection, LibraryCollection.id == LibraryItem.collection_id)
        .where(LibraryCollection.owner_id == user_id)
    )
    read = select(
        ReadingState.paper_id, ReadingState.read_at.label("at"), literal("read").label("kind")
    ).where(
        ReadingState.user_id == user_id,
        ReadingState.read_at.is_not(None),
        ReadingState.not_interested_at.is_(None),
    )
    every = union_all(upvoted, collected, read).subquery()
    rows = session.execute(select(every).order_by(every.c.at.desc()).limit(limit * 4)).all()
    liked: dict[int, str] = {}
    for paper_id, _, kind_ in rows:
        if paper_id not in liked or STRENGTH[kind_] < STRENGTH[liked[paper_id]]:
            liked[paper_id] = kind_
    disliked = not_interested(session, user_id)
    return {pid: k for pid, k in list(liked.items())[:limit] if pid not in disliked}


def not_interested(session: Session, user_id: int, limit: int = MAX_NEGATIVES) -> list[int]:
    """The papers the user marked "not interested", newest first."""
    return list(
        session.scalars(
            select(ReadingState.paper_id)
            .where(ReadingState.user_id == user_id, ReadingState.not_interested_at.is_not(None))
            .order_by(ReadingState.not_interested_at.desc())
            .limit(limit)
        )
    )


@dataclass(slots=True)
class SignalSummary:
    """How many of each signal the picks learned from (shown on "For you")."""

    upvoted: int = 0
    saved: int = 0
    collected: int = 0
    read: int = 0
    not_interested: int = 0

    @property
    def empty(self) -> bool:
        return not (self.upvoted or self.saved or self.collected or self.read)


def summary(session: Session, user_id: int) -> SignalSummary:
    counts = SignalSummary()
    for kind in liked_papers(session, user_id).values():
        setattr(counts, kind, getattr(counts, kind) + 1)
    counts.not_interested = len(not_interested(session, user_id))
    return counts
