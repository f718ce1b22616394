"""Bad input at every route is a 4xx with a message, never a 500 (on SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from dailypapers.web.app import create_app
from support.web import log_in, make_user

BAD_VALUES = [
    "",
    " ",
    "-1",
    "0",
    "1.5",
    "99999999999999999999999",
    "2025-02-30",
    "2025-W99",
    "9999-99",
    "x" * 3000,
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%00",
    "\u202e\u0000é漢字",
    "hep-th/",
    "null",
]
QUERY_NAMES = ["date", "week", "month", "p", "limit", "sort", "q", "next", "id", "kind", "page"]
FORM_NAMES = [
    "body", "paper", "hidden", "upvoted", "next", "username", "password", "email", "q", "frequency",
]  # fmt: skip
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


@pytest.fixture
def fuzz_client(settings, seeded):  # noqa: ANN001, ANN201
    # Nothing may leave the machine: the arXiv API points at a closed loopback port.
    closed = settings.model_copy(
        update={
            "arxiv_api_url": "http://127.0.0.1:9/api/query",
            "harvest_delay": 0,
            "harvest_retries": 1,
            "rate_limit_auth": 100_000,
            "rate_limit_writes": 100_000,
        }
    )
    app = create_app(closed)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield app, client
    app.state.store.dispose()


def routes(app):  # noqa: ANN001, ANN201
    for context in iter_route_contexts(app.routes):
        for method in sorted(context.methods or ()):
            if method != "HEAD":
                yield method, context.path


def fill(path: str, value: str) -> str:
    return PARAM.sub(lambda _m: value, path)


def check(response, method: str, path: str) -> None:  # noqa: ANN001
    allowed_5xx = {502} if path.startswith("/submit") else set()
    assert response.status_code < 500 or response.status_code in allowed_5xx, (
        f"{method} {path} -> {response.status_code}: {response.text[:300]}"
    )


def test_every_route_survives_bad_input(fuzz_client):
    app, client = fuzz_client
    make_user(app.state.store, "fuzzer", admin=True)
    token = log_in(client, "fuzzer")
    seen = 0
    for method, template in routes(app):
        for value in BAD_VALUES:
            path = fill(template, quote(value, safe=""))
            query = {name: value for name in QUERY_NAMES}
            if method == "GET":
                check(client.get(path, params=query), method, template)
                check(client.get(fill(template, "2501.00003")), method, template)
            else:
                form = {name: value for name in FORM_NAMES}
                with_token = client.post(path, data={**form, "csrf_token": token}, params=query)
                check(with_token, method, template)
                check(client.post(path, data=form), method, template)
                check(
                    client.post(
                        path,
                        content=b"\xff\xfe{not a form",
                        headers={
                            "content-type": "multipart/form-data; boundary=x",
                            "X-CSRF-Token": token,
                        },
                    ),
                    method,
                    template,
                )
            seen += 1
    assert seen > 200


def test_json_errors_carry_a_message(fuzz_client):
    _, client = fuzz_client
    for path in ("/api/daily_papers?date=x", "/api/daily_papers?limit=-5", "/api/papers/x"):
        response = client.get(path)
        assert 400 <= response.status_code < 500
        assert response.json()["error"]
