"""Your library over HTTP: collections and their pages, feeds and exports, the paper page's
citation and collections, import, reading state, account export/deletion, API tokens."""

from __future__ import annotations

import json
import re

import bibtexparser
import rispy

from support.web import csrf_from, log_in, make_user

CARD = re.compile(r'<article class="card[^"]*" id="paper-([\d.]+)"')
JSON = {"Accept": "application/json"}


def post(client, path, token, **data):  # noqa: ANN001, ANN003, ANN201
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def new_collection(client, token, title="Reading group", visibility="public") -> int:  # noqa: ANN001
    made = post(client, "/library", token, title=title, visibility=visibility)
    assert made.status_code == 303, made.text
    return int(made.headers["location"].rsplit("/", 1)[1])


def test_make_fill_order_and_note_a_collection(client, alice):
    cid = new_collection(client, alice)
    for arxiv_id in ("2501.00001", "2501.00002", "2501.00003"):
        added = post(client, f"/library/{cid}/papers", alice, arxiv_id=arxiv_id, next="/")
        assert added.status_code == 303 and added.headers["location"] == "/"
    toggled = client.post(
        f"/library/{cid}/papers",
        data={"csrf_token": alice, "arxiv_id": "2501.00004", "want": "1"},
        headers=JSON,
    )
    assert toggled.json() == {"collection": cid, "id": "2501.00004", "in": True}
    post(client, f"/library/{cid}/papers/2501.00003/move", alice, direction="up")
    post(client, f"/library/{cid}/papers/2501.00001/note", alice, note="Start <here>")
    post(client, f"/library/{cid}/papers", alice, arxiv_id="2501.00004", want="0")
    page = client.get(f"/library/{cid}").text
    assert CARD.findall(page) == ["2501.00001", "2501.00003", "2501.00002"]
    assert "Start &lt;here&gt;" in page  # notes are escaped
    library = client.get("/library").text
    assert "Reading group" in library and "Saved for later" in library
    assert "3 papers · public" in library


def test_who_sees_a_collection_follows_its_visibility(app, client, alice):
    private = new_collection(client, alice, "Private list", "private")
    unlisted = new_collection(client, alice, "Unlisted list", "unlisted")
    public = new_collection(client, alice, "Public list", "public")
    for cid in (private, unlisted, public):
        post(client, f"/library/{cid}/papers", alice, arxiv_id="2501.00002")
    page = client.get("/papers/2501.00002").text
    listed = re.search(r'<p class="in-collections">(.*?)</p>', page, re.S).group(1)
    assert "In 1 public collection" in listed and "Public list" in listed
    assert "Private list" not in listed and "Unlisted list" not in listed
    page = client.get(f"/library/{unlisted}").text
    key = re.search(r"\?key=([\w-]+)", page).group(1)
    client.cookies.clear()  # anonymous from here
    assert client.get(f"/library/{private}").status_code == 404
    assert client.get(f"/library/{unlisted}").status_code == 404
    assert client.get(f"/library/{unlisted}?key={key}").status_code == 200
    assert client.get(f"/library/{public}").status_code == 200
    rss = client.get(f"/feeds/library/{public}.rss")
    assert rss.status_code == 200 and "2501.00002" in rss.text
    assert (
        client.get(f"/feeds/library/{public}.json")
        .json()["items"][0]["url"]
        .endswith("/papers/2501.00002")
    )
    assert client.get(f"/feeds/library/{private}.atom").status_code == 404
    assert client.get(f"/feeds/library/{private}.atom").json()["error"]


def test_a_co_editor_edits_and_others_cannot(app, client, alice):
    cid = new_collection(client, alice, visibility="private")
    post(client, f"/library/{cid}/papers", alice, arxiv_id="2501.00001")
    make_user(app.state.store, "bob")
    make_user(app.state.store, "carol")
    assert post(client, f"/library/{cid}/editors", alice, username="bob").status_code == 303
    client.cookies.clear()
    carol = log_in(client, "carol")
    assert post(client, f"/library/{cid}/papers", carol, arxiv_id="2501.00005").status_code == 404
    client.cookies.clear()
    bob = log_in(client, "bob")
    assert "Reading group" in client.get("/library").text
    assert post(client, f"/library/{cid}/papers", bob, arxiv_id="2501.00005").status_code == 303
    assert CARD.findall(client.get(f"/library/{cid}").text) == ["2501.00001", "2501.00005"]
    changed = post(client, f"/library/{cid}/settings", bob, title="Mine now")
    assert changed.status_code == 403


def test_paper_citation_files_and_copy_bibtex(client):
    bib = client.get("/papers/2501.00003.bib")
    assert bib.status_code == 200 and bib.headers["content-type"].startswith("application/x-bibtex")
    entry = bibtexparser.parse_string(bib.text).entries[0]
    assert entry.key == "lovelace2025retrieval"
    assert entry.fields_dict["eprint"].value == "2501.00003"
    ris = rispy.loads(client.get("/papers/2501.00003.ris").text)
    assert ris[0]["accession_number"] == "arXiv:2501.00003"
    page = client.get("/papers/2501.00003").text
    assert "Copy BibTeX" in page and "@misc{lovelace2025retrieval," in page
    assert client.get("/papers/2599.99999.bib").status_code == 404


