"""One paper, as its page shows it; and a user's profile (upvotes and submissions)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.arxiv_ids import parse_arxiv_id
from dailypapers.errors import BadArxivId, NotFound
from dailypapers.feed.cards import PaperCard, load_cards
from dailypapers.store.models import DailyListing, Paper, PaperVersion, Upvote, User


@dataclass(slots=True)
class PaperDetail:
    paper: Paper
    card: PaperCard
    versions: list[PaperVersion]


def normalise_id(text: str) -> str:
    """The arXiv id (no version) from an id or URL; NotFound for anything else (a page address)."""
    try:
        return parse_arxiv_id(text)[0]
    except BadArxivId:
        raise NotFound(f"{text[:80]!r} is not an arXiv id") from None


def get_paper(session: Session, arxiv_id: str, *, viewer: User | None = None) -> Paper:
    """The paper with this id; hidden papers exist only for admins."""
    arxiv_id = normalise_id(arxiv_id)
    paper = session.scalar(select(Paper).where(Paper.arxiv_id == arxiv_id))
    if paper is None or (paper.hidden and not (viewer and viewer.is_admin)):
        raise NotFound(f"no paper {arxiv_id} here yet")
    return paper


def paper_detail(session: Session, arxiv_id: str, *, viewer: User | None = None) -> PaperDetail:
    paper = get_paper(session, arxiv_id, viewer=viewer)
    card = load_cards(session, [paper.id], user_id=viewer.id if viewer else None)[0]
    return PaperDetail(paper=paper, card=card, versions=list(paper.versions))


@dataclass(slots=True)
class Profile:
    user: User
    upvoted: list[PaperCard]
    submitted: list[PaperCard]


def user_profile(
    session: Session, username: str, *, viewer: User | None = None, limit: int = 100
) -> Profile:
    """A user's upvoted and submitted papers, newest first (hidden papers left out)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user {username[:40]!r}")
    viewer_id = viewer.id if viewer else None
    upvoted = list(
        session.scalars(
            select(Upvote.paper_id)
            .join(Paper, Paper.id == Upvote.paper_id)
            .where(Upvote.user_id == user.id, Paper.hidden.is_(False))
            .order_by(Upvote.created_at.desc())
            .limit(limit)
        )
    )
    submitted = list(
        session.scalars(
            select(DailyListing.paper_id)
            .join(Paper, Paper.id == DailyListing.paper_id)
            .where(DailyListing.submitted_by_id == user.id, Paper.hidden.is_(False))
            .order_by(DailyListing.listed_at.desc())
            .limit(limit)
        )
    )
    return Profile(
        user=user,
        upvoted=load_cards(session, upvoted, user_id=viewer_id),
        submitted=load_cards(session, submitted, user_id=viewer_id),
    )
