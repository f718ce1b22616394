"""User collections: named, ordered lists of papers with notes, shared with co-editors.

Every user has one default collection ("Saved for later", the /saved page), made on first use.
Who may do what (co-editors: library/editors.py): the owner everything; a co-editor adds,
removes, orders and notes papers;
anyone may read a public or unlisted collection (an unlisted one only by its share key);
a private one is its owner's and its editors' only. The caller's transaction commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from dailypapers.errors import Forbidden, InvalidInput, NotFound
from dailypapers.store.models import LibraryCollection, LibraryEditor, LibraryItem, Paper, User
from dailypapers.timeutil import utcnow

DEFAULT_TITLE = "Saved for later"
VISIBILITIES = ("public", "unlisted", "private")
MAX_TITLE = 200
MAX_DESCRIPTION = 2000
MAX_NOTE = 2000
MAX_COLLECTIONS = 200


@dataclass(slots=True)
class Entry:
    """A paper in a collection, as pages and exports show it."""

    paper: Paper
    position: int
    note: str | None


def _clean(text: str | None, limit: int, what: str) -> str:
    text = (text or "").strip()
    if len(text) > limit:
        raise InvalidInput(f"{what} has at most {limit} characters")
    if any(ord(c) < 32 and c not in "\n\r\t" for c in text):
        raise InvalidInput(f"{what} holds control characters")
    return text


def _visibility(value: str) -> str:
    if value not in VISIBILITIES:
        raise InvalidInput("visibility is one of public, unlisted, private")
    return value


def default_collection(session: Session, user_id: int) -> LibraryCollection:
    """The user's "Saved for later", created the first time it is needed."""
    found = session.scalar(
        select(LibraryCollection)
        .where(LibraryCollection.owner_id == user_id, LibraryCollection.is_default.is_(True))
        .order_by(LibraryCollection.id)
        .limit(1)
    )
    if found is None:
        found = LibraryCollection(
            owner_id=user_id, title=DEFAULT_TITLE, visibility="private", is_default=True
        )
        session.add(found)
        session.flush()
    return found


def create_collection(
    session: Session,
    owner: User,
    *,
    title: str,
    description: str = "",
    visibility: str = "private",
) -> LibraryCollection:
    title = _clean(title, MAX_TITLE, "a title")
    if not title:
        raise InvalidInput("a collection needs a title")
    count = session.scalar(select(func.count()).where(LibraryCollection.owner_id == owner.id))
    if (count or 0) >= MAX_COLLECTIONS:
        raise InvalidInput(f"at most {MAX_COLLECTIONS} collections per user")
    found = LibraryCollection(
        owner_id=owner.id,
        title=title,
        description=_clean(description, MAX_DESCRIPTION, "a description") or None,
        visibility=_visibility(visibility),
    )
    session.add(found)
    session.flush()
    return found


def update_collection(
    session: Session,
    collection: LibraryCollection,
    user: User,
    *,
    title: str | None = None,
    description: str | None = None,
    visibility: str | None = None,
) -> LibraryCollection:
    """Change title, description or visibility: the owner's decision alone."""
    require_owner(collection, user)
    if title is not None:
        title = _clean(title, MAX_TITLE, "a title")
        if not title:
            raise InvalidInput("a collection needs a title")
        collection.title = title
    if description is not None:
        collection.description = _clean(description, MAX_DESCRIPTION, "a description") or None
    if visibility is not None:
        collection.visibility = _visibility(visibility)
    collection.updated_at = utcnow()
    return collection


def delete_collection(session: Session, collection: LibraryCollection, user: User) -> None:
    require_owner(collection, user)
    if collection.is_default:
        raise InvalidInput("“Saved for later” cannot be deleted; empty it instead")
    session.delete(collection)


def get_collection(session: Session, collection_id: int) -> LibraryCollection:
    found = session.get(LibraryCollection, collection_id)
    if found is None:
        raise NotFound(f"no collection {collection_id}")
    return found


def is_editor(session: Session, collection: LibraryCollection, user: User | None) -> bool:
    if user is None:
        return False
    if collection.owner_id == user.id:
        return True
    return session.get(LibraryEditor, (collection.id, user.id)) is not None


def require_owner(collection: LibraryCollection, user: User) -> None:
    if collection.owner_id != user.id:
        raise Forbidden("only the collection's owner can do that")


def require_editor(session: Session, collection: LibraryCollection, user: User) -> None:
    if not is_editor(session, collection, user):
        raise Forbidden("only the collection's owner and co-editors can change it")


def readable(
    session: Session, collection_id: int, user: User | None, key: str | None = None
) -> LibraryCollection:
    """A collection the user may see: public ones, their own and shared ones, and an unlisted
    one with its share key. Any other is a 404, so a private collection's existence does not
    leak."""
    found = session.get(LibraryCollection, collection_id)
    if found is not None and (
        found.visibility == "public"
        or (found.visibility == "unlisted" and key and key == found.share_key)
        or is_editor(session, found, user)
    ):
        return found
    raise NotFound(f"no collection {collection_id}")


