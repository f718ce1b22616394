"""Upvotes, comments, submissions and moderation, through HTTP."""

from __future__ import annotations

import re
import socket
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dailypapers.store.models import Paper
from dailypapers.store.records import PaperRecord
from dailypapers.store.upsert import save_papers
from dailypapers.web.app import create_app
from support.arxiv_stub import serve_file
from support.web import csrf_from, log_in, make_user, pin_limiter_clocks

JSON = {"Accept": "application/json"}


def vote(client, token, arxiv_id="2501.00003", **data):  # noqa: ANN001, ANN003, ANN201
    return client.post(
        f"/papers/{arxiv_id}/upvote", data=data, headers={**JSON, "X-CSRF-Token": token}
    )


def test_upvote_toggles_and_counts_imported_plus_here(client, alice):
    first = vote(client, alice)
    assert first.json() == {"id": "2501.00003", "upvoted": True, "upvotes": 13}
    again = vote(client, alice)
    assert again.json()["upvoted"] is False and again.json()["upvotes"] == 12


def test_one_upvote_per_user_and_paper(app, client, alice):
    assert vote(client, alice, upvoted="1").json()["upvotes"] == 13
    assert vote(client, alice, upvoted="1").json()["upvotes"] == 13
    make_user(app.state.store, "bob")
    client.cookies.clear()
    bob = log_in(client, "bob")
    assert vote(client, bob, upvoted="1").json()["upvotes"] == 14
    api = client.get("/api/papers/2501.00003").json()
    assert api["upvotes"] == 14
    assert 'aria-pressed="true"' in client.get("/papers/2501.00003").text


