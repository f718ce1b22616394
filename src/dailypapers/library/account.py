"""A user's own data: all of it out as one JSON document, and the account deleted.

The export walks the schema: every table with a column that references `users` contributes
the rows whose column holds this user, so a table added later is exported without anyone
remembering to (a test checks it). Secrets never leave: password and token hashes, link keys.
On top of the raw rows come the readable parts: profile and collections with their papers.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, delete, or_, select, update
from sqlalchemy.orm import Session

from dailypapers.accounts.users import hash_password
from dailypapers.errors import InvalidInput
from dailypapers.library.collections import entries, owned_and_shared
from dailypapers.library.reading import read_ids
from dailypapers.store.models import Base, Comment, Subscription, User
from dailypapers.timeutil import utcnow

FORMAT = "dailypapers-account-export/1"
SECRET_COLUMNS = frozenset({"password_hash", "token_hash", "token_key", "session_version"})
DELETED_USER = "deleted-user"


def user_columns(table: Table) -> list[str]:
    """The table's columns that reference users.id."""
    return [
        fk.parent.name for fk in table.foreign_keys if fk.column.table.name == User.__tablename__
    ]


def tables_referencing_users() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if user_columns(t)]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _rows(session: Session, table: Table, user_id: int) -> list[dict]:
    where = or_(*(table.c[name] == user_id for name in user_columns(table)))
    keep = [c for c in table.columns if c.name not in SECRET_COLUMNS]
    ordered = select(*keep).where(where).order_by(*table.primary_key.columns)
    return [{k: _plain(v) for k, v in row._mapping.items()} for row in session.execute(ordered)]


def export_account(session: Session, user: User) -> dict:
    """Everything of the user's, as one JSON-ready document."""
    collections = []
    for collection in owned_and_shared(session, user):
        collections.append(
            {
                "id": collection.id,
                "title": collection.title,
                "description": collection.description,
                "visibility": collection.visibility,
                "default": collection.is_default,
                "owned": collection.owner_id == user.id,
                "papers": [
                    {"arxiv_id": e.paper.arxiv_id, "title": e.paper.title, "note": e.note}
                    for e in entries(session, collection, viewer=user)
                ],
            }
        )
    return {
        "format": FORMAT,
        "exported_at": utcnow().isoformat(),
        "profile": {
            "id": user.id,
            "username": user.username,
            "email": user.email,
            "is_admin": user.is_admin,
            "created_at": _plain(user.created_at),
        },
        "collections": collections,
        "read": sorted(read_ids(session, user.id)),
        "tables": {
            table.name: _rows(session, table, user.id) for table in tables_referencing_users()
        },
    }


def _deleted_user(session: Session) -> User:
    """The account that keeps comments of people who left (it cannot log in)."""
    found = session.scalar(select(User).where(User.username == DELETED_USER))
    if found is None:
        # A random password nobody knows: the account exists only to own what was kept.
        found = User(username=DELETED_USER, password_hash=hash_password(secrets.token_hex(32)))
        session.add(found)
        session.flush()
    return found


def delete_account(session: Session, user: User, *, comments: str = "keep") -> None:
    """Delete the user and all their data; comments stay as "deleted user" or go with them."""
    if comments not in ("keep", "remove"):
        raise InvalidInput("comments are either kept (as “deleted user”) or removed")
    if user.username == DELETED_USER:
        raise InvalidInput("this account cannot be deleted")
    if comments == "keep":
        placeholder = _deleted_user(session)
        session.execute(
            update(Comment).where(Comment.user_id == user.id).values(user_id=placeholder.id)
        )
    # Subscriptions keep an email address: they go too (SET NULL would leave it behind).
    session.execute(delete(Subscription).where(Subscription.user_id == user.id))
    session.delete(user)  # the rest cascades (ON DELETE CASCADE / SET NULL)
    session.flush()
