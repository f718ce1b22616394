"""What everyone may see of the collections: the public ones a paper is in."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.store.models import LibraryCollection, LibraryItem


def public_collections_with(session: Session, paper_id: int) -> list[LibraryCollection]:
    """The public collections a paper is in ("in 3 collections" on its page)."""
    return list(
        session.scalars(
            select(LibraryCollection)
            .join(LibraryItem, LibraryItem.collection_id == LibraryCollection.id)
            .where(LibraryItem.paper_id == paper_id, LibraryCollection.visibility == "public")
            .order_by(LibraryCollection.updated_at.desc())
        )
    )
