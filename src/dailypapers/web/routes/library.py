"""Your library's pages and forms: collections, their papers, notes, order, co-editors,
and reading state (read / not interested).

Every form POSTs with the CSRF token and redirects back, so all of it works without
JavaScript; site.js submits the add/remove and reading-state buttons with fetch (asking for
JSON) and updates them in place. Writes count against the user's write rate limit.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from dailypapers.feed.cards import load_cards
from dailypapers.feed.papers import get_paper
from dailypapers.library import collections as lib
from dailypapers.library import editors as sharing
from dailypapers.library import reading
from dailypapers.web.deps import CurrentUser, OptionalUser, SessionDep, WriteLimit
from dailypapers.web.errors import wants_json
from dailypapers.web.openapi_docs import PAGE
from dailypapers.web.security import safe_next
from dailypapers.web.templating import render

router = APIRouter(tags=["library"], default_response_class=HTMLResponse, responses=PAGE)

CollectionId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A collection's number")]
Key = Annotated[str, Query(max_length=64, description="The share key of an unlisted collection")]
Title = Annotated[str, Form(max_length=400)]
LongText = Annotated[str, Form(max_length=4000)]
Next = Annotated[str, Form(max_length=2000)]
Visibility = Annotated[str, Form(pattern="^(public|unlisted|private)$", max_length=10)]
Flag = Annotated[str, Form(pattern="^(0|1)$", max_length=1)]


def _back(next_path: str, default: str) -> RedirectResponse:
    return RedirectResponse(safe_next(next_path, default), status_code=303)


@router.get("/library")
def library_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """The user's collections (and those shared with them), a form for a new one, import."""
    lib.default_collection(session, user.id)  # "Saved for later" is always listed
    found = lib.owned_and_shared(session, user)
    context = {
        "collections": found,
        "counts": lib.item_counts(session, [c.id for c in found]),
        "active": "library",
    }
    return render(request, "library.html", context)


@router.post("/library", dependencies=[WriteLimit], include_in_schema=False)
def create(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    title: Title = "",
    description: LongText = "",
    visibility: Visibility = "private",
) -> Response:
    made = lib.create_collection(
        session, user, title=title, description=description, visibility=visibility
    )
    session.commit()
    return RedirectResponse(f"/library/{made.id}", status_code=303)


@router.get("/library/{collection_id}")
def collection_page(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    collection_id: CollectionId,
    key: Key = "",
) -> Response:
    """A collection's papers in its order, with notes; its owner and co-editors can edit."""
    found = lib.readable(session, collection_id, user, key)
    items = lib.entries(session, found, viewer=user)
    cards = load_cards(session, [e.paper.id for e in items], user_id=getattr(user, "id", None))
    notes = {e.paper.id: e.note for e in items}
    can_edit = lib.is_editor(session, found, user)
    context = {
        "collection": found,
        "cards": cards,
        "notes": notes,
        "can_edit": can_edit,
        "is_owner": user is not None and found.owner_id == user.id,
        "editors": sharing.editors(session, found) if can_edit else [],
        "key": key if found.visibility == "unlisted" and key == found.share_key else "",
        "active": "library",
    }
    return render(request, "library_collection.html", context)


@router.post(
    "/library/{collection_id}/settings", dependencies=[WriteLimit], include_in_schema=False
)
def settings(
    session: SessionDep,
    user: CurrentUser,
    collection_id: CollectionId,
    title: Title = "",
    description: LongText = "",
    visibility: Visibility = "private",
) -> Response:
    found = lib.readable(session, collection_id, user)
    lib.update_collection(
        session, found, user, title=title, description=description, visibility=visibility
    )
    session.commit()
    return RedirectResponse(f"/library/{found.id}", status_code=303)


@router.post("/library/{collection_id}/delete", dependencies=[WriteLimit], include_in_schema=False)
def delete(session: SessionDep, user: CurrentUser, collection_id: CollectionId) -> Response:
    found = lib.readable(session, collection_id, user)
    lib.delete_collection(session, found, user)
    session.commit()
    return RedirectResponse("/library", status_code=303)