def owned_and_shared(session: Session, user: User) -> list[LibraryCollection]:
    """The user's collections (the default first) and then those shared with them."""
    own = list(
        session.scalars(
            select(LibraryCollection)
            .where(LibraryCollection.owner_id == user.id)
            .order_by(LibraryCollection.is_default.desc(), LibraryCollection.id)
        )
    )
    shared = list(
        session.scalars(
            select(LibraryCollection)
            .join(LibraryEditor, LibraryEditor.collection_id == LibraryCollection.id)
            .where(LibraryEditor.user_id == user.id)
            .order_by(LibraryCollection.id)
        )
    )
    return own + shared


def item_counts(session: Session, collection_ids: Sequence[int]) -> dict[int, int]:
    if not collection_ids:
        return {}
    rows = session.execute(
        select(LibraryItem.collection_id, func.count())
        .where(LibraryItem.collection_id.in_(collection_ids))
        .group_by(LibraryItem.collection_id)
    )
    return dict(rows.all())


def entries(
    session: Session, collection: LibraryCollection, *, viewer: User | None = None
) -> list[Entry]:
    """The collection's papers in its order (hidden papers only for admins)."""
    query = (
        select(Paper, LibraryItem.position, LibraryItem.note)
        .join(LibraryItem, LibraryItem.paper_id == Paper.id)
        .where(LibraryItem.collection_id == collection.id)
        .order_by(LibraryItem.position, LibraryItem.added_at, Paper.id)
    )
    if not (viewer and viewer.is_admin):
        query = query.where(Paper.hidden.is_(False))
    return [Entry(paper, position, note) for paper, position, note in session.execute(query)]


def add_paper(
    session: Session, collection: LibraryCollection, user: User, paper: Paper, note: str = ""
) -> bool:
    """Add a paper to the collection; False if it was there already (idempotent)."""
    require_editor(session, collection, user)
    if session.get(LibraryItem, (collection.id, paper.id)) is not None:
        return False
    # "Saved for later" keeps the newest saved first; a named collection grows at its end.
    edge = func.min if collection.is_default else func.max
    last = session.scalar(
        select(edge(LibraryItem.position)).where(LibraryItem.collection_id == collection.id)
    )
    step = -1 if collection.is_default else 1
    session.add(
        LibraryItem(
            collection_id=collection.id,
            paper_id=paper.id,
            position=0 if last is None else last + step,
            note=_clean(note, MAX_NOTE, "a note") or None,
            added_by_id=user.id,
        )
    )
    collection.updated_at = utcnow()
    session.flush()
    return True


def remove_paper(session: Session, collection: LibraryCollection, user: User, paper: Paper) -> bool:
    require_editor(session, collection, user)
    gone = session.execute(
        delete(LibraryItem).where(
            LibraryItem.collection_id == collection.id, LibraryItem.paper_id == paper.id
        )
    ).rowcount
    collection.updated_at = utcnow()
    return bool(gone)


def _item(session: Session, collection: LibraryCollection, paper: Paper) -> LibraryItem:
    item = session.get(LibraryItem, (collection.id, paper.id))
    if item is None:
        raise NotFound(f"{paper.arxiv_id} is not in this collection")
    return item


def set_note(
    session: Session, collection: LibraryCollection, user: User, paper: Paper, note: str
) -> str | None:
    require_editor(session, collection, user)
    item = _item(session, collection, paper)
    item.note = _clean(note, MAX_NOTE, "a note") or None
    collection.updated_at = utcnow()
    return item.note


def move_paper(
    session: Session, collection: LibraryCollection, user: User, paper: Paper, direction: str
) -> None:
    """Move a paper one place up or down, or to the top or bottom; positions stay 0..n-1."""
    require_editor(session, collection, user)
    if direction not in ("up", "down", "top", "bottom"):
        raise InvalidInput("move is one of up, down, top, bottom")
    items = list(
        session.scalars(
            select(LibraryItem)
            .where(LibraryItem.collection_id == collection.id)
            .order_by(LibraryItem.position, LibraryItem.added_at, LibraryItem.paper_id)
        )
    )
    at = next((i for i, it in enumerate(items) if it.paper_id == paper.id), None)
    if at is None:
        raise NotFound(f"{paper.arxiv_id} is not in this collection")
    moving = items.pop(at)
    target = {"up": max(0, at - 1), "down": min(len(items), at + 1), "top": 0}.get(
        direction, len(items)
    )
    items.insert(target, moving)
    for position, item in enumerate(items):
        item.position = position
    collection.updated_at = utcnow()
