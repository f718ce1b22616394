"""Dependency aliases for routes (as in the FastAPI full-stack template).

    def page(session: SessionDep, user: OptionalUser): ...
    @router.post("/x", dependencies=[WriteLimit])
    def write(session: SessionDep, user: CurrentUser): ...

`SessionDep` is one database session per request, committed when the route returns without an
error (before the response is sent). CSRF is checked app-wide (see security.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from dailypapers.config import Settings
from dailypapers.errors import DailyPapersError, Forbidden
from dailypapers.store.changes import bump_site_version
from dailypapers.store.db import Store
from dailypapers.store.models import User


class LoginRequired(DailyPapersError):
    """The action needs a logged-in user (pages redirect to /login, JSON answers 401)."""


def get_store(request: Request) -> Store:
    return request.app.state.store


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request; commits after the route (rolls back on error), in a thread.

    Async so that creating it costs no trip to the thread pool (a Session does no I/O until
    its first query, which runs in the route's own thread)."""
    session = request.app.state.store.sessions()
    try:
        yield session
    except BaseException:
        await run_in_threadpool(_rollback_and_close, session)
        raise
    await run_in_threadpool(_commit_and_close, session)


def _commit_and_close(session: Session) -> None:
    try:
        session.commit()
    finally:
        session.close()


def _rollback_and_close(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


@dataclass(frozen=True, slots=True)
class Viewer:
    """What templates know of the logged-in user; plain values, so an error page rendered
    after the database session closed can still show who is logged in."""

    id: int
    username: str
    is_admin: bool
    email: str | None = None


async def get_optional_user(request: Request, session: SessionDep) -> User | None:
    """The logged-in user, or None; a `Viewer` of it is kept on request.state.user.

    Anonymous requests (most of them) need no database work and no thread here."""
    user = None
    user_id = request.session.get("uid")
    if isinstance(user_id, int):
        user = await run_in_threadpool(session.get, User, user_id)
        # Deleted since the cookie was signed, or it was revoked (logged out, new password):
        # a copy of the cookie made before then is anonymous.
        if user is None or request.session.get("sv") != user.session_version:
            user = None
            request.session.pop("uid", None)
            request.session.pop("sv", None)
    request.state.user = Viewer(user.id, user.username, user.is_admin, user.email) if user else None
    return user


OptionalUser = Annotated[User | None, Depends(get_optional_user)]


def get_current_user(user: OptionalUser) -> User:
    if user is None:
        raise LoginRequired("log in to do that")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_admin(user: CurrentUser) -> User:
    if not user.is_admin:
        raise Forbidden("only admins can do that")
    return user


AdminUser = Annotated[User, Depends(get_admin)]


def data_changed(app: FastAPI) -> None:
    """Forget cached listings and trending after a committed write (vote, comment, …).

    This process drops its copies; on PostgreSQL the site version is bumped too, so every
    other process's copies are outdated at their next read (feed/cache.py).
    """
    app.state.trending.clear()
    app.state.listings.clear()
    store = app.state.store
    if not store.is_sqlite:
        with store.session() as session:
            bump_site_version(session)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def limit_auth(request: Request) -> None:
    """Count a log-in / sign-up attempt against the client's address."""
    request.app.state.auth_limiter.hit(f"ip:{client_address(request)}", "log-in attempts")


def limit_writes(request: Request, user: CurrentUser) -> None:
    """Count a write (vote, comment, submission) against the user."""
    request.app.state.write_limiter.hit(f"user:{user.id}", "changes in a short time")


AuthLimit = Depends(limit_auth)
WriteLimit = Depends(limit_writes)
