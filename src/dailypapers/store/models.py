"""The tables. Times are stored as UTC; a daily listing's date is a calendar date."""

# size: the whole schema in one file, one short class a table, so that it reads against the
# migrations and the schema-equals-models test in one place.

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from dailypapers.timeutil import as_utc, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A datetime that is always aware UTC in Python, whatever the backend stores."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # noqa: ANN001, ANN201
        return None if value is None else as_utc(value)

    def process_result_value(self, value, dialect):  # noqa: ANN001, ANN201
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Signed into the session cookie; logging out or changing the password bumps it, so every
    # copy of an older cookie stops working (a signed cookie alone cannot be taken back).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


TITLE_ONLY = "abstract IS NULL OR abstract = ''"  # a paper without an abstract
HIDDEN = "hidden"  # a paper moderation hid (the partial index's predicate, as queries write it)


class Paper(Base):
    __tablename__ = "papers"
    # The semantic half asks which of its candidates are title-only or hidden
    # (search/semantic.py): partial indexes of their ids answer without reading a million rows'
    # heap pages.
    __table_args__ = (
        Index(
            "ix_papers_title_only",
            "id",
            postgresql_where=text(TITLE_ONLY),
            sqlite_where=text(TITLE_ONLY),
        ),
        Index("ix_papers_hidden", "id", postgresql_where=text(HIDDEN), sqlite_where=text(HIDDEN)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    arxiv_id: Mapped[str] = mapped_column(String(40), unique=True)
    version: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    abstract: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    primary_category: Mapped[str | None] = mapped_column(String(40), index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    doi: Mapped[str | None] = mapped_column(String(255))
    journal_ref: Mapped[str | None] = mapped_column(Text)
    comments: Mapped[str | None] = mapped_column(Text)
    license: Mapped[str | None] = mapped_column(String(255))
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    abs_url: Mapped[str | None] = mapped_column(String(255))
    pdf_url: Mapped[str | None] = mapped_column(String(255))
    code_url: Mapped[str | None] = mapped_column(String(500))
    project_url: Mapped[str | None] = mapped_column(String(500))
    imported_upvotes: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str | None] = mapped_column(String(80))
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bumped only when the stored content really changes; derived indexes catch up from it.
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The change sequence number of the last committed change (store/changes.py): derived
    # indexes apply every paper whose number is above the one they have applied.
    change_seq: Mapped[int] = mapped_column(BigInteger, default=0, index=True)

    versions: Mapped[list[PaperVersion]] = relationship(
        back_populates="paper", order_by="PaperVersion.version", cascade="all, delete-orphan"
    )


class PaperVersion(Base):
    __tablename__ = "paper_versions"
    __table_args__ = (
        UniqueConstraint("paper_id", "version", name="uq_paper_versions_paper_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    size: Mapped[str | None] = mapped_column(String(40))

    paper: Mapped[Paper] = relationship(back_populates="versions")


class DailyListing(Base):
    """A paper featured on one calendar date (one day only), by a source or a user."""

    __tablename__ = "daily_listings"
    __table_args__ = (Index("ix_daily_listings_date", "date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), unique=True)
    date: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(40))  # "hf", "arxiv", "user", …
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitter_name: Mapped[str | None] = mapped_column(String(120))  # e.g. the HF submitter
    listed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Upvote(Base):
    __tablename__ = "upvotes"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Comment(Base):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)  # Markdown as written; rendered and sanitised on output
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Subscription(Base):
    """An email subscription to digests; the digest package owns its behaviour."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    frequency: Mapped[str] = mapped_column(String(10), default="daily")  # daily | weekly
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)  # e.g. ["cat:cs.CL", "diffusion"]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of every signed link; a new key revokes all links handed out before.
    token_key: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(8))
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Paused after repeated or permanent delivery failures; the settings page can resume.
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pause_reason: Mapped[str | None] = mapped_column(Text)
    failure_count: Mapped[int] = mapped_column(Integer, default=0)  # consecutive failed digests


class SyncState(Base):
    """Where a resumable job (a harvest, an index build) stopped; a small JSON document per key."""

    __tablename__ = "sync_state"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ChangeCounter(Base):
    """The last change sequence number handed out, per sequence (one row: "papers")."""

    __tablename__ = "change_counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class RateLimitHit(Base):
    """Hits of one rate-limit key in one fixed window (web/ratelimit.py), shared by processes."""

    __tablename__ = "rate_limit_hits"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)
    hits: Mapped[int] = mapped_column(Integer)


class JobRun(Base):
    """One background job in one schedule slot (jobs/queue.py): claimed, leased, done once."""

    __tablename__ = "job_runs"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    slot: Mapped[str] = mapped_column(String(40), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), index=True)  # pending, running, done, failed
    owner: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)


class IndexState(Base):
    """The change sequence number a derived index has applied (as the index itself reports it)."""

    __tablename__ = "index_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    applied_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DigestDelivery(Base):
    """One digest for one subscriber and period: intent recorded before sending, then the outcome.

    The unique (subscription, period, period_key) makes "at most one digest per period" a database
    fact; `message_id` and `content` are fixed at intent time so a resend is the same message.
    """

    __tablename__ = "digest_deliveries"
    __table_args__ = (
        UniqueConstraint(
            "subscription_id", "period", "period_key", name="uq_digest_deliveries_period"
        ),
        Index("ix_digest_deliveries_status", "status", "period", "period_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(10))  # daily | weekly
    period_key: Mapped[str] = mapped_column(String(20))  # 2026-11-26 | 2026-W48
    window_start: Mapped[date] = mapped_column(Date)
    window_end: Mapped[date] = mapped_column(Date)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    # pending -> sending -> sent | failed | expired
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    content: Mapped[dict] = mapped_column(JSON, default=dict)  # sections of paper ids and reasons
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class DigestItem(Base):
    """A paper put in a subscriber's digest; the key keeps it to one digest per subscriber."""

    __tablename__ = "digest_items"

    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), primary_key=True
    )
    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("digest_deliveries.id", ondelete="CASCADE"), index=True
    )


class HfOrganization(Base):
    """An organization a Hugging Face paper is credited to (HF's `organization`)."""

    __tablename__ = "hf_organizations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)  # HF's unique handle
    fullname: Mapped[str | None] = mapped_column(String(300))
    avatar_url: Mapped[str | None] = mapped_column(String(500))
    hf_id: Mapped[str | None] = mapped_column(String(40))
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # capture these values are from


class HfUser(Base):
    """A Hugging Face account: a daily-papers submitter or an author who claimed a paper."""

    __tablename__ = "hf_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)  # HF username
    fullname: Mapped[str | None] = mapped_column(String(300))
    avatar_url: Mapped[str | None] = mapped_column(String(500))
    hf_id: Mapped[str | None] = mapped_column(String(40))
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # capture these values are from


class PaperHf(Base):
    """What Hugging Face adds to a paper: AI summary, media, counts, submitter, organization.

    Counts are captures taken at `counts_captured_at`; they never go down (see hf_extras).
    """

    __tablename__ = "paper_hf"

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("hf_organizations.id", ondelete="SET NULL"), index=True
    )
    submitter_id: Mapped[int | None] = mapped_column(
        ForeignKey("hf_users.id", ondelete="SET NULL"), index=True
    )
    featured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # item `publishedAt`
    title: Mapped[str | None] = mapped_column(Text)  # the item's title (may keep LaTeX)
    submitted_on_daily_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    discussion_id: Mapped[str | None] = mapped_column(String(40))
    ai_summary: Mapped[str | None] = mapped_column(Text)
    ai_summary_model: Mapped[str | None] = mapped_column(String(200))
    ai_keywords: Mapped[list[str] | None] = mapped_column(JSON)
    thumbnail: Mapped[str | None] = mapped_column(String(500))
    media_urls: Mapped[list[str] | None] = mapped_column(JSON)
    github_stars: Mapped[int | None] = mapped_column(Integer)
    num_comments: Mapped[int | None] = mapped_column(Integer)
    upvotes: Mapped[int | None] = mapped_column(Integer)
    counts_captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PaperAuthor(Base):
    """A paper's author as HF lists it, in order, with the HF account that claimed it if any."""

    __tablename__ = "paper_authors"

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    name_key: Mapped[str] = mapped_column(String(300), index=True)  # folded: case and accents
    hf_id: Mapped[str | None] = mapped_column(String(40))
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str | None] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("hf_users.id", ondelete="SET NULL"), index=True
    )


