"""Sharing a collection with other users of the site as co-editors (a reading group's list)."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from dailypapers.errors import InvalidInput
from dailypapers.library.collections import require_owner
from dailypapers.store.models import LibraryCollection, LibraryEditor, User


def add_editor(session: Session, collection: LibraryCollection, owner: User, username: str) -> User:
    """Share the collection with another user of the site as a co-editor."""
    require_owner(collection, owner)
    name = (username or "").strip()
    other = session.scalar(select(User).where(func.lower(User.username) == name.lower()))
    if other is None or name == "":
        raise InvalidInput(f"no user named {name[:40]!r}")
    if other.id == owner.id:
        raise InvalidInput("you own this collection already")
    if session.get(LibraryEditor, (collection.id, other.id)) is None:
        session.add(LibraryEditor(collection_id=collection.id, user_id=other.id))
    return other


def remove_editor(
    session: Session, collection: LibraryCollection, user: User, editor_id: int
) -> None:
    """The owner takes an editor off; an editor may leave on their own."""
    if user.id != editor_id:
        require_owner(collection, user)
    session.execute(
        delete(LibraryEditor).where(
            LibraryEditor.collection_id == collection.id, LibraryEditor.user_id == editor_id
        )
    )


def editors(session: Session, collection: LibraryCollection) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(LibraryEditor, LibraryEditor.user_id == User.id)
            .where(LibraryEditor.collection_id == collection.id)
            .order_by(User.username)
        )
    )