def test_upvote_without_javascript_redirects_back(client, alice):
    response = client.post(
        "/papers/2501.00003/upvote",
        data={"csrf_token": alice, "next": "/date/2025-01-06"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/date/2025-01-06"
    assert 'class="vote-count">13<' in client.get("/date/2025-01-06").text


def test_upvotes_reorder_the_day(client, app):
    for name in ("user1", "user2", "user3", "user4", "user5"):
        make_user(app.state.store, name)
        client.cookies.clear()
        vote(client, log_in(client, name), arxiv_id="2501.00005", upvoted="1")
    html = client.get("/date/2025-01-07").text
    assert html.index("2501.00005") < html.index("2501.00006")  # 7 + 5 > 9


def test_guests_cannot_vote(client):
    token = csrf_from(client, "/login")
    assert vote(client, token).status_code == 401
    form = client.post(
        "/papers/2501.00003/upvote", data={"csrf_token": token}, follow_redirects=False
    )
    assert form.status_code == 303 and form.headers["location"].startswith("/login")


def test_votes_need_the_csrf_token(client, alice):
    assert client.post("/papers/2501.00003/upvote", headers=JSON).status_code == 403
    assert vote(client, "wrong").status_code == 403


def test_comments_render_markdown_safely(client, alice):
    body = (
        "**Nice** work, see [code](https://example.org).\n\n"
        "<script>alert(1)</script> [x](javascript:alert(1))"
    )
    response = client.post("/papers/2501.00003/comments", data={"body": body, "csrf_token": alice})
    assert response.status_code == 200
    html = response.text
    assert "<strong>Nice</strong>" in html
    assert 'href="https://example.org"' in html and "nofollow" in html
    assert "<script>alert(1)</script>" not in html
    assert 'href="javascript:' not in html
    assert "Comments (1)" in html
    assert client.get("/api/papers/2501.00003").json()["numComments"] == 1
    listing = client.get("/api/daily_papers?date=2025-01-06").json()
    assert {i["paper"]["id"]: i["numComments"] for i in listing}["2501.00003"] == 1


def comment_ids(html: str) -> list[str]:
    return re.findall(r'id="comment-(\d+)"', html)


def test_edit_and_delete_own_comment_only(app, client, alice):
    client.post("/papers/2501.00003/comments", data={"body": "first take", "csrf_token": alice})
    (cid,) = comment_ids(client.get("/papers/2501.00003").text)
    edited = client.post(f"/comments/{cid}/edit", data={"body": "second take", "csrf_token": alice})
    assert "second take" in edited.text and "edited" in edited.text
    assert (
        client.post(f"/comments/{cid}/edit", data={"body": "  ", "csrf_token": alice}).status_code
        == 400
    )

    make_user(app.state.store, "mallory")
    client.cookies.clear()
    mallory = log_in(client, "mallory")
    assert (
        client.post(f"/comments/{cid}/edit", data={"body": "x", "csrf_token": mallory}).status_code
        == 403
    )
    assert client.post(f"/comments/{cid}/delete", data={"csrf_token": mallory}).status_code == 403
    assert client.post("/comments/999999/delete", data={"csrf_token": mallory}).status_code == 404

    client.cookies.clear()
    alice = log_in(client, "alice")
    assert client.post(f"/comments/{cid}/delete", data={"csrf_token": alice}).status_code == 200
    assert comment_ids(client.get("/papers/2501.00003").text) == []


def test_admin_hides_comments_and_papers(app, client, alice):
    assert "2501.00003" in client.get("/api/papers/search?q=retrieval+agents").text
    client.post("/papers/2501.00003/comments", data={"body": "spam spam", "csrf_token": alice})
    (cid,) = comment_ids(client.get("/papers/2501.00003").text)
    assert client.post(f"/comments/{cid}/hide", data={"csrf_token": alice}).status_code == 403
    assert client.post("/papers/2501.00003/hide", data={"csrf_token": alice}).status_code == 403

    make_user(app.state.store, "root", admin=True)
    client.cookies.clear()
    admin = log_in(client, "root")
    assert client.post(f"/comments/{cid}/hide", data={"csrf_token": admin}).status_code == 200
    assert "hidden" in client.get("/papers/2501.00003").text  # admins still see it, marked
    assert client.post("/papers/2501.00003/hide", data={"csrf_token": admin}).status_code == 200
    assert "hidden from listings" in client.get("/papers/2501.00003").text

    client.cookies.clear()
    assert "spam spam" not in client.get("/papers/2501.00003").text
    assert client.get("/papers/2501.00003").status_code == 404
    assert client.get("/api/papers/2501.00003").status_code == 404
    assert "2501.00003" not in client.get("/date/2025-01-06").text
    assert "2501.00003" not in client.get("/api/papers/search?q=retrieval+agents").text


def test_hiding_a_paper_marks_it_changed_for_the_derived_indexes(app, client):
    store = app.state.store
    with store.session() as session:
        before = session.scalar(select(Paper.modified_at).where(Paper.arxiv_id == "2501.00003"))
    make_user(store, "root", admin=True)
    admin = log_in(client, "root")
    client.post("/papers/2501.00003/hide", data={"csrf_token": admin})
    with store.session() as session:
        after = session.scalar(select(Paper.modified_at).where(Paper.arxiv_id == "2501.00003"))
    assert after > before


def test_profile_lists_upvotes_and_submissions(client, alice):
    vote(client, alice, arxiv_id="2501.00002")
    html = client.get("/users/alice").text
    assert "Upvoted papers" in html and "2501.00002" in html
    assert client.get("/users/nobody").status_code == 404


@pytest.fixture
def arxiv_client(settings, seeded, sample_data):  # noqa: ANN001, ANN201
    """A client whose arXiv API is a loopback server with the recorded 1111.2011v2 response."""
    with serve_file(sample_data / "arxiv_api_sample_2016_id_list_1111.2011v2.xml") as url:
        app = create_app(settings.model_copy(update={"arxiv_api_url": url, "harvest_delay": 0}))
        with TestClient(app) as client:
            make_user(app.state.store, "alice")
            yield client, log_in(client, "alice"), app
        app.state.store.dispose()


def test_submit_a_paper_by_url(arxiv_client):
    client, token, _ = arxiv_client
    response = client.post(
        "/submit",
        data={"paper": "https://arxiv.org/abs/1111.2011v2", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/papers/1111.2011?submitted=")
    page = client.get(response.headers["location"]).text
    assert "Thanks! The paper is featured on" in page and "submitted by alice" in page
    api = client.get("/api/daily_papers").json()
    assert api[0]["paper"]["id"] == "1111.2011" and api[0]["submittedBy"]["name"] == "alice"
    assert "1111.2011" in client.get("/").text
    assert "1111.2011" in client.get("/users/alice").text

    again = client.post(
        "/submit", data={"paper": "1111.2011", "csrf_token": token}, follow_redirects=False
    )
    assert "listed=" in again.headers["location"]


def test_submit_explains_bad_and_unknown_ids(arxiv_client):
    client, token, _ = arxiv_client
    bad = client.post("/submit", data={"paper": "not a paper", "csrf_token": token})
    assert bad.status_code == 400 and "not an arXiv id or URL" in bad.text
    unknown = client.post("/submit", data={"paper": "2501.99999", "csrf_token": token})
    assert unknown.status_code == 400 and "arXiv has no paper 2501.99999" in unknown.text


def test_submit_features_a_known_but_unlisted_paper_without_fetching(arxiv_client):
    client, token, app = arxiv_client
    save_papers(app.state.store, [PaperRecord(arxiv_id="0704.0001", title="Known paper")])
    response = client.post("/submit", data={"paper": "0704.0001", "csrf_token": token})
    assert response.status_code == 200 and "submitted by alice" in response.text
    with app.state.store.session() as session:
        assert session.query(Paper).filter_by(arxiv_id="0704.0001").one().title == "Known paper"


def test_writes_are_rate_limited(settings, seeded):
    app = create_app(settings.model_copy(update={"rate_limit_writes": 2}))
    pin_limiter_clocks(app)
    with TestClient(app) as client:
        make_user(app.state.store, "alice")
        token = log_in(client, "alice")
        statuses = [vote(client, token).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        assert "error" in vote(client, token).json()
    app.state.store.dispose()


def test_nul_characters_are_a_clear_400_on_every_backend(client, alice):
    response = client.post(
        "/papers/2501.00003/comments", data={"body": "a\x00b", "csrf_token": alice}
    )
    assert response.status_code == 400 and "NUL" in response.text
    token = csrf_from(client, "/login")
    login = client.post(
        "/login", data={"username": "al\x00ice", "password": "x", "csrf_token": token}
    )
    assert login.status_code == 400 and "wrong user name or password" in login.text


def _submit_offline(settings, seeded, arxiv_api_url, **update):  # noqa: ANN001, ANN003, ANN202
    """POST /submit with arXiv at `arxiv_api_url` (a loopback port that does not answer)."""
    changes = {"arxiv_api_url": arxiv_api_url, "harvest_delay": 0, **update}
    app = create_app(settings.model_copy(update=changes))
    with TestClient(app) as client:
        make_user(app.state.store, "alice")
        token = log_in(client, "alice")
        started = time.monotonic()
        response = client.post("/submit", data={"paper": "2502.00001", "csrf_token": token})
        elapsed = time.monotonic() - started
        assert client.get("/api/papers/2502.00001").status_code == 404
    app.state.store.dispose()
    return response, elapsed


def _assert_unreachable_page(response) -> None:  # noqa: ANN001
    assert response.status_code == 503
    assert "arXiv could not be reached; try again later" in response.text
    assert "ConnectError" not in response.text and "network error" not in response.text
    assert 'value="2502.00001"' in response.text  # the form keeps what was typed


def test_submit_says_so_at_once_when_arxiv_refuses_the_connection(settings, seeded):
    with socket.socket() as sock:  # a port nobody listens on: connections are refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # The harvester's patient retries do not apply to a person waiting on the form.
    response, elapsed = _submit_offline(
        settings, seeded, f"http://127.0.0.1:{port}/api/query", harvest_retries=4
    )
    _assert_unreachable_page(response)
    assert elapsed < 2


def test_submit_gives_up_after_its_short_timeout_when_arxiv_never_answers(settings, seeded):
    with socket.socket() as sock:  # listening but never accepting: a black hole
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/api/query"
        response, elapsed = _submit_offline(
            settings, seeded, url, submit_timeout=0.2, harvest_retries=4, harvest_timeout=60
        )
    _assert_unreachable_page(response)
    assert elapsed < 3  # 0.6 s for the answer, one try; the harvest settings would be minutes


def test_submit_reads_full_width_digits_and_punctuation(arxiv_client):
    client, token, _ = arxiv_client
    typed = "\uff11\uff11\uff11\uff11\uff0e\uff12\uff10\uff11\uff11"  # １１１１．２０１１
    response = client.post(
        "/submit", data={"paper": typed, "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/papers/1111.2011?submitted=")
