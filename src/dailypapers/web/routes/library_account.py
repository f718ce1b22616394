"""Your data and your keys: the account page, the whole-account JSON export, personal API
tokens (made and revoked here, shown once), and deleting the account."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dailypapers.accounts.users import authenticate
from dailypapers.library import tokens
from dailypapers.library.account import delete_account, export_account
from dailypapers.web.deps import AuthLimit, CurrentUser, SessionDep, WriteLimit
from dailypapers.web.openapi_docs import PAGE
from dailypapers.web.templating import render

router = APIRouter(tags=["library"], default_response_class=HTMLResponse, responses=PAGE)


def _page(request: Request, session, user, status_code: int = 200, **extra) -> Response:  # noqa: ANN001, ANN003
    context = {"tokens": tokens.list_tokens(session, user), "active": "account", **extra}
    return render(request, "library_account.html", context, status_code=status_code)


@router.get("/settings/account")
def account_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    """Your data (export), API tokens, and deleting the account."""
    return _page(request, session, user)


@router.get(
    "/settings/export",
    responses={200: {"description": "Everything of yours as one JSON file", "content": {
        "application/json": {"schema": {"type": "object"}}}}},
)  # fmt: skip
def account_export(session: SessionDep, user: CurrentUser) -> Response:
    """Everything of yours as one JSON file: profile, votes, comments, collections with notes,
    reading state, subscriptions and alerts, API token names (never the tokens)."""
    body = json.dumps(export_account(session, user), ensure_ascii=False, indent=2)
    name = f"dailypapers-{user.username}.json"
    return Response(
        body,
        media_type="application/json; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/settings/tokens", dependencies=[WriteLimit], include_in_schema=False)
def token_create(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """A new personal API token, shown on this answer only (it is stored hashed)."""
    row, token = tokens.create_token(session, user, name)
    session.commit()
    return _page(request, session, user, new_token=token, new_token_name=row.name)


@router.post(
    "/settings/tokens/{token_id}/revoke", dependencies=[WriteLimit], include_in_schema=False
)
def token_revoke(
    session: SessionDep, user: CurrentUser, token_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> Response:
    tokens.revoke_token(session, user, token_id)
    session.commit()
    return RedirectResponse("/settings/account#tokens", status_code=303)


@router.post("/settings/account/delete", dependencies=[AuthLimit], include_in_schema=False)
def account_delete(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    password: Annotated[str, Form(max_length=1024)] = "",
    comments: Annotated[str, Form(pattern="^(keep|remove)$", max_length=6)] = "keep",
) -> Response:
    """Delete the account and everything of it, after the password is given again."""
    if authenticate(session=session, username=user.username, password=password) is None:
        return _page(
            request, session, user, delete_error="that is not your password", status_code=400
        )
    delete_account(session, user, comments=comments)
    session.commit()
    request.session.clear()
    return RedirectResponse("/?account=deleted", status_code=303)
