"""Security plumbing: CSRF tokens, security headers, safe redirects.

CSRF: a random token lives in the signed session; every state-changing request (POST, PUT,
PATCH, DELETE) must echo it in the `csrf_token` form field or the `X-CSRF-Token` header. The check
is an app-wide dependency, so routers added later are covered without doing anything; a route that
must accept foreign POSTs (RFC 8058 one-click unsubscribe) opts out with `@csrf_exempt`.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dailypapers.errors import DailyPapersError, InvalidInput

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
    # An API call with a bearer token is authenticated by the token alone (never the cookie;
    # see routes/library_api.py), and a cross-site form cannot send that header.
    authorization = request.headers.get("authorization", "")
    if request.url.path.startswith("/api/") and authorization.lower().startswith("bearer "):
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


# C0 controls but tab, newline and carriage return; DEL; C1 controls. No text a person types
# holds them, NUL passes SQLite untouched (and breaks PostgreSQL), and XML cannot carry them.
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


async def reject_control_characters(request: Request) -> None:
    """Refuse (400) a request whose path or query holds control characters.

    Form fields are checked where they are validated (user names, emails, passwords, comment
    bodies), so a form shows its own error next to the field instead of an error page."""
    values = [request.scope.get("path", ""), *request.query_params.values()]
    if any(CONTROL_CHARS.search(value) for value in values):
        raise InvalidInput(
            "the address holds control characters (such as NUL); remove them and try again"
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


# Pages whose answers must never sit in a shared or disk cache, logged in or not.
AUTH_PATHS = frozenset({"/login", "/signup", "/logout"})
STATIC_PREFIXES = ("/static/", "/docs/assets/")
HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeadersMiddleware:
    """Adds CSP, nosniff, referrer, framing and permissions headers to every response.

    Answers to a logged-in user (and every auth page) are `Cache-Control: private, no-store`,
    so a shared cache never hands one user's page to another; with an https base URL, HSTS.
    Must sit inside the session middleware (it reads the session to tell who is logged in).
    """

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        csp = DOCS_CSP if path.startswith("/docs") else CSP
        static = path.startswith(STATIC_PREFIXES)

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
                if self.hsts:
                    headers.setdefault("Strict-Transport-Security", HSTS)
                logged_in = bool(scope.get("session", {}).get("uid"))
                if path in AUTH_PATHS or (logged_in and not static):
                    headers["Cache-Control"] = "private, no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class AllowedHostsMiddleware:
    """Answers 400 to a request whose Host header is not one of `hosts` (the base URL's).

    Like Starlette's TrustedHostMiddleware, but the answer has the site's error shapes (JSON
    under /api/ and /feeds/). Names are compared without the port; "*.example.org" matches
    any subdomain.
    """

    def __init__(self, app: ASGIApp, hosts: list[str]) -> None:
        self.app = app
        self.exact = {h.lower() for h in hosts if not h.startswith("*.")}
        self.suffixes = tuple(h[1:].lower() for h in hosts if h.startswith("*."))

    def allows(self, host: str) -> bool:
        name = host.lower()
        if name.startswith("["):  # an IPv6 literal, [::1]:8000
            name = name.split("]", 1)[0] + "]"
        else:
            name = name.split(":", 1)[0]
        return name in self.exact or (bool(self.suffixes) and name.endswith(self.suffixes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host", "")
        if self.allows(host):
            await self.app(scope, receive, send)
            return
        message = "this site is not served under that host name"
        if scope["path"].startswith(("/api/", "/feeds/")):
            response: Response = JSONResponse({"error": message, "status": 400}, 400)
        else:
            response = HTMLResponse(f"<!doctype html><title>Bad host</title><p>{message}</p>", 400)
        await response(scope, receive, send)


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