class PaperKeyword(Base):
    """One of a paper's HF `ai_keywords`, folded for lookup (/keywords/{k})."""

    __tablename__ = "paper_keywords"

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    keyword: Mapped[str] = mapped_column(Text)
    keyword_key: Mapped[str] = mapped_column(String(300), index=True)


class LibraryCollection(Base):
    """A user's named list of papers ("Your library"); the default one is /saved."""

    __tablename__ = "library_collections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    # public | unlisted | private
    visibility: Mapped[str] = mapped_column(String(10), default="private")
    # Unlisted collections are reached by this unguessable key, never by their number.
    share_key: Mapped[str] = mapped_column(
        String(32), unique=True, default=lambda: secrets.token_urlsafe(16)
    )
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LibraryItem(Base):
    """A paper in a collection, in the collection's order, with an optional short note."""

    __tablename__ = "library_items"

    collection_id: Mapped[int] = mapped_column(
        ForeignKey("library_collections.id", ondelete="CASCADE"), primary_key=True
    )
    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(Text)
    added_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LibraryEditor(Base):
    """Another user who may edit a collection (a reading group's list)."""

    __tablename__ = "library_editors"

    collection_id: Mapped[int] = mapped_column(
        ForeignKey("library_collections.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReadingState(Base):
    """Whether a user has read a paper, or marked it "not interested" (a recommender negative)."""

    __tablename__ = "reading_states"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    not_interested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiToken(Base):
    """A personal API token; only its SHA-256 is kept (the token is shown once)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown in the list to tell tokens apart
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