@router.post("/library/{collection_id}/papers", dependencies=[WriteLimit], include_in_schema=False)
def add_or_remove(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    collection_id: CollectionId,
    arxiv_id: Annotated[str, Form(max_length=200)] = "",
    want: Flag = "1",
    note: LongText = "",
    next: Next = "",
) -> Response:
    """Put a paper in the collection (want=1) or take it out (want=0)."""
    found = lib.readable(session, collection_id, user)
    paper = get_paper(session, arxiv_id, viewer=user)
    if want == "1":
        lib.add_paper(session, found, user, paper, note)
    else:
        lib.remove_paper(session, found, user, paper)
    session.commit()
    if wants_json(request):
        return JSONResponse({"collection": found.id, "id": paper.arxiv_id, "in": want == "1"})
    return _back(next, f"/library/{found.id}")


@router.post(
    "/library/{collection_id}/papers/{arxiv_id:path}/note",
    dependencies=[WriteLimit],
    include_in_schema=False,
)
def note(
    session: SessionDep,
    user: CurrentUser,
    collection_id: CollectionId,
    arxiv_id: str,
    note: LongText = "",
) -> Response:
    found = lib.readable(session, collection_id, user)
    paper = get_paper(session, arxiv_id, viewer=user)
    lib.set_note(session, found, user, paper, note)
    session.commit()
    return RedirectResponse(f"/library/{found.id}#paper-{paper.arxiv_id}", status_code=303)


@router.post(
    "/library/{collection_id}/papers/{arxiv_id:path}/move",
    dependencies=[WriteLimit],
    include_in_schema=False,
)
def move(
    session: SessionDep,
    user: CurrentUser,
    collection_id: CollectionId,
    arxiv_id: str,
    direction: Annotated[str, Form(pattern="^(up|down|top|bottom)$", max_length=6)] = "up",
) -> Response:
    found = lib.readable(session, collection_id, user)
    paper = get_paper(session, arxiv_id, viewer=user)
    lib.move_paper(session, found, user, paper, direction)
    session.commit()
    return RedirectResponse(f"/library/{found.id}#paper-{paper.arxiv_id}", status_code=303)


@router.post("/library/{collection_id}/editors", dependencies=[WriteLimit], include_in_schema=False)
def share(
    session: SessionDep,
    user: CurrentUser,
    collection_id: CollectionId,
    username: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    """Share the collection with another user of the site, who may then edit it."""
    found = lib.readable(session, collection_id, user)
    sharing.add_editor(session, found, user, username)
    session.commit()
    return RedirectResponse(f"/library/{found.id}#editors", status_code=303)


@router.post(
    "/library/{collection_id}/editors/{editor_id}/remove",
    dependencies=[WriteLimit],
    include_in_schema=False,
)
def unshare(
    session: SessionDep,
    user: CurrentUser,
    collection_id: CollectionId,
    editor_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> Response:
    found = lib.readable(session, collection_id, user)
    sharing.remove_editor(session, found, user, editor_id)
    session.commit()
    target = f"/library/{found.id}#editors" if editor_id != user.id else "/library"
    return RedirectResponse(target, status_code=303)


@router.post("/papers/{arxiv_id:path}/reading", dependencies=[WriteLimit], include_in_schema=False)
def reading_state(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    arxiv_id: str,
    state: Annotated[str, Form(pattern="^(read|not_interested)$", max_length=14)] = "read",
    on: Flag = "1",
    next: Next = "",
) -> Response:
    """Mark a paper read or "not interested" (or clear it): what "For you" learns from too."""
    paper = get_paper(session, arxiv_id, viewer=user)
    now = reading.set_state(session, user.id, paper.id, state, on == "1")
    session.commit()
    if wants_json(request):
        return JSONResponse(
            {"id": paper.arxiv_id, "read": now.read, "not_interested": now.not_interested}
        )
    return _back(next, f"/papers/{paper.arxiv_id}")
