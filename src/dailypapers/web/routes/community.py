"""Writes people make: upvotes, comments, submissions, and admin moderation.

Every route here needs a logged-in user, a CSRF token (app-wide) and counts against the user's
write rate limit. Forms redirect back (works without JavaScript); the upvote button's fetch asks
for JSON and gets the new count.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from dailypapers.community.comments import add_comment, delete_comment, edit_comment
from dailypapers.community.moderation import set_comment_hidden, set_paper_hidden
from dailypapers.community.submit import submit_paper
from dailypapers.community.votes import has_voted, set_vote
from dailypapers.errors import BadArxivId, DailyPapersError, NotFound, RemoteUnreachable
from dailypapers.feed.papers import get_paper
from dailypapers.search.follow import catch_up
from dailypapers.store.models import Paper
from dailypapers.web.deps import (
    AdminUser,
    CurrentUser,
    SessionDep,
    StoreDep,
    WriteLimit,
    data_changed,
)
from dailypapers.web.errors import wants_json
from dailypapers.web.openapi_docs import PAGE
from dailypapers.web.security import safe_next
from dailypapers.web.templating import render

router = APIRouter(tags=["pages"], default_response_class=HTMLResponse, responses=PAGE)

Body = Annotated[str, Form(max_length=20_000)]
Next = Annotated[str, Form(max_length=2000)]
# Ids are 32-bit INTEGER columns on PostgreSQL (SQLite's 64-bit ones overflow past 2**63):
# a bigger number cannot name a comment, so it is a 422, not an overflow in the driver.
CommentId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Flag = Annotated[str, Form(pattern="^(|0|1|true|false|toggle)$", max_length=6)]


def _back(next_path: str, default: str) -> RedirectResponse:
    return RedirectResponse(safe_next(next_path, default), status_code=303)


def _paper_path(paper: Paper) -> str:
    return f"/papers/{paper.arxiv_id}"


@router.post("/papers/{arxiv_id:path}/upvote", dependencies=[WriteLimit], include_in_schema=False)
def upvote(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    arxiv_id: str,
    upvoted: Flag = "toggle",
    next: Next = "",
) -> Response:
    paper = get_paper(session, arxiv_id, viewer=user)
    if upvoted in ("", "toggle"):
        want = not has_voted(session=session, user=user, paper=paper)
    else:
        want = upvoted in ("1", "true")
    state = set_vote(session=session, user=user, paper=paper, upvoted=want)
    session.commit()
    data_changed(request.app)
    if wants_json(request):
        return JSONResponse(
            {"id": paper.arxiv_id, "upvoted": state.upvoted, "upvotes": state.upvotes}
        )
    return _back(next, _paper_path(paper))


@router.post("/papers/{arxiv_id:path}/comments", dependencies=[WriteLimit], include_in_schema=False)
def comment(
    request: Request, session: SessionDep, user: CurrentUser, arxiv_id: str, body: Body = ""
) -> Response:
    paper = get_paper(session, arxiv_id, viewer=user)
    created = add_comment(session=session, user=user, paper=paper, body=body)
    session.commit()
    data_changed(request.app)
    return RedirectResponse(f"{_paper_path(paper)}#comment-{created.id}", status_code=303)


@router.post("/comments/{comment_id}/edit", dependencies=[WriteLimit], include_in_schema=False)
def comment_edit(
    request: Request, session: SessionDep, user: CurrentUser, comment_id: CommentId, body: Body = ""
) -> Response:
    changed = edit_comment(session=session, user=user, comment_id=comment_id, body=body)
    paper = session.get(Paper, changed.paper_id)
    session.commit()
    data_changed(request.app)
    return RedirectResponse(f"{_paper_path(paper)}#comment-{comment_id}", status_code=303)


@router.post("/comments/{comment_id}/delete", dependencies=[WriteLimit], include_in_schema=False)
def comment_delete(
    request: Request, session: SessionDep, user: CurrentUser, comment_id: CommentId
) -> Response:
    paper_id = delete_comment(session=session, user=user, comment_id=comment_id)
    paper = session.get(Paper, paper_id)
    session.commit()
    data_changed(request.app)
    return RedirectResponse(f"{_paper_path(paper)}#comments", status_code=303)


@router.post("/comments/{comment_id}/hide", include_in_schema=False)
def comment_hide(
    request: Request,
    session: SessionDep,
    admin: AdminUser,
    comment_id: CommentId,
    hidden: Flag = "1",
) -> Response:
    changed = set_comment_hidden(
        session=session, admin=admin, comment_id=comment_id, hidden=hidden in ("1", "true")
    )
    paper = session.get(Paper, changed.paper_id)
    session.commit()
    data_changed(request.app)
    return RedirectResponse(f"{_paper_path(paper)}#comment-{comment_id}", status_code=303)


@router.post("/papers/{arxiv_id:path}/hide", include_in_schema=False)
def paper_hide(
    request: Request, session: SessionDep, admin: AdminUser, arxiv_id: str, hidden: Flag = "1"
) -> Response:
    paper = get_paper(session, arxiv_id, viewer=admin)
    set_paper_hidden(session=session, admin=admin, paper=paper, hidden=hidden in ("1", "true"))
    session.commit()
    catch_up(request.app.state.store)  # the indexes follow the change sequence
    data_changed(request.app)
    return RedirectResponse(_paper_path(paper), status_code=303)


@router.get("/submit")
def submit_form(request: Request, user: CurrentUser, id: str = "") -> Response:
    return render(request, "submit.html", {"value": id[:200]})


@router.post("/submit", dependencies=[WriteLimit], include_in_schema=False)
def submit(
    request: Request,
    store: StoreDep,
    user: CurrentUser,
    paper: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    try:
        done = submit_paper(store=store, user_id=user.id, username=user.username, text=paper)
    except (BadArxivId, NotFound) as exc:
        return render(request, "submit.html", {"value": paper, "error": str(exc)}, status_code=400)
    except RemoteUnreachable:
        message = "arXiv could not be reached; try again later"
        return render(request, "submit.html", {"value": paper, "error": message}, status_code=503)
    except DailyPapersError as exc:  # the arXiv API answered with an error (RemoteSourceError)
        message = f"could not fetch it from arXiv: {exc}"
        return render(request, "submit.html", {"value": paper, "error": message}, status_code=502)
    catch_up(store)
    data_changed(request.app)
    flag = "listed" if done.already_listed else "submitted"
    return RedirectResponse(f"/papers/{done.arxiv_id}?{flag}={done.listed_on}", status_code=303)
