"""What Hugging Face adds to a card: submitter, organization, AI summary, keywords, media, stars.

Loaded for one page of cards at a time: the extras, then the authors of the papers that have them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

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
# A paper's extras as columns of the card's own statement (`with_extras`): one statement reads
# a page's cards with what HF adds; only the authors of the papers that have extras follow.
EXTRAS_COLUMNS = (
    PaperHf.paper_id,
    PaperHf.title,
    PaperHf.ai_summary,
    PaperHf.ai_summary_model,
    PaperHf.ai_keywords,
    PaperHf.thumbnail,
    PaperHf.media_urls,
    PaperHf.discussion_id,
    PaperHf.github_stars,
    PaperHf.num_comments,
    PaperHf.featured_at,
    PaperHf.submitted_on_daily_at,
    PaperHf.counts_captured_at,
    _SUBMITTER.name,
    _SUBMITTER.fullname,
    _SUBMITTER.avatar_url,
    _SUBMITTER.hf_id,
    HfOrganization.name,
    HfOrganization.fullname,
    HfOrganization.avatar_url,
    HfOrganization.hf_id,
)


def with_extras(statement: Select, paper_id: Any) -> Select:
    """`statement` with the HF extras of the paper `paper_id` names as its last columns."""
    return (
        statement.add_columns(*EXTRAS_COLUMNS)
        .outerjoin(PaperHf, PaperHf.paper_id == paper_id)
        .outerjoin(_SUBMITTER, _SUBMITTER.id == PaperHf.submitter_id)
        .outerjoin(HfOrganization, HfOrganization.id == PaperHf.organization_id)
    )


def extras_from(values: Sequence[Any]) -> HfCard | None:
    """The HfCard of a row's EXTRAS_COLUMNS (None for a paper HF never listed)."""
    if values[0] is None:
        return None
    (
        _,
        title,
        ai_summary,
        ai_summary_model,
        ai_keywords,
        thumbnail,
        media_urls,
        discussion_id,
        github_stars,
        num_comments,
        featured_at,
        submitted_on_daily_at,
        counts_captured_at,
    ) = values[:13]
    return HfCard(
        title=title,
        ai_summary=ai_summary,
        ai_summary_model=ai_summary_model,
        ai_keywords=list(ai_keywords or []),
        thumbnail=thumbnail,
        media_urls=list(media_urls or []),
        discussion_id=discussion_id,
        github_stars=github_stars,
        num_comments=num_comments or 0,
        featured_at=featured_at,
        submitted_on_daily_at=submitted_on_daily_at,
        counts_captured_at=counts_captured_at,
        submitter=_account(*values[13:17]),
        organization=_account(*values[17:21]),
    )


def _authors(postgresql: bool) -> Select:
    return (
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


_AUTHORS = for_dialect(_authors)


def _account(name: str | None, *rest: str | None) -> Account | None:
    return Account(name, *rest) if name else None


def attach_authors(session: Session, cards: Sequence[PaperCard]) -> None:
    """Fill in HF's author list of each card that has HF extras (one statement, if any)."""
    listed = {card.id: card.hf for card in cards if card.hf is not None}
    if not listed:  # none of these papers came from Hugging Face
        return
    for pid, name, hf_id, hidden, status, *user in session.execute(
        _AUTHORS(session), {"ids": list(listed)}
    ):
        extras = listed.get(pid)
        if extras is not None:
            extras.authors.append(Author(name, hf_id, bool(hidden), status, _account(*user)))
