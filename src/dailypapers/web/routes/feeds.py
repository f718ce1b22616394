"""RSS 2.0 and Atom feeds: the newest day, any day, and trending."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from dailypapers.feed.listing import cached_listing
from dailypapers.feed.periods import day_period, parse_day
from dailypapers.rank.trending import trending_cards
from dailypapers.web.deps import SessionDep
from dailypapers.web.feeds import render_feed
from dailypapers.web.openapi_docs import DAY, FEED
from dailypapers.web.urls import absolute_url, site_root

router = APIRouter(prefix="/feeds", tags=["feeds"])

Kind = Annotated[Literal["rss", "atom"], Path(description="rss (RSS 2.0) or atom")]


@router.get(
    "/daily.{kind}", summary="The newest day's papers", response_class=Response, responses=FEED
)
def daily_feed(request: Request, session: SessionDep, kind: Kind) -> Response:
    cache = request.app.state.listings
    listing = cached_listing(session, None, per_page=100, user_id=None, cache=cache)
    label = listing.period.label if listing.period else "no papers yet"
    return render_feed(
        listing.cards,
        kind,
        title=f"Daily Papers: {label}",
        link=absolute_url(request),
        site=site_root(request),
    )


@router.get(
    "/date/{day}.{kind}", summary="One day's papers", response_class=Response, responses=FEED
)
def day_feed(
    request: Request,
    session: SessionDep,
    day: Annotated[str, Path(description="YYYY-MM-DD", examples=[DAY])],
    kind: Kind,
) -> Response:
    period = day_period(parse_day(day))
    cache = request.app.state.listings
    listing = cached_listing(session, period, per_page=100, user_id=None, cache=cache)
    return render_feed(
        listing.cards,
        kind,
        title=f"Daily Papers: {period.label}",
        link=absolute_url(request),
        site=site_root(request),
        page=f"/date/{period.start.isoformat()}",
    )


@router.get("/trending.{kind}", summary="Trending papers", response_class=Response, responses=FEED)
def trending_feed(request: Request, session: SessionDep, kind: Kind) -> Response:
    state = request.app.state
    cards = trending_cards(session, state.trending, cache=state.listings)
    return render_feed(
        cards,
        kind,
        title="Daily Papers: trending",
        link=absolute_url(request),
        site=site_root(request),
        description="Papers ranked by upvotes, weighted toward recent days",
        page="/trending",
    )
