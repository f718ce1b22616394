"""/docs: Swagger UI for the OpenAPI schema, served from local files (no CDN, no inline script)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dailypapers.web.templating import render

router = APIRouter(include_in_schema=False)
# The Swagger UI files themselves are mounted at /docs/assets by the app factory.


@router.get("/docs")
def docs(request: Request) -> Response:
    return render(request, "docs.html")
