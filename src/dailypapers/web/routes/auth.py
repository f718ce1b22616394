"""Sign up, log in, log out. Sessions are signed cookies; attempts are rate-limited per address."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dailypapers.accounts.users import authenticate, create_user, revoke_sessions
from dailypapers.errors import Conflict, InvalidInput
from dailypapers.store.models import User
from dailypapers.web.deps import AuthLimit, OptionalUser, SessionDep
from dailypapers.web.openapi_docs import PAGE
from dailypapers.web.security import safe_next
from dailypapers.web.templating import render

router = APIRouter(tags=["pages"], default_response_class=HTMLResponse, responses=PAGE)

Text = Annotated[str, Form(max_length=2000)]
Next = Annotated[str, Form(max_length=2000)]


def _log_in(request: Request, user: User) -> None:
    # A fresh session on log-in: nothing from before (a planted token) carries over.
    request.session.clear()
    request.session["uid"] = user.id
    request.session["sv"] = user.session_version


@router.get("/login")
def login_form(request: Request, user: OptionalUser, next: str = "/") -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next), "username": ""})


@router.post("/login", dependencies=[AuthLimit], include_in_schema=False)
def login(
    request: Request,
    session: SessionDep,
    username: Text = "",
    password: Text = "",
    next: Next = "/",
) -> Response:
    user = authenticate(session=session, username=username, password=password)
    if user is None:
        context = {
            "next": safe_next(next),
            "username": username,
            "error": "wrong user name or password",
        }
        return render(request, "login.html", context, status_code=400)
    session.commit()  # a rehashed password, if the parameters changed
    _log_in(request, user)
    return RedirectResponse(safe_next(next), status_code=303)


@router.get("/signup")
def signup_form(request: Request, user: OptionalUser, next: str = "/") -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "signup.html", {"next": safe_next(next), "username": "", "email": ""})


@router.post("/signup", dependencies=[AuthLimit], include_in_schema=False)
def signup(
    request: Request,
    session: SessionDep,
    username: Text = "",
    password: Text = "",
    email: Text = "",
    next: Next = "/",
) -> Response:
    try:
        user = create_user(session=session, username=username, password=password, email=email)
        session.commit()
    except (InvalidInput, Conflict) as exc:
        session.rollback()
        context = {"next": safe_next(next), "username": username, "email": email, "error": str(exc)}
        return render(request, "signup.html", context, status_code=400)
    _log_in(request, user)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", include_in_schema=False)
def logout(request: Request, session: SessionDep, user: OptionalUser) -> Response:
    if user is not None:  # the cookie may have been copied: end it for good, not just here
        revoke_sessions(session=session, user=user)
        session.commit()
    request.session.clear()
    return RedirectResponse("/", status_code=303)
