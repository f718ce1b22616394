"""Absolute URLs (feeds, canonical links): from DAILYPAPERS_BASE_URL when it is set.

Without a base URL the site answers as whatever host the client asked for (handy on a laptop);
with one, a forged Host header can never put another site's address into a feed or a page.
"""

from __future__ import annotations

from starlette.requests import Request


def site_root(request: Request) -> str:
    """The site's root URL, without a trailing slash."""
    configured = request.app.state.settings.site_url
    return configured or str(request.base_url).rstrip("/")


def absolute_url(request: Request, path: str | None = None) -> str:
    """`path` (by default this request's path and query) as an absolute URL of the site."""
    if path is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return site_root(request) + path
