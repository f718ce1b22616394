"""Jinja2 templates (autoescaped) and `render`, the one way routes produce HTML."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import HTMLResponse

from dailypapers import __version__
from dailypapers.web.library_view import library_state
from dailypapers.web.security import csrf_token
from dailypapers.web.urls import absolute_url, site_root

TEMPLATES = Path(__file__).parent / "templates"

templates = Jinja2Templates(directory=str(TEMPLATES))
env = templates.env
env.autoescape = True  # every template, whatever its extension
env.trim_blocks = True
env.lstrip_blocks = True


def short_authors(authors: list[str] | None, keep: int = 3) -> str:
    """'A, B, C et al. (12)' style, for cards."""
    authors = authors or []
    if len(authors) <= keep + 1:
        return ", ".join(authors)
    return f"{', '.join(authors[:keep])} +{len(authors) - keep} authors"


def excerpt(text: str | None, length: int = 280) -> str:
    text = " ".join((text or "").split())
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0]
    return cut.rstrip(",.;:") + "…"


def human_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%b %-d, %Y")


def iso(value: date | datetime | None) -> str:
    return "" if value is None else value.isoformat()


def compact(value: int | None) -> str:
    """A count as HF shows it: 950, 1.2k, 12k."""
    if value is None:
        return ""
    if value < 1000:
        return str(value)
    if value < 10_000:
        return f"{value / 1000:.1f}".rstrip("0").rstrip(".") + "k"
    return f"{value // 1000}k"


env.filters.update(
    short_authors=short_authors, excerpt=excerpt, human_date=human_date, iso=iso, compact=compact
)
env.globals.update(
    csrf_token=csrf_token,
    version=__version__,
    site_name="Daily Papers",
    absolute_url=absolute_url,
    site_root=site_root,
    library_state=library_state,
)


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a template with the current user (from the OptionalUser dependency) in context."""
    values = {"user": getattr(request.state, "user", None), **(context or {})}
    return templates.TemplateResponse(
        request, name, values, status_code=status_code, headers=headers
    )
