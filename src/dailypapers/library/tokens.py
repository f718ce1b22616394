"""Personal API tokens: `dp_` + 32 random bytes, shown once; only their SHA-256 is stored.

A token is as strong as a password would be after hashing, so a fast hash is enough (and lets
every API request be checked in one indexed lookup); argon2 is for what people choose.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.errors import InvalidInput, NotFound
from dailypapers.store.models import ApiToken, User
from dailypapers.timeutil import utcnow

PREFIX = "dp_"
MAX_TOKENS = 20


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for the user: (its row, the token itself, which is never stored)."""
    name = " ".join((name or "").split())[:100] or "API token"
    if len(list_tokens(session, user)) >= MAX_TOKENS:
        raise InvalidInput(f"at most {MAX_TOKENS} tokens; revoke one first")
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name, token_hash=_digest(token), prefix=token[:10])
    session.add(row)
    session.flush()
    return row, token


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    )


def revoke_token(session: Session, user: User, token_id: int) -> None:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(f"no token {token_id}")
    session.delete(row)


def user_for_token(session: Session, token: str) -> User | None:
    """The token's user, or None; notes when it was last used."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    digest = _digest(token)
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    row.last_used_at = utcnow()
    return session.get(User, row.user_id)
