"""The collections API: read a public collection; list, create, update and fill your own with
a personal API token (`Authorization: Bearer dp_…`, made at /settings/account).

A request with a bearer token is authenticated by the token alone (a wrong one is a 401, never
a fall-back to the session cookie), so it needs no CSRF token; a browser session may call the
same routes with its `X-CSRF-Token` header. Writes count against the user's write limit.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from dailypapers.feed.papers import get_paper
from dailypapers.library import collections as lib
from dailypapers.library.tokens import user_for_token
from dailypapers.store.models import LibraryCollection, User
from dailypapers.web.deps import LoginRequired, OptionalUser, SessionDep
from dailypapers.web.openapi_docs import JSON_ERROR, PAPER_ID
from dailypapers.web.urls import site_root

router = APIRouter(prefix="/api", tags=["collections"])
bearer = HTTPBearer(auto_error=False, description="A personal API token (dp_…)")

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "A value that does not fit", **JSON_ERROR},
    401: {"description": "No valid token or session", **JSON_ERROR},
    403: {"description": "Not yours to change (or no CSRF token with a cookie)", **JSON_ERROR},
    404: {"description": "No such collection or paper (or not visible to you)", **JSON_ERROR},
    422: {"description": "A parameter or body out of range", **JSON_ERROR},
    429: {"description": "Too many changes in a short time", **JSON_ERROR},
}
CollectionId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A collection's number")]
ArxivId = Annotated[str, Path(max_length=200, description="arXiv id", examples=[PAPER_ID])]


class PaperEntry(BaseModel):
    id: str = Field(description="arXiv id")
    title: str
    note: str | None = None
    position: int


class Collection(BaseModel):
    id: int
    title: str
    description: str | None
    visibility: Literal["public", "unlisted", "private"]
    default: bool = Field(description="the owner's “Saved for later”")
    owner: str
    url: str
    updated_at: str
    papers: list[PaperEntry] | None = Field(None, description="in order (one collection only)")


class CollectionIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    visibility: Literal["public", "unlisted", "private"] = "private"


class CollectionPatch(BaseModel):
    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    visibility: Literal["public", "unlisted", "private"] | None = None


class NoteIn(BaseModel):
    note: str = Field("", max_length=2000)


def api_user(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User | None:
    """The token's user; without an Authorization header, the session's (or nobody)."""
    if request.headers.get("authorization") is None:
        return user
    found = user_for_token(session, credentials.credentials) if credentials else None
    if found is None:
        raise LoginRequired("that API token is not valid (revoked, or mistyped)")
    return found


ApiUser = Annotated[User | None, Depends(api_user)]


def required(request: Request, user: ApiUser) -> User:
    if user is None:
        raise LoginRequired("send a personal API token: Authorization: Bearer dp_…")
    return user


RequiredUser = Annotated[User, Depends(required)]


def limited(request: Request, user: RequiredUser) -> User:
    request.app.state.write_limiter.hit(f"user:{user.id}", "changes in a short time")
    return user


Writer = Annotated[User, Depends(limited)]


def _shape(request: Request, session: Session, found: LibraryCollection, viewer, papers: bool):  # noqa: ANN001, ANN202
    owner = session.get(User, found.owner_id)
    data = {
        "id": found.id,
        "title": found.title,
        "description": found.description,
        "visibility": found.visibility,
        "default": found.is_default,
        "owner": owner.username if owner else "",
        "url": f"{site_root(request)}/library/{found.id}",
        "updated_at": found.updated_at.isoformat(),
    }
    if papers:
        data["papers"] = [
            {"id": e.paper.arxiv_id, "title": e.paper.title, "note": e.note, "position": i}
            for i, e in enumerate(lib.entries(session, found, viewer=viewer))
        ]
    return data


@router.get("/collections", responses={200: {"model": list[Collection]}, **ERRORS})
def api_list(request: Request, session: SessionDep, user: RequiredUser) -> Response:
    """Your collections ("Saved for later" first) and those shared with you (no papers)."""
    lib.default_collection(session, user.id)
    found = lib.owned_and_shared(session, user)
    return JSONResponse([_shape(request, session, c, user, False) for c in found])


@router.post("/collections", status_code=201, responses={201: {"model": Collection}, **ERRORS})
def api_create(request: Request, session: SessionDep, user: Writer, body: CollectionIn) -> Response:
    made = lib.create_collection(
        session, user, title=body.title, description=body.description, visibility=body.visibility
    )
    session.commit()
    return JSONResponse(_shape(request, session, made, user, True), status_code=201)


@router.get("/collections/{collection_id}", responses={200: {"model": Collection}, **ERRORS})
def api_get(
    request: Request, session: SessionDep, user: ApiUser, collection_id: CollectionId
) -> Response:
    """A collection with its papers in order: public ones for anyone, yours with a token."""
    found = lib.readable(session, collection_id, user)
    return JSONResponse(_shape(request, session, found, user, True))


@router.patch("/collections/{collection_id}", responses={200: {"model": Collection}, **ERRORS})
def api_update(
    request: Request,
    session: SessionDep,
    user: Writer,
    collection_id: CollectionId,
    body: CollectionPatch,
) -> Response:
    found = lib.readable(session, collection_id, user)
    lib.update_collection(
        session, found, user,
        title=body.title, description=body.description, visibility=body.visibility,
    )  # fmt: skip
    session.commit()
    return JSONResponse(_shape(request, session, found, user, True))


@router.put(
    "/collections/{collection_id}/papers/{arxiv_id:path}",
    responses={200: {"model": Collection}, **ERRORS},
)
def api_add_paper(
    request: Request,
    session: SessionDep,
    user: Writer,
    collection_id: CollectionId,
    arxiv_id: ArxivId,
    body: Annotated[NoteIn | None, Body()] = None,
) -> Response:
    """Add a paper (at the end; idempotent), with a note if given."""
    found = lib.readable(session, collection_id, user)
    paper = get_paper(session, arxiv_id, viewer=user)
    lib.add_paper(session, found, user, paper)
    if body is not None:
        lib.set_note(session, found, user, paper, body.note)
    session.commit()
    return JSONResponse(_shape(request, session, found, user, True))


@router.delete(
    "/collections/{collection_id}/papers/{arxiv_id:path}",
    responses={200: {"model": Collection}, **ERRORS},
)
def api_remove_paper(
    request: Request,
    session: SessionDep,
    user: Writer,
    collection_id: CollectionId,
    arxiv_id: ArxivId,
) -> Response:
    found = lib.readable(session, collection_id, user)
    paper = get_paper(session, arxiv_id, viewer=user)
    lib.remove_paper(session, found, user, paper)
    session.commit()
    return JSONResponse(_shape(request, session, found, user, True))
