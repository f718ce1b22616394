"""The web application factory: middleware, error handlers, static files and the routers.

Each area adds its pages and endpoints as an `APIRouter` named `router` in a module listed in
ROUTERS; optional ones (built by other areas) are skipped until their module exists.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from dailypapers import __version__
from dailypapers.config import Settings, get_settings
from dailypapers.feed.cache import TTLCache
from dailypapers.rank.trending import TrendingCache
from dailypapers.store.changes import site_version
from dailypapers.store.db import Store, open_store
from dailypapers.web import errors
from dailypapers.web.ratelimit import SharedLimiter, SlidingWindowLimiter
from dailypapers.web.security import (
    AllowedHostsMiddleware,
    HeadAsGetMiddleware,
    SecurityHeadersMiddleware,
    reject_control_characters,
    verify_csrf,
)

STATIC = Path(__file__).parent / "static"

# Order matters where paths overlap: the search routes (/api/papers/search,
# /api/papers/{id}/similar) must come before the API's /api/papers/{id:path}.
ROUTERS: tuple[str, ...] = (
    "dailypapers.web.routes.search",  # hybrid search (search area)
    "dailypapers.web.routes.digest",  # subscribe, confirm, settings, "For you" (digest area)
    "dailypapers.web.routes.library_files",  # before pages: /papers/{id}.bib, .ris
    "dailypapers.web.routes.library",
    "dailypapers.web.routes.library_account",
    "dailypapers.web.routes.library_api",  # before the API's /api/papers/{id:path}
    "dailypapers.web.routes.auth",
    "dailypapers.web.routes.community",
    "dailypapers.web.routes.api",
    "dailypapers.web.routes.feeds",
    "dailypapers.web.routes.collections",  # before pages: /papers/{id}.md
    "dailypapers.web.routes.docs",
    "dailypapers.web.routes.pages",
)
OPTIONAL_ROUTERS = frozenset({"dailypapers.web.routes.search", "dailypapers.web.routes.digest"})


class CachedStaticFiles(StaticFiles):
    """Static files browsers may keep for a day (pages link them with ?v=<version>)."""

    def file_response(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        response = super().file_response(*args, **kwargs)
        response.headers.setdefault("Cache-Control", "public, max-age=86400")
        return response


def _site_version(store: Store) -> int:
    with store.session() as session:
        return site_version(session)


def _include_routers(app: FastAPI) -> None:
    for name in ROUTERS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if name in OPTIONAL_ROUTERS and exc.name == name:
                continue
            raise
        app.include_router(module.router)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """With DAILYPAPERS_SCHEDULER, run the daily harvest and digests in this process."""
    schedule = None
    start = app.state.start_schedule
    if app.state.settings.scheduler_enabled and start is not None:
        schedule = start(app.state.store, app.state.settings)
    app.state.schedule = schedule
    try:
        yield
    finally:
        if schedule is not None:
            schedule.stop()


def create_app(
    settings: Settings | None = None, *, start_schedule: Callable[..., Any] | None = None
) -> FastAPI:
    """Build the site and JSON API for `settings` (the environment's by default).

    `start_schedule(store, settings)`, given by the top (dailypapers/server.py), runs the
    scheduled jobs in this process when DAILYPAPERS_SCHEDULER is on; web knows no jobs.
    """
    settings = settings or get_settings()
    store = open_store(settings)
    app = FastAPI(
        lifespan=_lifespan,
        title="dailypapers",
        version=__version__,
        description="The daily feed of research papers: listings, papers, votes and comments.",
        docs_url=None,  # served by routes/docs.py from local files, under a strict CSP
        redoc_url=None,
        # CSRF first: a foreign form post is refused before its content is looked at.
        dependencies=[Depends(verify_csrf), Depends(reject_control_characters)],
    )
    app.state.settings = settings
    app.state.store = store
    app.state.start_schedule = start_schedule
    if store.is_sqlite:  # one process serves a SQLite site: counting in memory is enough
        app.state.auth_limiter = SlidingWindowLimiter(settings.rate_limit_auth, 60)
        app.state.write_limiter = SlidingWindowLimiter(settings.rate_limit_writes, 60)
        version = None
    else:  # any number of processes on any number of machines behave as one site
        app.state.auth_limiter = SharedLimiter(store, settings.rate_limit_auth, 60)
        app.state.write_limiter = SharedLimiter(store, settings.rate_limit_writes, 60)
        version = partial(_site_version, store)
    app.state.trending = TrendingCache(version=version)
    # Anonymous listings and API pages, a few seconds (and, on PostgreSQL, only while no
    # process has written since).
    app.state.listings = TTLCache(version=version)

    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.base_url.startswith("https://"))
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret(),
        session_cookie="dp_session",
        same_site="lax",
        https_only=settings.base_url.startswith("https://"),
        max_age=30 * 24 * 3600,
    )
    app.add_middleware(HeadAsGetMiddleware)
    if settings.host_names:  # a base URL is set: no other Host header is served
        app.add_middleware(AllowedHostsMiddleware, hosts=settings.host_names)
    if settings.proxy_networks:
        # Only these proxies may say who the client is (X-Forwarded-For); `serve` turns
        # uvicorn's own proxy-header handling off, which would trust 127.0.0.1 by default.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.proxy_networks)
    errors.install(app)
    app.mount("/static", CachedStaticFiles(directory=STATIC), name="static")
    # Swagger UI's own files, shipped in the fastapi-offline wheel (no CDN).
    swagger = CachedStaticFiles(directory=Path(fastapi_offline.__file__).parent / "static")
    app.mount("/docs/assets", swagger, name="swagger")
    _include_routers(app)
    return app
