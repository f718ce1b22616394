"""/docs: Swagger UI for the OpenAPI schema, served from local files (no CDN, no inline script)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from dailypapers.web.openapi_docs import PAGE
from dailypapers.web.templating import render

router = APIRouter(tags=["pages"], default_response_class=HTMLResponse, responses=PAGE)
# The Swagger UI files themselves are mounted at /docs/assets by the app factory.


@router.get("/docs")
def docs(request: Request) -> Response:
    return render(request, "docs.html")
