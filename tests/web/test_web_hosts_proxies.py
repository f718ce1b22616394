"""Who the client is and which host it asked for: only configured proxies and hosts count."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from dailypapers.config import Settings
from dailypapers.web.app import create_app
from support.web import csrf_from, log_in, make_user, pin_limiter_clocks


def _app(settings: Settings, **changes):  # noqa: ANN003, ANN202
    app = create_app(settings.model_copy(update=changes))
    pin_limiter_clocks(app)
    return app


def _hammer_login(client: TestClient, tries: int) -> list[int]:
    token = csrf_from(client)
    codes = []
    for n in range(tries):
        response = client.post(
            "/login",
            data={"username": "nobody", "password": "wrong password", "csrf_token": token},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        )
        codes.append(response.status_code)
    return codes


def test_rotating_x_forwarded_for_does_not_dodge_the_rate_limit(settings, seeded):
    app = _app(settings, rate_limit_auth=3)
    with TestClient(app, client=("127.0.0.1", 5000)) as client:
        codes = _hammer_login(client, 5)
    app.state.store.dispose()
    assert codes[:3] == [400, 400, 400]
    assert codes[3:] == [429, 429]


def test_a_trusted_proxy_tells_the_client_address(settings, seeded):
    app = _app(settings, rate_limit_auth=3, trusted_proxies="10.0.0.0/8")
    with TestClient(app, client=("10.1.2.3", 5000)) as client:
        codes = _hammer_login(client, 5)  # five clients behind the proxy, one try each
    app.state.store.dispose()
    assert codes == [400] * 5


def test_an_untrusted_peer_cannot_claim_an_address_even_with_proxies_configured(settings, seeded):
    app = _app(settings, rate_limit_auth=3, trusted_proxies="10.0.0.0/8")
    with TestClient(app, client=("192.0.2.7", 5000)) as client:
        codes = _hammer_login(client, 4)
    app.state.store.dispose()
    assert codes[3] == 429


def test_trusted_proxies_must_be_addresses(settings):
    with pytest.raises(ValueError, match="not an IP address"):
        Settings(data_dir=settings.data_dir, DAILYPAPERS_TRUSTED_PROXIES="proxy.local")


BASE = "https://papers.example.org"


@pytest.fixture
def based(settings, seeded):  # noqa: ANN001, ANN201
    app = create_app(
        settings.model_copy(update={"base_url": BASE, "allowed_hosts": "alt.example.org"})
    )
    app.state.settings.base_url = BASE  # marks it as set, as the environment would
    yield app
    app.state.store.dispose()


def test_a_base_url_makes_every_absolute_url_its_own(based):
    with TestClient(based, base_url=BASE) as client:
        page = client.get("/papers/2501.00001", headers={"host": "alt.example.org"})
        feed = client.get("/feeds/daily.atom", headers={"host": "alt.example.org"})
        search = client.get("/feeds/search.rss?q=diffusion", headers={"host": "alt.example.org"})
    assert page.status_code == 200
    assert f'<link rel="canonical" href="{BASE}/papers/2501.00001">' in page.text
    assert f'<meta property="og:url" content="{BASE}/papers/2501.00001">' in page.text
    assert "alt.example.org" not in page.text
    for response in (feed, search):
        assert response.status_code == 200
        assert f"{BASE}/papers/" in response.text
        assert "alt.example.org" not in response.text
    assert f'href="{BASE}/feeds/daily.atom"' in feed.text


@pytest.mark.parametrize("path", ["/", "/api/daily_papers", "/feeds/daily.rss", "/static/x"])
def test_a_base_url_refuses_other_hosts(based, path):
    with TestClient(based, base_url="http://evil.example.com") as client:
        response = client.get(path)
    assert response.status_code == 400
    if path.startswith(("/api/", "/feeds/")):
        assert response.json()["error"]


def test_without_a_base_url_urls_follow_the_host(settings, seeded):
    app = create_app(settings)
    with TestClient(app, base_url="http://localhost:8123") as client:
        feed = client.get("/feeds/daily.rss")
    app.state.store.dispose()
    assert "http://localhost:8123/papers/" in feed.text


def test_https_base_url_sends_hsts(based):
    with TestClient(based, base_url=BASE) as client:
        response = client.get("/")
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_no_hsts_over_plain_http(client):
    assert "strict-transport-security" not in client.get("/").headers


def test_auth_pages_and_logged_in_pages_are_private(app, client):
    assert client.get("/login").headers["cache-control"] == "private, no-store"
    assert client.get("/signup").headers["cache-control"] == "private, no-store"
    assert "private" not in client.get("/").headers.get("cache-control", "")
    make_user(app.state.store, "alice")
    log_in(client, "alice")
    for path in ("/", "/papers/2501.00001", "/api/daily_papers", "/users/alice"):
        assert client.get(path).headers["cache-control"] == "private, no-store", path
    # Static files stay cacheable for everyone.
    static = client.get(f"/static/{_a_static_file()}")
    assert static.headers["cache-control"].startswith("public")


def _a_static_file() -> str:
    from dailypapers.web.app import STATIC

    return next(p.name for p in STATIC.iterdir() if p.is_file())


def _served_app(monkeypatch, settings: Settings, app):  # noqa: ANN001, ANN202
    """The ASGI app exactly as `dailypapers serve` hands it to uvicorn (its middleware too)."""
    import uvicorn
    from typer.testing import CliRunner

    from dailypapers import cli

    captured: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda target, **kwargs: captured.update(kwargs))
    monkeypatch.setattr(cli, "settings", lambda: settings)
    result = CliRunner().invoke(cli.app, ["serve"])
    assert result.exit_code == 0, result.output
    kwargs = {k: v for k, v in captured.items() if k not in ("factory", "workers")}
    config = uvicorn.Config(app, **kwargs)
    config.load()
    return config.loaded_app


def test_serve_does_not_trust_proxy_headers_from_localhost(monkeypatch, settings, seeded):
    import asyncio

    import httpx

    limited = settings.model_copy(update={"rate_limit_auth": 2})
    app = create_app(limited)
    pin_limiter_clocks(app)
    served = _served_app(monkeypatch, limited, app)

    async def attempts() -> list[int]:
        transport = httpx.ASGITransport(app=served, client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            page = await c.get("/login")
            token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            codes = []
            for n in range(4):
                response = await c.post(
                    "/login",
                    data={"username": "x", "password": "wrong password", "csrf_token": token},
                    headers={"X-Forwarded-For": f"198.51.100.{n}"},
                )
                codes.append(response.status_code)
            return codes

    codes = asyncio.run(attempts())
    app.state.store.dispose()
    assert codes == [400, 400, 429, 429]
