"""Users: argon2id password hashes, keyword-only CRUD, constant-time authentication."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dailypapers.errors import Conflict, InvalidInput
from dailypapers.store.models import User

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,38}[A-Za-z0-9]$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
# Control characters (C0, DEL, C1): never part of an address, and NUL passes SQLite untouched.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # argon2 hashes anything, but a megabyte "password" is an attack

_hasher = PasswordHasher()  # argon2id with the library's current defaults
# Verified against when the user does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password, only here to spend the same time")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def validate_username(username: str) -> str:
    username = (username or "").strip()
    if not USERNAME.match(username):
        raise InvalidInput(
            "user names are 3–40 letters, digits, '.', '_' or '-', starting and ending with a "
            "letter or digit"
        )
    return username


def validate_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput(f"passwords need at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD or "\x00" in password:
        raise InvalidInput(f"passwords have at most {MAX_PASSWORD} characters and no NUL")
    return password


def validate_email(email: str | None) -> str | None:
    email = (email or "").strip()
    if not email:
        return None
    if len(email) > 320 or not EMAIL.match(email) or CONTROL.search(email):
        raise InvalidInput(f"not an email address: {CONTROL.sub('', email)[:80]!r}")
    return email.lower()


def get_user_by_name(*, session: Session, username: str) -> User | None:
    """The user with this name, compared case-insensitively."""
    return session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def create_user(
    *,
    session: Session,
    username: str,
    password: str,
    email: str | None = None,
    is_admin: bool = False,
) -> User:
    """Create a user (validated; the caller's transaction commits). Raises InvalidInput/Conflict.

    User names are public, so a taken one is a Conflict. Whether an email address has an
    account is not: an address another account has is left off the new one (addresses are
    unique; the owner keeps it) and the answer is the same as for a new address.
    """
    username = validate_username(username)
    validate_password(password)
    email = validate_email(email)
    if get_user_by_name(session=session, username=username) is not None:
        raise Conflict(f"the user name {username!r} is taken")
    if email and session.scalar(select(User.id).where(User.email == email)) is not None:
        email = None
    user = User(
        username=username, email=email, password_hash=hash_password(password), is_admin=is_admin
    )
    session.add(user)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # a concurrent sign-up took the name between the check and the insert
        raise Conflict(f"the user name {username!r} is taken") from None
    return user


def authenticate(*, session: Session, username: str, password: str) -> User | None:
    """The user if the password matches, else None; the same work whether or not the user exists."""
    username = (username or "").strip()
    # A name that could not have been created cannot log in (and NUL upsets PostgreSQL).
    user = (
        get_user_by_name(session=session, username=username) if USERNAME.match(username) else None
    )
    stored = user.password_hash if user is not None else _DUMMY_HASH
    try:
        _hasher.verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _hasher.check_needs_rehash(stored):
        user.password_hash = hash_password(password)
    return user


def set_password(*, session: Session, user: User, password: str) -> User:
    """Give `user` a new password and end every session they have (the caller commits)."""
    user.password_hash = hash_password(validate_password(password))
    revoke_sessions(session=session, user=user)
    return user


def revoke_sessions(*, session: Session, user: User) -> User:
    """Make every session cookie signed for `user` so far anonymous (log out everywhere)."""
    user.session_version = (user.session_version or 0) + 1
    session.flush()
    return user


def set_admin(*, session: Session, user: User, is_admin: bool = True) -> User:
    user.is_admin = is_admin
    return user
