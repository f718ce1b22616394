"""'Save for later': the default collection, as the feed's one-click button sees it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.library.collections import add_paper, default_collection, remove_paper
from dailypapers.store.models import LibraryCollection, LibraryItem, Paper, User


def set_saved(session: Session, user: User, paper: Paper, saved: bool) -> bool:
    """Save a paper for later (a signal for recommendations) or drop it; idempotent."""
    collection = default_collection(session, user.id)
    if saved:
        add_paper(session, collection, user, paper)
    else:
        remove_paper(session, collection, user, paper)
    return saved


def _default_items(user_id: int):  # noqa: ANN202
    return (
        select(LibraryItem.paper_id)
        .join(LibraryCollection, LibraryCollection.id == LibraryItem.collection_id)
        .where(LibraryCollection.owner_id == user_id, LibraryCollection.is_default.is_(True))
    )


def saved_papers(session: Session, user_id: int, *, limit: int = 500) -> list[int]:
    """The ids of the papers a user saved, in the list's order (hidden ones left out)."""
    return list(
        session.scalars(
            _default_items(user_id)
            .join(Paper, Paper.id == LibraryItem.paper_id)
            .where(Paper.hidden.is_(False))
            .order_by(LibraryItem.position, LibraryItem.paper_id)
            .limit(limit)
        )
    )


def saved_ids(session: Session, user_id: int, paper_ids: list[int]) -> set[int]:
    if not paper_ids:
        return set()
    return set(session.scalars(_default_items(user_id).where(LibraryItem.paper_id.in_(paper_ids))))
