"""Security plumbing: CSRF tokens, security headers, safe redirects.

CSRF: a random token lives in the signed session; every state-changing request (POST, PUT,
PATCH, DELETE) must echo it in the `csrf_token` form field or the `X-CSRF-Token` header. The check
is an app-wide dependency, so routers added later are covered without doing anything; a route that
must accept foreign POSTs (RFC 8058 one-click unsubscribe) opts out with `@csrf_exempt`.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dailypapers.errors import DailyPapersError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

F = TypeVar("F", bound=Callable[..., Any])


class CsrfError(DailyPapersError):
    """A state-changing request without the session's CSRF token."""


def csrf_exempt(endpoint: F) -> F:
    """Mark a route that must accept POSTs without a CSRF token (e.g. one-click unsubscribe)."""
    endpoint._csrf_exempt = True  # type: ignore[attr-defined]
    return endpoint


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


async def verify_csrf(request: Request) -> None:
    """Reject a state-changing request whose token does not match the session's."""
    if request.method in SAFE_METHODS:
        return
    endpoint = request.scope.get("endpoint")
    if getattr(endpoint, "_csrf_exempt", False):
        return
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            try:
                form = await request.form()
            except Exception:  # a malformed body: no token either
                form = {}
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(str(expected), str(sent)):
        raise CsrfError(
            "the form expired or did not come from this site; reload the page and try again"
        )


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to; anything else (another host, a scheme) becomes `default`."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


# Thumbnails, avatars and media of Hugging Face papers are shown from HF's CDNs.
HF_MEDIA = "https://huggingface.co https://*.huggingface.co"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    f"img-src 'self' data: {HF_MEDIA}; media-src 'self' {HF_MEDIA}; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI sets a few inline styles itself.
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


class SecurityHeadersMiddleware:
    """Adds CSP, nosniff, referrer, framing and permissions headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if scope["path"].startswith("/docs") else CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", csp)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault(
                    "Permissions-Policy", "interest-cohort=(), camera=(), microphone=()"
                )
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HeadAsGetMiddleware:
    """Answer HEAD like GET without a body (FastAPI routes register GET only)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body"):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)
