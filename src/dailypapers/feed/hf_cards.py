"""What Hugging Face adds to a card: submitter, organization, AI summary, keywords, media, stars.

Loaded for one page of cards at a time (three indexed queries), like the vote counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from dailypapers.store.id_lists import among, for_dialect
from dailypapers.store.models import HfOrganization, HfUser, PaperAuthor, PaperHf

if TYPE_CHECKING:
    from dailypapers.feed.cards import PaperCard

HF_AVATARS = "https://huggingface.co"  # HF writes its default avatars as site-relative paths


@dataclass(slots=True)
class Account:
    """An HF user or organization as a card shows it."""

    name: str
    fullname: str | None
    avatar_url: str | None
    hf_id: str | None = None

    @property
    def display(self) -> str:
        return self.fullname or self.name

    @property
    def avatar(self) -> str | None:
        """The avatar as an absolute URL (HF's default avatars are site-relative)."""
        if self.avatar_url and self.avatar_url.startswith("/"):
            return HF_AVATARS + self.avatar_url
        return self.avatar_url


@dataclass(slots=True)
class Author:
    name: str
    hf_id: str | None
    hidden: bool
    status: str | None
    user: Account | None


@dataclass(slots=True)
class HfCard:
    title: str | None = None  # HF's title of the item, when it differs from arXiv's
    ai_summary: str | None = None
    ai_summary_model: str | None = None
    ai_keywords: list[str] = field(default_factory=list)
    thumbnail: str | None = None
    media_urls: list[str] = field(default_factory=list)
    discussion_id: str | None = None
    github_stars: int | None = None
    num_comments: int = 0  # comments on Hugging Face when captured
    featured_at: datetime | None = None
    submitted_on_daily_at: datetime | None = None
    counts_captured_at: datetime | None = None
    submitter: Account | None = None
    organization: Account | None = None
    authors: list[Author] = field(default_factory=list)


_SUBMITTER = aliased(HfUser)


def _build(postgresql: bool) -> tuple[Select, Select]:
    """(the extras with submitter and organization, the authors) of a page of papers."""
    extras = (
        select(
            PaperHf,
            _SUBMITTER.name,
            _SUBMITTER.fullname,
            _SUBMITTER.avatar_url,
            _SUBMITTER.hf_id,
            HfOrganization.name,
            HfOrganization.fullname,
            HfOrganization.avatar_url,
            HfOrganization.hf_id,
        )
        .outerjoin(_SUBMITTER, _SUBMITTER.id == PaperHf.submitter_id)
        .outerjoin(HfOrganization, HfOrganization.id == PaperHf.organization_id)
        .where(among(PaperHf.paper_id, postgresql))
    )
    authors = (
        select(
            PaperAuthor.paper_id,
            PaperAuthor.name,
            PaperAuthor.hf_id,
            PaperAuthor.hidden,
            PaperAuthor.status,
            HfUser.name,
            HfUser.fullname,
            HfUser.avatar_url,
            HfUser.hf_id,
        )
        .outerjoin(HfUser, HfUser.id == PaperAuthor.user_id)
        .where(among(PaperAuthor.paper_id, postgresql))
        .order_by(PaperAuthor.paper_id, PaperAuthor.position)
    )
    return extras, authors


_statements = for_dialect(_build)


def _account(name: str | None, *rest: str | None) -> Account | None:
    return Account(name, *rest) if name else None


def hf_cards(session: Session, paper_ids: Sequence[int]) -> dict[int, HfCard]:
    """The HF additions of these papers (papers without any are left out)."""
    if not paper_ids:
        return {}
    found: dict[int, HfCard] = {}
    extras_statement, authors_statement = _statements(session)
    for row in session.execute(extras_statement, {"ids": list(paper_ids)}):
        extras: PaperHf = row[0]
        found[extras.paper_id] = HfCard(
            title=extras.title,
            ai_summary=extras.ai_summary,
            ai_summary_model=extras.ai_summary_model,
            ai_keywords=list(extras.ai_keywords or []),
            thumbnail=extras.thumbnail,
            media_urls=list(extras.media_urls or []),
            discussion_id=extras.discussion_id,
            github_stars=extras.github_stars,
            num_comments=extras.num_comments or 0,
            featured_at=extras.featured_at,
            submitted_on_daily_at=extras.submitted_on_daily_at,
            counts_captured_at=extras.counts_captured_at,
            submitter=_account(*row[1:5]),
            organization=_account(*row[5:9]),
        )
    for pid, name, hf_id, hidden, status, *user in session.execute(
        authors_statement, {"ids": list(paper_ids)}
    ):
        card = found.get(pid)
        if card is not None:
            card.authors.append(Author(name, hf_id, bool(hidden), status, _account(*user)))
    return found


def attach_hf(session: Session, cards: Sequence[PaperCard]) -> None:
    """Set each card's `hf` (None for papers Hugging Face never listed)."""
    found = hf_cards(session, [card.id for card in cards])
    for card in cards:
        card.hf = found.get(card.id)
