"""Turn errors into answers people can read: JSON for the API and feeds, a page for browsers."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from dailypapers import errors
from dailypapers.web.deps import LoginRequired
from dailypapers.web.security import CsrfError, safe_next
from dailypapers.web.templating import render

STATUS: list[tuple[type[Exception], int]] = [
    (errors.BadArxivId, 400),
    (errors.InvalidInput, 400),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.Forbidden, 403),
    (CsrfError, 403),
    (LoginRequired, 401),
    (errors.RateLimited, 429),
]
TITLES = {
    400: "That did not look right",
    401: "Please log in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Already taken",
    422: "That did not look right",
    429: "Slow down a little",
    500: "Something went wrong on our side",
    502: "A source did not answer",
}


def wants_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/feeds/")) or path == "/openapi.json":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def error_response(request: Request, status: int, message: str) -> Response:
    headers = {}
    if status == 429:
        headers["Retry-After"] = str(getattr(request.state, "retry_after", 60))
    if wants_json(request):
        return JSONResponse({"error": message, "status": status}, status, headers=headers)
    title = TITLES.get(status, "Something went wrong")
    return render(
        request,
        "error.html",
        {"title": title, "message": message, "status": status},
        status_code=status,
        headers=headers,
    )


def _status_of(exc: Exception) -> int:
    for kind, status in STATUS:
        if isinstance(exc, kind):
            return status
    remote = getattr(errors, "RemoteSourceError", None)
    if remote is not None and isinstance(exc, remote):
        return 502
    return 400


async def domain_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, LoginRequired) and not wants_json(request):
        # Come back to the page after logging in: this one, or the one a form was posted from.
        if request.method == "GET":
            target = request.url.path
        else:
            target = urlsplit(request.headers.get("referer", "")).path or "/"
        return RedirectResponse(f"/login?next={quote(safe_next(target))}", status_code=303)
    if isinstance(exc, errors.RateLimited):
        request.state.retry_after = exc.retry_after
    return error_response(request, _status_of(exc), str(exc))


async def validation_error(request: Request, exc: RequestValidationError) -> Response:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    message = "; ".join(problems) or "invalid request"
    if wants_json(request):
        detail = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return JSONResponse({"error": message, "status": 422, "detail": detail}, 422)
    return error_response(request, 422, message)


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    message = exc.detail if isinstance(exc.detail, str) else "error"
    if exc.status_code == 404 and message == "Not Found":
        message = "There is no page at this address."
    response = error_response(request, exc.status_code, message)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def data_error(request: Request, exc: DataError) -> Response:
    # A value the database cannot store (e.g. NUL in PostgreSQL text): the input's fault.
    return error_response(
        request, 400, "the request holds characters or values that cannot be stored"
    )


async def server_error(request: Request, exc: Exception) -> Response:
    # Starlette's ServerErrorMiddleware answers with this, then re-raises so the server logs the
    # traceback; the client gets JSON under /api/ or the error page, never a plain-text body.
    message = "something went wrong on our side; it has been logged"
    try:
        return error_response(request, 500, message)
    except Exception:  # the page itself failed (a broken template): plain words, not a loop
        return JSONResponse({"error": message, "status": 500}, 500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(Exception, server_error)
    app.add_exception_handler(DataError, data_error)
    app.add_exception_handler(errors.DailyPapersError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
