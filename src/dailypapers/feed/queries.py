"""Which papers a period lists, in what order; index-backed (listing date, upvotes.paper_id).

Only the period's own listings are touched, so a day page costs the same with 12 thousand papers
or a million: the date index finds the day's rows and votes are counted for those papers alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from dailypapers.feed.periods import Period
from dailypapers.store.models import DailyListing, Paper, Upvote

SORTS = ("upvotes", "published")


@dataclass(slots=True)
class PageOfIds:
    paper_ids: list[int]
    total: int


def _votes_here():  # noqa: ANN202 - a SQL expression
    return (
        select(func.count())
        .select_from(Upvote)
        .where(Upvote.paper_id == Paper.id)
        .correlate(Paper)
        .scalar_subquery()
    )


def shown_upvotes():  # noqa: ANN201 - a SQL expression
    """Imported count + votes cast here, as a SQL expression on `Paper`."""
    return Paper.imported_upvotes + _votes_here()


def _listed(single_day: bool):  # noqa: ANN202 - a SQL statement
    in_period = (
        DailyListing.date == bindparam("start")
        if single_day
        else DailyListing.date.between(bindparam("start"), bindparam("end"))
    )
    return (
        select(Paper.id)
        .join(DailyListing, DailyListing.paper_id == Paper.id)
        .where(in_period, Paper.hidden.is_(False))
    )


# Built once (compiled once by SQLAlchemy's cache); the period and the page are parameters.
_PAGE = bindparam("limit"), bindparam("offset")
_ORDERS = {
    "upvotes": lambda: (shown_upvotes().desc(), Paper.id.desc()),
    "published": lambda: (Paper.published_at.desc(), Paper.id.desc()),
}
_IDS = {
    (single, sort): _listed(single).order_by(*order()).limit(_PAGE[0]).offset(_PAGE[1])
    for single in (True, False)
    for sort, order in _ORDERS.items()
}
_COUNT = {
    single: select(func.count()).select_from(_listed(single).subquery()) for single in (True, False)
}


def listed_ids(
    session: Session, period: Period, *, sort: str = "upvotes", limit: int = 50, offset: int = 0
) -> PageOfIds:
    """One page of the visible papers listed in `period`, most upvoted (or newest) first."""
    single = period.start == period.end
    params = {"start": period.start, "end": period.end, "limit": limit, "offset": offset}
    ids = list(session.scalars(_IDS[single, sort if sort in _ORDERS else "upvotes"], params))
    total = session.scalar(_COUNT[single], params) or 0
    return PageOfIds(ids, total)


def latest_day(session: Session) -> date | None:
    """The newest date that lists papers (the home page's day)."""
    return session.scalar(select(func.max(DailyListing.date)))


def earliest_day(session: Session) -> date | None:
    return session.scalar(select(func.min(DailyListing.date)))


def adjacent_days(session: Session, day: date) -> tuple[date | None, date | None]:
    """The nearest earlier and later dates that list papers (skipping weekends and gaps)."""
    previous = session.scalar(select(func.max(DailyListing.date)).where(DailyListing.date < day))
    following = session.scalar(select(func.min(DailyListing.date)).where(DailyListing.date > day))
    return previous, following


def newest_listed_ids(session: Session, *, limit: int = 50, offset: int = 0) -> list[int]:
    """Every visible listed paper, newest listing day first (walks the date index backwards)."""
    return list(
        session.scalars(
            select(Paper.id)
            .join(DailyListing, DailyListing.paper_id == Paper.id)
            .where(Paper.hidden.is_(False))
            .order_by(DailyListing.date.desc(), Paper.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
