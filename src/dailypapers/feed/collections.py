"""Papers by one organization, submitter, author or keyword: newest or most upvoted first.

Each lookup goes through an index (paper_hf.organization_id / submitter_id,
paper_authors.name_key, paper_keywords.keyword_key); names are folded for case and accents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from dailypapers.errors import InvalidInput, NotFound
from dailypapers.feed.hf_cards import Account
from dailypapers.feed.periods import Period
from dailypapers.feed.queries import PageOfIds, shown_upvotes
from dailypapers.store.hf_extras import fold
from dailypapers.store.models import (
    DailyListing,
    HfOrganization,
    HfUser,
    Paper,
    PaperAuthor,
    PaperHf,
    PaperKeyword,
    User,
)

Kind = Literal["organization", "submitter", "author", "keyword"]
COLLECTION_SORTS = ("newest", "upvotes")
MAX_NAME = 200


@dataclass(slots=True)
class Collection:
    kind: Kind
    key: str  # the name as given in the address
    title: str  # what the page calls it
    account: Account | None  # the HF organization or user, when there is one
    ids: PageOfIds
    sort: str


def _account(session: Session, model: type[HfUser] | type[HfOrganization], name: str):  # noqa: ANN202
    row = session.scalar(select(model).where(model.name == name))
    return Account(row.name, row.fullname, row.avatar_url, row.hf_id) if row else None


def _matching(session: Session, kind: Kind, name: str) -> tuple[Select, str, Account | None]:
    """(papers matching, their title, the account) for one collection; NotFound if unknown."""
    base = select(Paper.id).where(Paper.hidden.is_(False))
    if kind == "organization":
        account = _account(session, HfOrganization, name)
        if account is None:
            raise NotFound(f"no organization {name[:60]!r} here")
        org_id = select(HfOrganization.id).where(HfOrganization.name == name).scalar_subquery()
        query = base.join(PaperHf, PaperHf.paper_id == Paper.id).where(
            PaperHf.organization_id == org_id
        )
        return query, account.display, account
    if kind == "submitter":
        account = _account(session, HfUser, name)
        local = session.scalar(select(User.id).where(User.username == name))
        if account is None and local is None:
            raise NotFound(f"no submitter {name[:60]!r} here")
        return submitted_by(base, name), account.display if account else name, account
    key = fold(name)
    if not key:
        raise NotFound("an empty name")
    if kind == "author":
        query = base.where(
            Paper.id.in_(select(PaperAuthor.paper_id).where(PaperAuthor.name_key == key))
        )
        title = session.scalar(select(PaperAuthor.name).where(PaperAuthor.name_key == key).limit(1))
    else:
        query = base.where(
            Paper.id.in_(select(PaperKeyword.paper_id).where(PaperKeyword.keyword_key == key))
        )
        title = session.scalar(
            select(PaperKeyword.keyword).where(PaperKeyword.keyword_key == key).limit(1)
        )
    if title is None:
        raise NotFound(f"no papers with {kind} {name[:60]!r} here")
    return query, title, None


def submitted_by(query: Select, name: str) -> Select:
    """Papers an HF user submitted, or a user of this site featured."""
    hf_user = select(HfUser.id).where(HfUser.name == name).scalar_subquery()
    local_user = select(User.id).where(User.username == name).scalar_subquery()
    return (
        query.outerjoin(PaperHf, PaperHf.paper_id == Paper.id)
        .outerjoin(DailyListing, DailyListing.paper_id == Paper.id)
        .where(or_(PaperHf.submitter_id == hf_user, DailyListing.submitted_by_id == local_user))
    )


def collection(
    session: Session,
    kind: Kind,
    name: str,
    *,
    sort: str = "newest",
    limit: int = 50,
    offset: int = 0,
) -> Collection:
    """One page of a collection's papers."""
    if sort not in COLLECTION_SORTS:
        raise InvalidInput(f"unknown sort {sort!r}; use one of: {', '.join(COLLECTION_SORTS)}")
    name = name.strip()[:MAX_NAME]
    query, title, account = _matching(session, kind, name)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ids = ordered(query, sort).limit(limit).offset(offset)
    return Collection(
        kind, name, title, account, PageOfIds(list(session.scalars(ids)), total), sort
    )


def ordered(query: Select, sort: str) -> Select:
    """Newest featured first (then newest on arXiv), or most upvoted first."""
    if sort == "upvotes":
        return query.order_by(shown_upvotes().desc(), Paper.id.desc())
    day = (
        select(DailyListing.date)
        .where(DailyListing.paper_id == Paper.id)
        .correlate(Paper)
        .scalar_subquery()
    )
    return query.order_by(day.desc().nulls_last(), Paper.published_at.desc(), Paper.id.desc())


def submitter_page(
    session: Session, name: str, period: Period | None, *, sort: str, limit: int, offset: int
) -> list[int]:
    """/api/daily_papers?submitter=: that submitter's featured papers (in the period)."""
    query = submitted_by(select(Paper.id).where(Paper.hidden.is_(False)), name[:MAX_NAME])
    if period is not None:
        in_period = select(DailyListing.paper_id).where(
            DailyListing.date.between(period.start, period.end)
        )
        query = query.where(Paper.id.in_(in_period))
    order = "upvotes" if sort in ("trending", "upvotes") else "newest"
    return list(session.scalars(ordered(query, order).limit(limit).offset(offset)))
