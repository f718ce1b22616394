"""The lexical half of search: one small interface and its engine.

Both backends keep a tantivy index in the data dir (`tantivy/`), derived from the database by
the change sequence; `registry.lexical_index` returns it. The engine imports this module, never
the reverse; it takes the parsed query (`query.py`) and returns a `LexicalResult`. (Until
migration 0010 PostgreSQL ranked a weighted tsvector in SQL: slower at scale, weaker in
relevance, and it made every bulk write pay for the full-text work under the writers' lock.)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.store.models import DailyListing, Paper

if TYPE_CHECKING:
    from dailypapers.search.query import ParsedQuery
    from dailypapers.store.db import Store
    from dailypapers.store.records import UpsertResult

Sort = Literal["relevance", "date", "votes"]
# "all-first": papers with every word, then papers with some; "any": bm25 over any word alone,
# which ranks better as the lexical half of hybrid search (benchmarks/relevance.py).
Rank = Literal["all-first", "any"]
# Field weights, title > authors > abstract (tuned on benchmarks/relevance_queries.jsonl).
TITLE_WEIGHT = 2.5
AUTHORS_WEIGHT = 1.5
ABSTRACT_WEIGHT = 1.0
# A query of more than this many words describes a paper rather than naming it: its title
# matches count less (tuned on benchmarks/queries/dev.jsonl; see docs/search.md).
LONG_QUERY_WORDS = 6
LONG_QUERY_TITLE_WEIGHT = 0.6
# Such a long query's any-word ranking (the hybrid's keyword half) is bm25 over one combined
# "body" field, the title this many times and then the abstract: a word's count then saturates
# over the whole paper, as FTS5's weighted bm25 does, not per field and summed (tantivy's).
BODY_TITLE_COPIES = 2


@dataclass
class Filters:
    """Restrictions that do not rank: merged with the query's own operators."""

    since: date | None = None
    until: date | None = None
    categories: list[str] = field(default_factory=list)
    has_code: bool | None = None

    @classmethod
    def combine(
        cls,
        query: ParsedQuery,
        *,
        since: date | None = None,
        until: date | None = None,
        category: str | None = None,
        has_code: bool | None = None,
    ) -> Filters:
        """The query's operators narrowed further by explicit filters (the later date wins)."""
        starts = [d for d in (query.since, since) if d]
        ends = [d for d in (query.until, until) if d]
        categories = list(query.categories) + ([category] if category else [])
        return cls(
            since=max(starts) if starts else None,
            until=min(ends) if ends else None,
            categories=categories,
            has_code=has_code,
        )


class WriterBusy(RuntimeError):
    """Another process holds the index's writer lock."""


class IndexDamaged(RuntimeError):
    """The index's files cannot be read: it is rebuilt from the database (a derived index)."""


@dataclass
class LexicalResult:
    """Ranked paper ids with their scores; `total` counts every match, `mode` says how."""

    ids: list[int] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    total: int = 0
    mode: Literal["all", "any", "filter", "none"] = "none"
    exact: bool = True  # False: `total` is a lower bound (any-word matches are not counted)
    related: list[str] = field(default_factory=list)  # words asked beside the query's own


class LexicalIndex(Protocol):
    """What every lexical engine offers."""

    def index(self, store: Store, paper_ids: Sequence[int]) -> None:
        """Bring these papers' entries up to date (insert, change or remove)."""

    def search(
        self,
        query: ParsedQuery,
        *,
        limit: int,
        offset: int = 0,
        filters: Filters | None = None,
        sort: Sort = "relevance",
        rank: Rank = "all-first",
    ) -> LexicalResult:
        """Rank papers for `query`; all words must match, else any word ranks (see `Rank`)."""

    def filter_ids(self, ids: Sequence[int], query: ParsedQuery, filters: Filters) -> set[int]:
        """Those of `ids` that pass the query's operators and the filters (for semantic hits)."""

    def score_ids(
        self, ids: Sequence[int], query: ParsedQuery, filters: Filters
    ) -> dict[int, float]:
        """The score the hybrid's keyword ranking (rank "any") gives those of `ids` it matches
        (for the semantic half's papers that it did not rank itself)."""

    def ensure_current(self, store: Store, latest: int | None = None) -> None:
        """Catch up with the database if the index lags behind it (`latest`: the database's
        latest change number, when the caller has just read it)."""

    def sync(self, store: Store) -> int:
        """Catch up with papers changed since the index was last current; returns how many."""

    def catch_up(
        self, store: Store, result: UpsertResult | None = None, *, final: bool = False
    ) -> int:
        """Apply every change numbered above the one the index has applied; returns how many."""

    def applied_seq(self) -> int:
        """The change sequence number the index has applied (committed)."""

    def rebuild(self, store: Store, *, progress: bool = False) -> int:
        """Build the index again from the database; returns how many papers it holds."""


@dataclass(slots=True)
class IndexDoc:
    """The searchable view of one paper, read back from the database."""

    id: int
    arxiv_id: str
    title: str
    abstract: str
    authors: list[str]
    categories: list[str]
    day: date | None
    has_code: bool
    withdrawn: bool
    hidden: bool
    votes: int
    change_seq: int  # the paper's change sequence number (store/changes.py)


def _doc_columns():  # noqa: ANN202
    return (
        Paper.id,
        Paper.arxiv_id,
        Paper.title,
        Paper.abstract,
        Paper.authors,
        Paper.categories,
        Paper.published_at,
        Paper.code_url,
        Paper.withdrawn,
        Paper.hidden,
        Paper.imported_upvotes,
        Paper.change_seq,
        DailyListing.date,
    )


def _to_doc(row) -> IndexDoc:  # noqa: ANN001
    # The listing date is the date people saw the paper; else its first submission date.
    day = row.date or (row.published_at.date() if row.published_at else None)
    return IndexDoc(
        id=row.id,
        arxiv_id=row.arxiv_id,
        title=row.title or "",
        abstract=row.abstract or "",
        authors=list(row.authors or []),
        categories=list(row.categories or []),
        day=day,
        has_code=bool(row.code_url),
        withdrawn=bool(row.withdrawn),
        hidden=bool(row.hidden),
        votes=row.imported_upvotes or 0,
        change_seq=row.change_seq,
    )


def read_docs(session: Session, paper_ids: Iterable[int], chunk: int = 5000) -> list[IndexDoc]:
    """The papers with these ids as index documents (ids that no longer exist are absent)."""
    ids = list(paper_ids)
    docs: list[IndexDoc] = []
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        statement = (
            select(*_doc_columns())
            .outerjoin(DailyListing, DailyListing.paper_id == Paper.id)
            .where(Paper.id.in_(part))
        )
        docs.extend(_to_doc(row) for row in session.execute(statement))
    return docs


def iter_docs(
    session: Session, *, modified_since: datetime | None = None, batch: int = 5000
) -> Iterator[list[IndexDoc]]:
    """Every paper (or those modified at or after `modified_since`) in batches, by id."""
    last_id = 0
    while True:
        statement = (
            select(*_doc_columns())
            .outerjoin(DailyListing, DailyListing.paper_id == Paper.id)
            .where(Paper.id > last_id)
            .order_by(Paper.id)
            .limit(batch)
        )
        if modified_since is not None:
            statement = statement.where(Paper.modified_at >= modified_since)
        rows = [_to_doc(row) for row in session.execute(statement)]
        if not rows:
            return
        yield rows
        last_id = rows[-1].id
