"""Paper cards: what a listing shows of each paper, fetched for one page of papers at a time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, exists, func, select
from sqlalchemy.orm import Session

from dailypapers.feed.hf_cards import (
    EXTRAS_COLUMNS,
    HfCard,
    attach_authors,
    extras_from,
    with_extras,
)
from dailypapers.store.id_lists import among, for_dialect
from dailypapers.store.models import Comment, DailyListing, Paper, Upvote, User


@dataclass(slots=True)
class PaperCard:
    """One paper as the feed, the API and the feeds show it."""

    id: int
    arxiv_id: str
    title: str
    abstract: str | None
    authors: list[str]
    categories: list[str]
    published_at: datetime | None
    updated_at: datetime | None
    version: int | None
    code_url: str | None
    project_url: str | None
    abs_url: str | None
    pdf_url: str | None
    withdrawn: bool
    hidden: bool
    imported_upvotes: int
    votes_here: int = 0
    comments: int = 0
    listed_on: date | None = None
    listed_at: datetime | None = None
    submitter: str | None = None
    voted: bool = False  # the current user has upvoted it
    score: float | None = None  # a ranker's score, when ranked
    hf: HfCard | None = None  # what Hugging Face adds (feed/hf_cards.py)

    @property
    def upvotes(self) -> int:
        """The shown count: the imported count plus the votes cast here."""
        return self.imported_upvotes + self.votes_here


CARD_COLUMNS = (
    Paper.id,
    Paper.arxiv_id,
    Paper.title,
    Paper.abstract,
    Paper.authors,
    Paper.categories,
    Paper.published_at,
    Paper.updated_at,
    Paper.version,
    Paper.code_url,
    Paper.project_url,
    Paper.abs_url,
    Paper.pdf_url,
    Paper.withdrawn,
    Paper.hidden,
    Paper.imported_upvotes,
)


# Built once per dialect (store/id_lists.py): SQLAlchemy compiles each statement a single time
# and a page's ids go in as one parameter (an array on PostgreSQL), not as literals per request.
@dataclass(frozen=True, slots=True)
class _Statements:
    votes: Select
    comments: Select
    voted: Select
    cards: Select


def _build(postgresql: bool) -> _Statements:
    def ids(column: Any) -> ColumnElement[bool]:
        return among(column, postgresql)

    return _Statements(
        votes=select(Upvote.paper_id, func.count())
        .where(ids(Upvote.paper_id))
        .group_by(Upvote.paper_id),
        comments=select(Comment.paper_id, func.count())
        .where(ids(Comment.paper_id), Comment.hidden.is_(False))
        .group_by(Comment.paper_id),
        voted=select(Upvote.paper_id).where(
            Upvote.user_id == bindparam("uid"), ids(Upvote.paper_id)
        ),
        # The counts and the reader's vote ride along as correlated subqueries (an index
        # lookup per card), HF's extras as outer joins: one round trip for the page instead
        # of six (HF's author lists follow, for the papers that have extras).
        cards=with_extras(
            select(
                *CARD_COLUMNS,
                DailyListing.date,
                DailyListing.listed_at,
                DailyListing.submitter_name,
                User.username,
                select(func.count())
                .where(Upvote.paper_id == Paper.id)
                .correlate(Paper)
                .scalar_subquery(),
                select(func.count())
                .where(Comment.paper_id == Paper.id, Comment.hidden.is_(False))
                .correlate(Paper)
                .scalar_subquery(),
                exists()
                .where(Upvote.paper_id == Paper.id, Upvote.user_id == bindparam("uid"))
                .correlate(Paper),
            )
            .outerjoin(DailyListing, DailyListing.paper_id == Paper.id)
            .outerjoin(User, User.id == DailyListing.submitted_by_id),
            Paper.id,
        ).where(ids(Paper.id)),
    )


_statements = for_dialect(_build)


def vote_counts(session: Session, paper_ids: Sequence[int]) -> dict[int, int]:
    """Votes cast here, for these papers only (index on upvotes.paper_id)."""
    if not paper_ids:
        return {}
    return {
        pid: n for pid, n in session.execute(_statements(session).votes, {"ids": list(paper_ids)})
    }


def comment_counts(session: Session, paper_ids: Sequence[int]) -> dict[int, int]:
    """Visible comments, for these papers only (index on comments.paper_id)."""
    if not paper_ids:
        return {}
    return {
        pid: n
        for pid, n in session.execute(_statements(session).comments, {"ids": list(paper_ids)})
    }


def voted_by(session: Session, user_id: int | None, paper_ids: Sequence[int]) -> set[int]:
    """Which of these papers the user has upvoted."""
    if user_id is None or not paper_ids:
        return set()
    return set(
        session.scalars(_statements(session).voted, {"uid": user_id, "ids": list(paper_ids)})
    )


def load_cards(
    session: Session, paper_ids: Sequence[int], *, user_id: int | None = None
) -> list[PaperCard]:
    """Cards for these papers, in the given order, with counts and listing details."""
    if not paper_ids:
        return []
    rows = session.execute(
        _statements(session).cards, {"ids": list(paper_ids), "uid": user_id}
    ).all()
    by_id: dict[int, PaperCard] = {}
    width = len(CARD_COLUMNS)
    extras = len(EXTRAS_COLUMNS)
    for row in rows:
        card = PaperCard(*row[:width])
        (
            card.listed_on,
            card.listed_at,
            submitter_name,
            username,
            card.votes_here,
            card.comments,
            voted,
        ) = row[width:-extras]
        card.submitter = username or submitter_name
        card.voted = bool(voted) and user_id is not None
        card.hf = extras_from(row[-extras:])
        by_id[card.id] = card
    attach_authors(session, list(by_id.values()))
    return [by_id[pid] for pid in paper_ids if pid in by_id]


def with_fresh_counts(
    session: Session, cards: Sequence[PaperCard], user_id: int | None
) -> list[PaperCard]:
    """Copies of (cached) cards with current vote and comment counts and the user's votes."""
    ids = [card.id for card in cards]
    votes = vote_counts(session, ids)
    comments = comment_counts(session, ids)
    mine = voted_by(session, user_id, ids)
    return [
        replace(
            card,
            votes_here=votes.get(card.id, 0),
            comments=comments.get(card.id, 0),
            voted=card.id in mine,
        )
        for card in cards
    ]
