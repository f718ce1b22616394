"""Upvotes: one per user and paper; the shown count is the imported count plus votes cast here."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from dailypapers.store.models import Paper, Upvote, User


@dataclass(slots=True)
class VoteState:
    upvoted: bool
    upvotes: int  # the shown count after the change


def shown_count(session: Session, paper: Paper) -> int:
    here = session.scalar(select(func.count()).where(Upvote.paper_id == paper.id)) or 0
    return (paper.imported_upvotes or 0) + here


def set_vote(*, session: Session, user: User, paper: Paper, upvoted: bool) -> VoteState:
    """Add or remove the user's upvote; idempotent (a second upvote is still one)."""
    if upvoted:
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        session.execute(
            insert(Upvote)
            .values(user_id=user.id, paper_id=paper.id)
            .on_conflict_do_nothing(index_elements=["user_id", "paper_id"])
        )
    else:
        session.execute(
            delete(Upvote).where(Upvote.user_id == user.id, Upvote.paper_id == paper.id)
        )
    return VoteState(upvoted=upvoted, upvotes=shown_count(session, paper))


def toggle_vote(*, session: Session, user: User, paper: Paper) -> VoteState:
    """Upvote if not yet upvoted, otherwise remove the upvote."""
    return set_vote(
        session=session,
        user=user,
        paper=paper,
        upvoted=not has_voted(session=session, user=user, paper=paper),
    )


def has_voted(*, session: Session, user: User, paper: Paper) -> bool:
    found = session.scalar(
        select(Upvote.paper_id).where(Upvote.user_id == user.id, Upvote.paper_id == paper.id)
    )
    return found is not None


def upvoted_papers(*, session: Session, user: User, limit: int = 100) -> list[int]:
    """The user's upvoted paper ids, most recent first."""
    return list(
        session.scalars(
            select(Upvote.paper_id)
            .where(Upvote.user_id == user.id)
            .order_by(Upvote.created_at.desc())
            .limit(limit)
        )
    )
