"""A page of a period's listing as cards, with the neighbouring periods to walk to."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy.orm import Session

from dailypapers.errors import InvalidInput
from dailypapers.feed.cache import TTLCache
from dailypapers.feed.cards import PaperCard, load_cards, with_fresh_counts
from dailypapers.feed.periods import Period, day_period, month_of, week_of
from dailypapers.feed.queries import SORTS, adjacent_days, latest_day, listed_ids

PER_PAGE = 50


@dataclass(slots=True)
class Listing:
    period: Period | None
    cards: list[PaperCard]
    total: int
    page: int
    per_page: int
    previous: Period | None = None
    following: Period | None = None
    sort: str = "upvotes"
    extra: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def period_listing(
    session: Session,
    period: Period,
    *,
    sort: str = "upvotes",
    page: int = 0,
    per_page: int = PER_PAGE,
    user_id: int | None = None,
) -> Listing:
    """The period's papers (most upvoted first, or newest), one page of cards."""
    if sort not in SORTS:
        raise InvalidInput(f"unknown sort {sort!r}; use one of: {', '.join(SORTS)}")
    if page < 0:
        raise InvalidInput("page numbers start at 0")
    found = listed_ids(session, period, sort=sort, limit=per_page, offset=page * per_page)
    cards = load_cards(session, found.paper_ids, user_id=user_id)
    listing = Listing(period, cards, found.total, page, per_page, sort=sort)
    if period.kind == "day":
        before, after = adjacent_days(session, period.start)
        listing.previous = day_period(before) if before else None
        listing.following = day_period(after) if after else None
    else:
        listing.previous, listing.following = period.previous(), period.following()
    return listing


def latest_listing(session: Session, **kwargs: object) -> Listing:
    """The newest day that lists papers (the home page); an empty listing on an empty site."""
    day = latest_day(session)
    if day is None:
        return Listing(None, [], 0, 0, PER_PAGE)
    return period_listing(session, day_period(day), **kwargs)  # type: ignore[arg-type]


def cached_listing(
    session: Session,
    period: Period | None,
    *,
    cache: TTLCache | None,
    user_id: int | None,
    sort: str = "upvotes",
    page: int = 0,
    per_page: int = PER_PAGE,
) -> Listing:
    """A period's listing (None: the newest day), through the per-process cache.

    Anonymous visitors get the cached listing as is. A logged-in user gets the cached papers
    and order with vote and comment counts (and their own votes) read fresh: what they just did
    always shows; only the order may lag a few seconds behind votes cast in another process.
    """

    def build() -> Listing:
        if period is None:
            return latest_listing(session, sort=sort, page=page, per_page=per_page)
        return period_listing(session, period, sort=sort, page=page, per_page=per_page)

    if cache is None:
        listing = build()
    else:
        key = ("listing", period.kind if period else None, period.key if period else None)
        listing = cache.get_or_build((*key, sort, page, per_page), build)
    if user_id is None:
        return listing
    return replace(listing, cards=with_fresh_counts(session, listing.cards, user_id))


def current_week(session: Session) -> Period:
    return week_of(latest_day(session) or date.today())


def current_month(session: Session) -> Period:
    return month_of(latest_day(session) or date.today())
