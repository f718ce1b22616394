"""/saved: the papers a user saved for later, newest saved first, removable; on their profile."""

from __future__ import annotations

import re

from support.web import log_in, make_user

CARD = re.compile(r'<article class="card" id="paper-([\d.]+)"')


def save(client, token, arxiv_id, saved="1"):  # noqa: ANN001, ANN201
    return client.post(
        f"/papers/{arxiv_id}/save",
        data={"saved": saved, "next": "/saved", "csrf_token": token},
        follow_redirects=False,
    )


def test_saved_needs_a_login(client):
    assert client.get("/saved", follow_redirects=False).status_code in (303, 401)


def test_saved_lists_newest_saved_first_and_removes(client, alice):
    assert "Nothing saved yet" in client.get("/saved").text
    for arxiv_id in ("2501.00002", "2501.00005", "2501.00003"):
        assert save(client, alice, arxiv_id).status_code == 303
    page = client.get("/saved").text
    assert CARD.findall(page) == ["2501.00003", "2501.00005", "2501.00002"]
    assert "3 papers, the most recently saved first" in page
    assert page.count("Remove from saved") == 3 and 'name="csrf_token"' in page

    removed = save(client, alice, "2501.00005", saved="0")
    assert removed.status_code == 303 and removed.headers["location"] == "/saved"
    assert CARD.findall(client.get("/saved").text) == ["2501.00003", "2501.00002"]
    # Without the CSRF token nothing changes.
    forged = client.post("/papers/2501.00003/save", data={"saved": "0", "next": "/saved"})
    assert forged.status_code == 403
    assert CARD.findall(client.get("/saved").text) == ["2501.00003", "2501.00002"]


def test_the_profile_shows_saved_papers_to_their_owner_only(app, client, alice):
    save(client, alice, "2501.00004")
    own = client.get("/users/alice").text
    assert "Saved for later" in own and "paper-2501.00004" in own
    make_user(app.state.store, "bob")
    client.cookies.clear()
    log_in(client, "bob")
    other = client.get("/users/alice").text
    assert "Saved for later" not in other and "paper-2501.00004" not in other
