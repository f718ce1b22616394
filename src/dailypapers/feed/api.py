"""The JSON API's answers in Hugging Face's shapes (`/api/daily_papers`, `/api/papers/{id}`)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from dailypapers.errors import InvalidInput
from dailypapers.feed.cards import PaperCard, load_cards
from dailypapers.feed.papers import paper_detail
from dailypapers.feed.periods import Period, day_period, parse_day, parse_month, parse_week
from dailypapers.feed.queries import listed_ids, newest_listed_ids
from dailypapers.rank.trending import trending

API_SORTS = ("publishedAt", "trending", "upvotes")


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def paper_json(card: PaperCard) -> dict[str, Any]:
    """The `paper` object: what arXiv and votes say about the paper itself."""
    return {
        "id": card.arxiv_id,
        "title": card.title,
        "summary": card.abstract,
        "authors": [{"name": name} for name in card.authors],
        "publishedAt": _iso(card.published_at),
        "updatedAt": _iso(card.updated_at),
        "version": card.version,
        "categories": card.categories,
        "upvotes": card.upvotes,
        "numComments": card.comments,
        "githubRepo": card.code_url,
        "projectPage": card.project_url,
        "arxivUrl": card.abs_url,
        "pdfUrl": card.pdf_url,
        "withdrawn": card.withdrawn,
    }


def daily_item(card: PaperCard) -> dict[str, Any]:
    """One entry of /api/daily_papers: the paper plus when and by whom it was featured."""
    featured = card.listed_at
    if card.listed_on is not None and (featured is None or featured.date() != card.listed_on):
        featured = datetime.combine(card.listed_on, time(), tzinfo=UTC)
    return {
        "paper": paper_json(card),
        "publishedAt": _iso(featured),
        "date": card.listed_on.isoformat() if card.listed_on else None,
        "title": card.title,
        "summary": card.abstract,
        "numComments": card.comments,
        "submittedBy": {"name": card.submitter} if card.submitter else None,
    }


def requested_period(date: str | None, week: str | None, month: str | None) -> Period | None:
    given = [v for v in (date, week, month) if v is not None]
    if len(given) > 1:
        raise InvalidInput("give at most one of date, week and month")
    if date is not None:
        return day_period(parse_day(date))
    if week is not None:
        return parse_week(week)
    if month is not None:
        return parse_month(month)
    return None


def daily_papers(
    session: Session,
    *,
    period: Period | None,
    page: int,
    limit: int,
    sort: str,
    trending_cache: Any = None,
) -> list[dict[str, Any]]:
    """One page of featured papers: newest first (publishedAt), by votes, or trending."""
    if sort not in API_SORTS:
        raise InvalidInput(f"unknown sort {sort!r}; use one of: {', '.join(API_SORTS)}")
    offset = page * limit
    if sort == "trending":
        if period is None:
            ids, _ = trending_cache.get(session) if trending_cache else trending(session)
        else:
            ids, _ = trending(session, start=period.start, end=period.end)
        ids = ids[offset : offset + limit]
    elif period is None:
        ids = newest_listed_ids(session, limit=limit, offset=offset)
    else:
        order = "published" if sort == "publishedAt" else "upvotes"
        ids = listed_ids(session, period, sort=order, limit=limit, offset=offset).paper_ids
    return [daily_item(card) for card in load_cards(session, ids)]


def paper_info(session: Session, arxiv_id: str) -> dict[str, Any]:
    detail = paper_detail(session, arxiv_id)
    body = paper_json(detail.card)
    body.update(
        doi=detail.paper.doi,
        journalRef=detail.paper.journal_ref,
        comments=detail.paper.comments,
        license=detail.paper.license,
        withdrawnAt=_iso(detail.paper.withdrawn_at),
        featuredOn=detail.card.listed_on.isoformat() if detail.card.listed_on else None,
        submittedBy={"name": detail.card.submitter} if detail.card.submitter else None,
        versions=[
            {"version": v.version, "submittedAt": _iso(v.submitted_at)} for v in detail.versions
        ],
    )
    return body
