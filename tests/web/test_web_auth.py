"""Sign up, log in, log out: argon2 hashes, signed HttpOnly cookies, CSRF, rate limits."""

from __future__ import annotations

from fastapi.testclient import TestClient

from dailypapers.store.models import User
from dailypapers.web.app import create_app
from support.web import csrf_from, log_in, make_user, pin_limiter_clocks


def sign_up(client, username, password="correct horse", email=""):  # noqa: ANN001, ANN201
    token = csrf_from(client, "/signup")
    return client.post(
        "/signup",
        data={"username": username, "password": password, "email": email, "csrf_token": token},
        follow_redirects=False,
    )


def test_sign_up_logs_in_with_an_httponly_lax_cookie(app, client):
    response = sign_up(client, "bob", email="Bob@Example.org")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "dp_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert ">bob<" in client.get("/").text.replace("bob <", "bob<")
    with app.state.store.session() as session:
        user = session.query(User).filter_by(username="bob").one()
        assert user.password_hash.startswith("$argon2id$")
        assert user.email == "bob@example.org"


def test_sign_up_rejects_taken_names_and_short_passwords(client):
    assert sign_up(client, "carol").status_code == 303
    client.cookies.clear()
    taken = sign_up(client, "Carol")
    assert taken.status_code == 400 and "is taken" in taken.text
    short = sign_up(client, "dave", password="short")
    assert short.status_code == 400 and "at least 8 characters" in short.text
    bad = sign_up(client, "<script>")
    assert bad.status_code == 400 and "<script>" not in bad.text.split("</header>")[1]


def test_log_in_and_out(app, client):
    make_user(app.state.store, "erin")
    token = csrf_from(client, "/login")
    wrong = client.post(
        "/login", data={"username": "erin", "password": "nope nope", "csrf_token": token}
    )
    assert wrong.status_code == 400 and "wrong user name or password" in wrong.text
    unknown = client.post(
        "/login", data={"username": "nobody", "password": "nope nope", "csrf_token": token}
    )
    assert unknown.status_code == 400 and "wrong user name or password" in unknown.text
    token = log_in(client, "erin")
    assert "Log out" in client.get("/").text
    out = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    assert "Log in" in client.get("/").text


def test_log_in_redirects_only_to_local_paths(app, client):
    make_user(app.state.store, "frank")
    token = csrf_from(client, "/login")
    for target, expected in (
        ("/date/2025-01-06", "/date/2025-01-06"),
        ("https://evil.example", "/"),
        ("//evil.example", "/"),
    ):
        client.cookies.clear()
        token = csrf_from(client, "/login")
        response = client.post(
            "/login",
            data={
                "username": "frank",
                "password": "correct horse",
                "next": target,
                "csrf_token": token,
            },
            follow_redirects=False,
        )
        assert response.headers["location"] == expected


def test_forms_without_the_csrf_token_are_refused(app, client):
    make_user(app.state.store, "gina")
    response = client.post("/login", data={"username": "gina", "password": "correct horse"})
    assert response.status_code == 403
    csrf_from(client, "/login")
    forged = client.post(
        "/login", data={"username": "gina", "password": "correct horse", "csrf_token": "forged"}
    )
    assert forged.status_code == 403 and "did not come from this site" in forged.text


def test_log_in_attempts_are_rate_limited(settings, seeded):
    app = create_app(settings.model_copy(update={"rate_limit_auth": 3}))
    pin_limiter_clocks(app)
    with TestClient(app) as client:
        token = csrf_from(client, "/login")
        data = {"username": "x", "password": "wrong password", "csrf_token": token}
        statuses = [client.post("/login", data=data).status_code for _ in range(4)]
        assert statuses == [400, 400, 400, 429]
        limited = client.post("/login", data=data)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    app.state.store.dispose()


def test_pages_that_need_a_user_send_guests_to_log_in(client):
    response = client.get("/submit", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/submit"
