"""How /openapi.json documents the HTML pages and the feeds (the JSON API: schemas.py).

Every GET route is in the schema; POST forms are not (they need the session's CSRF token and
are no API: `include_in_schema=False`). Pages answer `text/html` (errors too, as the error
page), feeds `application/rss+xml` or `application/atom+xml` with JSON `{error, status}`
errors, so a schema-driven client (or schemathesis) finds every answer documented.

    router = APIRouter(tags=["pages"], default_response_class=HTMLResponse, responses=PAGE)
"""

from __future__ import annotations

from typing import Any

from dailypapers.web.schemas import Error

HTML = {"text/html": {"schema": {"type": "string"}}}
FEEDS = {
    "application/rss+xml": {"schema": {"type": "string"}},
    "application/atom+xml": {"schema": {"type": "string"}},
}
JSON_ERROR = {"model": Error}

PAGE: dict[int | str, dict[str, Any]] = {
    200: {"description": "The page", "content": HTML},
    302: {"description": "To the current week or month"},
    303: {"description": "To the log-in page (pages that need one), or where a form leads"},
    400: {"description": "A malformed or out-of-range date, query or link", "content": HTML},
    401: {"description": "Log in first (asked for JSON)", "content": HTML},
    404: {"description": "Nothing at this address", "content": HTML},
    410: {"description": "A link from a mail that has expired", "content": HTML},
    422: {"description": "A parameter out of range", "content": HTML},
}
FEED: dict[int | str, dict[str, Any]] = {
    200: {"description": "RSS 2.0 (.rss) or Atom (.atom)", "content": FEEDS},
    400: {"description": "A malformed date or query", **JSON_ERROR},
    404: {"description": "Nothing at this address", **JSON_ERROR},
    422: {"description": "A parameter missing or out of range", **JSON_ERROR},
}

# Examples from the bundled demo data (`dailypapers init --demo`, what `make run` serves), so
# "Try it out" at /docs answers with real papers, and the schema fuzz test, seeded with the same
# data, reaches the pages of real papers and days rather than only 404s.
PAPER_ID = "2604.23195"
DAY = "2026-05-04"
WEEK = "2026-W19"
MONTH = "2026-05"
QUERY = "retrieval"
