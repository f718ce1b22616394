"""Sessions can be taken back: logging out or a new password ends every copy of the cookie."""

from __future__ import annotations

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from dailypapers.accounts.users import get_user_by_name, set_password
from support.web import csrf_from, log_in, make_user


def _is_logged_in(client: TestClient) -> bool:
    return client.get("/submit", follow_redirects=False).status_code == 200


def _copy(app, client: TestClient) -> TestClient:  # noqa: ANN001
    thief = TestClient(app)
    thief.cookies.set("dp_session", client.cookies["dp_session"])
    return thief


def test_logout_revokes_a_copied_cookie(app, client):
    make_user(app.state.store, "alice")
    token = log_in(client, "alice")
    thief = _copy(app, client)
    assert _is_logged_in(thief)
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert not _is_logged_in(client)
    assert not _is_logged_in(thief)
    assert thief.get("/api/daily_papers").status_code == 200  # anonymous, not an error
    # Logging in again works, and the old copy stays dead.
    log_in(client, "alice")
    assert _is_logged_in(client)
    assert not _is_logged_in(thief)


def test_a_new_password_revokes_every_session(app, client):
    make_user(app.state.store, "bob")
    log_in(client, "bob")
    with app.state.store.session() as session:
        user = get_user_by_name(session=session, username="bob")
        set_password(session=session, user=user, password="a brand new one")
    assert not _is_logged_in(client)
    log_in(client, "bob", "a brand new one")
    assert _is_logged_in(client)


def test_signup_logs_in_with_a_current_session(app, client):
    token = csrf_from(client, "/signup")
    response = client.post(
        "/signup",
        data={"username": "carol", "password": "long enough", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert _is_logged_in(client)


def test_user_password_command_logs_the_user_out(app, client, settings, monkeypatch):
    from dailypapers import cli, cli_support

    make_user(app.state.store, "dave")
    log_in(client, "dave")
    monkeypatch.setattr(cli_support, "settings", lambda: settings)
    cli._register()
    result = CliRunner().invoke(
        cli.app, ["user", "password", "dave", "--password-stdin"], input="another password\n"
    )
    assert result.exit_code == 0, result.output
    assert not _is_logged_in(client)
    missing = CliRunner().invoke(
        cli.app, ["user", "password", "nobody", "--password-stdin"], input="another password\n"
    )
    assert missing.exit_code == 1 and "no user 'nobody'" in missing.output
