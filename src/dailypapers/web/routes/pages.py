"""The HTML pages: the daily feed (day, week, month), trending, a paper, a user's profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from dailypapers.community.comments import list_comments
from dailypapers.errors import NotFound
from dailypapers.feed.listing import cached_listing, current_month, current_week
from dailypapers.feed.papers import paper_detail, user_profile
from dailypapers.feed.periods import day_period, parse_day, parse_month, parse_week
from dailypapers.rank.recommend import saved_ids
from dailypapers.rank.trending import FORMULA, GRAVITY, WINDOW_DAYS, trending_cards
from dailypapers.web.deps import OptionalUser, SessionDep
from dailypapers.web.templating import render

router = APIRouter(include_in_schema=False)

PageNo = Annotated[int, Query(ge=0, le=100_000, description="0-based page")]
Sort = Annotated[str, Query(pattern="^(upvotes|published)$")]


def _uid(user: object) -> int | None:
    return getattr(user, "id", None)


@router.get("/")
def home(request: Request, session: SessionDep, user: OptionalUser, p: PageNo = 0) -> Response:
    listing = cached_listing(
        session, None, page=p, user_id=_uid(user), cache=request.app.state.listings
    )
    return render(request, "listing.html", {"listing": listing, "is_home": True})


@router.get("/date")
def jump_to_day(d: Annotated[str, Query(max_length=40)] = "") -> Response:
    """The date picker's target: /date?d=YYYY-MM-DD → /date/YYYY-MM-DD."""
    return RedirectResponse(f"/date/{parse_day(d).isoformat()}", status_code=303)


@router.get("/date/{day}")
def day_page(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    day: str,
    p: PageNo = 0,
    sort: Sort = "upvotes",
) -> Response:
    period = day_period(parse_day(day))
    listing = cached_listing(
        session, period, page=p, sort=sort, user_id=_uid(user), cache=request.app.state.listings
    )
    return render(request, "listing.html", {"listing": listing})


@router.get("/week")
def this_week(session: SessionDep) -> Response:
    return RedirectResponse(f"/week/{current_week(session).key}", status_code=302)


@router.get("/week/{week}")
def week_page(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    week: str,
    p: PageNo = 0,
    sort: Sort = "upvotes",
) -> Response:
    listing = cached_listing(
        session,
        parse_week(week),
        page=p,
        sort=sort,
        user_id=_uid(user),
        cache=request.app.state.listings,
    )
    return render(request, "listing.html", {"listing": listing})


@router.get("/month")
def this_month(session: SessionDep) -> Response:
    return RedirectResponse(f"/month/{current_month(session).key}", status_code=302)


@router.get("/month/{month}")
def month_page(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    month: str,
    p: PageNo = 0,
    sort: Sort = "upvotes",
) -> Response:
    listing = cached_listing(
        session,
        parse_month(month),
        page=p,
        sort=sort,
        user_id=_uid(user),
        cache=request.app.state.listings,
    )
    return render(request, "listing.html", {"listing": listing})


@router.get("/trending")
def trending_page(request: Request, session: SessionDep, user: OptionalUser) -> Response:
    cards = trending_cards(
        session,
        request.app.state.trending,
        user_id=_uid(user),
        cache=request.app.state.listings,
    )
    context = {"cards": cards, "formula": FORMULA, "gravity": GRAVITY, "window": WINDOW_DAYS}
    return render(request, "trending.html", context)


@router.get("/papers/{arxiv_id:path}")
def paper_page(
    request: Request, session: SessionDep, user: OptionalUser, arxiv_id: str
) -> Response:
    if "text/markdown" in request.headers.get("accept", ""):
        from dailypapers.web.routes.collections import paper_as_markdown

        return paper_as_markdown(request, session, arxiv_id)
    try:
        detail = paper_detail(session, arxiv_id, viewer=user)
    except NotFound as exc:
        context = {"arxiv_id": arxiv_id[:80], "message": str(exc)}
        return render(request, "paper_missing.html", context, status_code=404)
    comments = list_comments(session=session, paper=detail.paper, viewer=user)
    is_saved = bool(user) and bool(saved_ids(session, user.id, [detail.paper.id]))
    context = {
        "detail": detail,
        "comments": comments,
        "paper_arxiv_id": detail.paper.arxiv_id,
        "is_saved": is_saved,
    }
    return render(request, "paper.html", context)


@router.get("/users/{username}")
def profile_page(
    request: Request, session: SessionDep, user: OptionalUser, username: str
) -> Response:
    profile = user_profile(session, username, viewer=user)
    return render(request, "profile.html", {"profile": profile})
