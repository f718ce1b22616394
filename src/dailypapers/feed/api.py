"""The JSON API's answers in Hugging Face's shapes (`/api/daily_papers`, `/api/papers/{id}`)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from dailypapers.errors import InvalidInput
from dailypapers.feed.cards import PaperCard, load_cards
from dailypapers.feed.collections import submitter_page
from dailypapers.feed.hf_shapes import authors_json, iso, paper_hf_fields, user_json
from dailypapers.feed.papers import paper_detail
from dailypapers.feed.periods import Period, day_period, parse_day, parse_month, parse_week
from dailypapers.feed.queries import listed_ids, newest_listed_ids
from dailypapers.rank.trending import trending

API_SORTS = ("publishedAt", "trending", "upvotes")


def _iso(value: datetime | None) -> str | None:
    return iso(value)


def num_comments(card: PaperCard) -> int:
    """HF's count when captured plus the comments written here (like upvotes)."""
    return (card.hf.num_comments if card.hf else 0) + card.comments


def paper_json(card: PaperCard) -> dict[str, Any]:
    """The `paper` object: HF's fields with HF's meanings, then ours (arXiv details)."""
    return {
        "id": card.arxiv_id,
        "title": card.title,
        "summary": card.abstract,
        "authors": authors_json(card.authors, card.hf),
        "publishedAt": _iso(card.published_at),
        "upvotes": card.upvotes,
        "githubRepo": card.code_url,
        "projectPage": card.project_url,
        **paper_hf_fields(card.hf),
        "updatedAt": _iso(card.updated_at),
        "version": card.version,
        "categories": card.categories,
        "numComments": num_comments(card),
        "arxivUrl": card.abs_url,
        "pdfUrl": card.pdf_url,
        "withdrawn": card.withdrawn,
    }


def _featured_at(card: PaperCard) -> datetime | None:
    """When HF featured it (its item `publishedAt`), else when it was listed here."""
    if card.hf is not None and card.hf.featured_at is not None:
        return card.hf.featured_at
    featured = card.listed_at
    if card.listed_on is not None and (featured is None or featured.date() != card.listed_on):
        featured = datetime.combine(card.listed_on, time(), tzinfo=UTC)
    return featured


def _submitter(card: PaperCard) -> dict[str, Any] | None:
    if card.hf is not None and card.hf.submitter is not None:
        return user_json(card.hf.submitter)
    if card.submitter:  # a user of this site, or an HF name from a flat file
        return {"name": card.submitter, "user": card.submitter, "fullname": card.submitter}
    return None


def daily_item(card: PaperCard) -> dict[str, Any]:
    """One entry of /api/daily_papers: the paper plus when and by whom it was featured."""
    paper = paper_json(card)
    hf = card.hf
    return {
        "paper": paper,
        "publishedAt": _iso(_featured_at(card)),
        "date": card.listed_on.isoformat() if card.listed_on else None,
        "title": hf.title if hf and hf.title else card.title,
        "summary": card.abstract,
        "thumbnail": hf.thumbnail if hf else None,
        "mediaUrls": paper["mediaUrls"],
        "numComments": paper["numComments"],
        "submittedBy": _submitter(card),
        "organization": paper["organization"],
        # HF's client reads these at the top level (HF's API nests them in `paper`).
        "githubRepo": card.code_url,
        "githubStars": paper["githubStars"],
        "projectPage": card.project_url,
        "ai_summary": paper["ai_summary"],
        "ai_keywords": paper["ai_keywords"],
        "discussionId": paper["discussionId"],
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
    submitter: str | None = None,
) -> list[dict[str, Any]]:
    """One page of featured papers: newest first (publishedAt), by votes, or trending."""
    if sort not in API_SORTS:
        raise InvalidInput(f"unknown sort {sort!r}; use one of: {', '.join(API_SORTS)}")
    offset = page * limit
    if submitter is not None:
        ids = submitter_page(session, submitter, period, sort=sort, limit=limit, offset=offset)
    elif sort == "trending":
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
    """/api/papers/{id}: HF's paper object (flat), plus arXiv details of ours."""
    detail = paper_detail(session, arxiv_id)
    card = detail.card
    body = paper_json(card)
    body.update(
        thumbnail=card.hf.thumbnail if card.hf else None,
        submittedBy=_submitter(card),
        doi=detail.paper.doi,
        journalRef=detail.paper.journal_ref,
        # HF's `comments` would be a count; arXiv's comments field is text, so it has its own key.
        arxivComments=detail.paper.comments,
        license=detail.paper.license,
        withdrawnAt=_iso(detail.paper.withdrawn_at),
        featuredOn=card.listed_on.isoformat() if card.listed_on else None,
        featuredAt=_iso(_featured_at(card)),
        versions=[
            {"version": v.version, "submittedAt": _iso(v.submitted_at)} for v in detail.versions
        ],
    )
    if body.get("submittedOnDailyAt") is None:  # older HF items: only the featured time
        body["submittedOnDailyAt"] = body["featuredAt"]
    if body.get("submittedOnDailyBy") is None:
        body["submittedOnDailyBy"] = body["submittedBy"]
    return body
