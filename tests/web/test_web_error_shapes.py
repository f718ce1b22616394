"""Every error under /api/ is JSON `{"error": …}`; other pages get the HTML error page."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dailypapers.config import Settings
from dailypapers.web.app import create_app


def _boom() -> None:
    raise RuntimeError("a bug")


@pytest.fixture
def raw_client(settings: Settings, store):  # noqa: ANN001, ANN201
    app: FastAPI = create_app(settings)
    # A route with a bug, in each half of the site.
    app.add_api_route("/api/boom", _boom)
    app.add_api_route("/boom", _boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    app.state.store.dispose()


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/no-such-route", 404),
        ("GET", "/api/papers/0000.00000", 404),
        ("POST", "/api/daily_papers", 405),
        ("DELETE", "/api/papers/search?q=x", 405),
        ("GET", "/api/daily_papers?limit=0", 422),
        ("GET", "/api/papers/search", 422),
        ("GET", "/api/daily_papers?month=13-13", 400),
        ("GET", "/api/boom", 500),
    ],
)
def test_api_errors_are_json(raw_client, method, path, status):
    response = raw_client.request(method, path, headers={"accept": "text/html"})
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["error"], str) and body["error"]
    assert "Traceback" not in response.text and "a bug" not in response.text


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/no-such-page", 404),
        ("GET", "/month/2025-13", 400),
        ("POST", "/trending", 405),
        ("GET", "/?p=-1", 422),
        ("GET", "/boom", 500),
    ],
)
def test_pages_errors_are_the_html_error_page(raw_client, method, path, status):
    response = raw_client.request(method, path, headers={"accept": "text/html"})
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert f'<p class="status">{status}</p>' in response.text
    assert "a bug" not in response.text