def test_exports_of_a_day_a_collection_and_search(client, alice):
    day = client.get("/export/bibtex?date=2025-01-03")
    keys = [e.key for e in bibtexparser.parse_string(day.text).entries]
    assert len(keys) == 2 and len(set(keys)) == 2
    week = json.loads(client.get("/export/csl?week=2025-W02").text)
    assert {i["number"] for i in week} == {f"arXiv:2501.0000{i}" for i in (3, 4, 5, 6)}
    assert client.get("/export/ris?date=2025-02-30").status_code == 400
    missing = client.get("/export/ris")
    assert missing.status_code == 400 and "give one of date, week, month or q" in missing.text
    cid = new_collection(client, alice)
    post(client, f"/library/{cid}/papers", alice, arxiv_id="2501.00006")
    ris = rispy.loads(client.get(f"/library/{cid}/export/ris").text)
    assert [r["accession_number"] for r in ris] == ["arXiv:2501.00006"]


def test_import_adds_known_papers_lists_the_rest_and_refuses_bad_files(client, alice):
    bib = (
        client.get("/papers/2501.00001.bib").text
        + """
@article{known_by_url, title = {Another}, url = {https://arxiv.org/abs/2501.00004v2}}
@book{unknown, title = {A Book We Do Not Have}}
"""
    )
    token = csrf_from(client, "/library")
    done = client.post(
        "/library/import",
        data={"csrf_token": token, "title": "From Zotero"},
        files={"file": ("zotero.bib", bib.encode(), "application/x-bibtex")},
    )
    assert done.status_code == 200, done.text
    assert "added 2 papers" in done.text and "A Book We Do Not Have" in done.text
    cid = int(re.search(r'href="/library/(\d+)">From Zotero', done.text).group(1))
    assert CARD.findall(client.get(f"/library/{cid}").text) == ["2501.00001", "2501.00004"]
    bad = client.post(
        "/library/import",
        data={"csrf_token": token},
        files={"file": ("bad.ris", b"TY  - JOUR\nTI  - x\n\nER  \n", "text/plain")},
    )
    assert bad.status_code == 400 and "line 1: this record has no end" in bad.text
    assert "Imported from bad.ris" not in client.get("/library").text  # nothing was made


def test_reading_state_hides_read_papers_and_says_so(client, alice):
    marked = client.post(
        "/papers/2501.00001/reading",
        data={"csrf_token": alice, "state": "read", "on": "1"},
        headers=JSON,
    )
    assert marked.json() == {"id": "2501.00001", "read": True, "not_interested": False}
    assert CARD.findall(client.get("/date/2025-01-03").text) == ["2501.00002", "2501.00001"]
    assert CARD.findall(client.get("/date/2025-01-03?hide=read").text) == ["2501.00002"]
    assert "Read ✓" in client.get("/papers/2501.00001").text
    forged = client.post("/papers/2501.00002/reading", data={"state": "read"})
    assert forged.status_code == 403


def test_account_export_and_deletion(app, client, alice):
    cid = new_collection(client, alice)
    post(client, f"/library/{cid}/papers", alice, arxiv_id="2501.00002", note="")
    post(client, "/papers/2501.00002/comments", alice, body="Worth reading")
    data = client.get("/settings/export")
    assert data.headers["content-disposition"].startswith("attachment;")
    exported = data.json()
    assert exported["profile"]["username"] == "alice"
    assert [c["title"] for c in exported["collections"]] == ["Reading group"]
    assert exported["tables"]["comments"][0]["body"] == "Worth reading"
    wrong = post(client, "/settings/account/delete", alice, password="nope", comments="keep")
    assert wrong.status_code == 400 and "not your password" in wrong.text
    gone = post(client, "/settings/account/delete", alice, password="correct horse")
    assert gone.status_code == 303
    assert client.get("/settings/account", follow_redirects=False).status_code == 303
    assert "deleted-user" in client.get("/papers/2501.00002").text  # the comment stays
    assert client.get(f"/library/{cid}").status_code == 404


def test_api_tokens_read_and_write_collections(client, alice):
    made = post(client, "/settings/tokens", alice, name="my script")
    token = re.search(r'<code class="new-token">([^<]+)</code>', made.text).group(1)
    assert token.startswith("dp_") and token not in client.get("/settings/account").text
    client.cookies.clear()  # the token alone, no cookie and no CSRF token
    auth = {"Authorization": f"Bearer {token}"}
    created = client.post("/api/collections", json={"title": "Via API"}, headers=auth)
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    added = client.put(
        f"/api/collections/{cid}/papers/2501.00003", json={"note": "from a script"}, headers=auth
    )
    assert added.json()["papers"] == [
        {"id": "2501.00003", "title": "Retrieval-Augmented Agents", "note": "from a script",
         "position": 0}
    ]  # fmt: skip
    patched = client.patch(f"/api/collections/{cid}", json={"visibility": "public"}, headers=auth)
    assert patched.json()["visibility"] == "public"
    assert [c["title"] for c in client.get("/api/collections", headers=auth).json()] == [
        "Saved for later", "Via API"
    ]  # fmt: skip
    assert client.get(f"/api/collections/{cid}").json()["papers"][0]["id"] == "2501.00003"
    bad = client.get("/api/collections", headers={"Authorization": "Bearer dp_wrong"})
    assert bad.status_code == 401 and bad.json()["error"]
    assert client.post("/api/collections", json={"title": "x"}).status_code == 403  # no CSRF
    assert client.get("/api/collections").status_code == 401
    schema = client.get("/openapi.json").json()["paths"]
    assert {"get", "patch"} <= set(schema["/api/collections/{collection_id}"])
