"""The HTML pages: the daily feed (day, week, month), trending, a paper, a user's profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dailypapers.community.comments import list_comments
from dailypapers.errors import NotFound
from dailypapers.feed.cards import load_cards
from dailypapers.feed.listing import cached_listing, current_month, current_week
from dailypapers.feed.papers import paper_detail, user_profile
from dailypapers.feed.periods import day_period, parse_day, parse_month, parse_week
from dailypapers.library.export import export
from dailypapers.library.public import public_collections_with
from dailypapers.library.saved import saved_ids, saved_papers
from dailypapers.rank.trending import FORMULA, GRAVITY, WINDOW_DAYS, trending_cards
from dailypapers.web.deps import OptionalUser, SessionDep
from dailypapers.web.openapi_docs import DAY, MONTH, PAGE, PAPER_ID, WEEK
from dailypapers.web.templating import render

router = APIRouter(tags=["pages"], default_response_class=HTMLResponse, responses=PAGE)

PageNo = Annotated[int, Query(ge=0, le=100_000, description="0-based page")]
Sort = Annotated[str, Query(pattern="^(upvotes|published)$")]
DayPath = Annotated[str, Path(description="YYYY-MM-DD", examples=[DAY])]


def _uid(user: object) -> int | None:
    return getattr(user, "id", None)


@router.get("/")
def home(request: Request, session: SessionDep, user: OptionalUser, p: PageNo = 0) -> Response:
    listing = cached_listing(
        session, None, page=p, user_id=_uid(user), cache=request.app.state.listings
    )
    return render(request, "listing.html", {"listing": listing, "is_home": True})


@router.get("/date")
def jump_to_day(d: Annotated[str, Query(max_length=40, examples=[DAY])] = "") -> Response:
    """The date picker's target: /date?d=YYYY-MM-DD → /date/YYYY-MM-DD."""
    return RedirectResponse(f"/date/{parse_day(d).isoformat()}", status_code=303)


@router.get("/date/{day}")
def day_page(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    day: DayPath,
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
    week: Annotated[str, Path(description="YYYY-Www", examples=[WEEK])],
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
    month: Annotated[str, Path(description="YYYY-MM", examples=[MONTH])],
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
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    arxiv_id: Annotated[str, Path(description="arXiv id or URL", examples=[PAPER_ID])],
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
        "in_collections": public_collections_with(session, detail.paper.id),
        "bibtex": export([detail.paper], "bibtex")[0],
    }
    return render(request, "paper.html", context)


@router.get("/users/{username}")
def profile_page(
    request: Request, session: SessionDep, user: OptionalUser, username: str
) -> Response:
    profile = user_profile(session, username, viewer=user)
    # Saved papers are private: only their owner sees them, on their own profile.
    saved = None
    if user is not None and user.id == profile.user.id:
        saved = load_cards(session, saved_papers(session, user.id, limit=100), user_id=user.id)
    return render(request, "profile.html", {"profile": profile, "saved": saved})
