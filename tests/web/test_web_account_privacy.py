"""Sign-up does not tell which emails have accounts; control characters are refused."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dailypapers.accounts.users import create_user, validate_email
from dailypapers.errors import InvalidInput
from dailypapers.store.models import User
from support.web import csrf_from, log_in, make_user


def _sign_up(app, username: str, email: str):  # noqa: ANN001, ANN202
    with TestClient(app) as client:  # a fresh visitor each time
        token = csrf_from(client, "/signup")
        return client.post(
            "/signup",
            data={
                "username": username,
                "password": "correct horse",
                "email": email,
                "csrf_token": token,
            },
            follow_redirects=False,
        )


def test_a_taken_email_gets_the_same_answer_as_a_new_one(app):
    first = _sign_up(app, "owner", "shared@example.org")
    taken = _sign_up(app, "prober", "shared@example.org")
    fresh = _sign_up(app, "someone", "new@example.org")
    assert first.status_code == taken.status_code == fresh.status_code == 303
    assert taken.headers["location"] == fresh.headers["location"]
    assert set(taken.headers) == set(fresh.headers)
    with app.state.store.session() as session:
        emails = dict(session.execute(select(User.username, User.email)).all())
    assert emails["owner"] == "shared@example.org"  # the owner keeps the address
    assert emails["prober"] is None
    assert emails["someone"] == "new@example.org"


def test_a_taken_user_name_is_still_answered(app):
    _sign_up(app, "taken", "")
    again = _sign_up(app, "Taken", "other@example.org")
    assert again.status_code == 400
    assert "is taken" in again.text


@pytest.mark.parametrize("email", ["a\x00b@example.org", "a@exa\x01mple.org", "x\x7f@y.org"])
def test_emails_with_control_characters_are_refused(store, email):
    with pytest.raises(InvalidInput):
        validate_email(email)
    with store.session() as session, pytest.raises(InvalidInput):
        create_user(session=session, username="nul", password="long enough", email=email)


def test_signup_form_with_a_nul_in_the_email_is_a_400(app):
    response = _sign_up(app, "nully", "a\x00b@example.org")
    assert response.status_code == 400
    with app.state.store.session() as session:
        assert session.scalar(select(User).where(User.username == "nully")) is None


@pytest.mark.parametrize(
    "path",
    [
        "/search?q=a%00b",
        "/api/papers/search?q=%01",
        "/api/daily_papers?date=2025-01-06%00",
        "/users/al%00ice",
        "/feeds/search.rss?q=%1B",
    ],
)
def test_control_characters_in_queries_and_paths_are_a_400(client, path):
    response = client.get(path)
    assert response.status_code == 400, response.text
    if path.startswith(("/api/", "/feeds/")):
        assert "control characters" in response.json()["error"]


def test_control_characters_in_a_comment_are_a_400(app, client):
    make_user(app.state.store, "alice")
    token = log_in(client, "alice")
    response = client.post(
        "/papers/2501.00001/comments",
        data={"csrf_token": token, "body": "hello\x00world"},
        follow_redirects=False,
    )
    assert response.status_code == 400
    ok = client.post(
        "/papers/2501.00001/comments",
        data={"csrf_token": token, "body": "two\r\nlines\tand a tab"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
