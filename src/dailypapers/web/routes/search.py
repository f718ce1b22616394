"""Search pages and endpoints: /search, /api/papers/search, search feeds, similar papers."""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from dailypapers.errors import BadQuery, NotFound
from dailypapers.feed.api import daily_item
from dailypapers.feed.cards import PaperCard, load_cards
from dailypapers.feed.papers import normalise_id
from dailypapers.search import present
from dailypapers.search.query import MAX_QUERY_CHARS
from dailypapers.search.service import MAX_LIMIT, MAX_OFFSET, SearchPage, search_papers
from dailypapers.store.db import Store
from dailypapers.store.models import Paper
from dailypapers.web import schemas
from dailypapers.web.deps import OptionalUser, SessionDep, StoreDep
from dailypapers.web.feeds import render_feed
from dailypapers.web.openapi_docs import DAY, FEED, JSON_ERROR, PAGE, PAPER_ID, QUERY
from dailypapers.web.templating import env, render
from dailypapers.web.urls import absolute_url, site_root

router = APIRouter(tags=["search"])
env.filters.update(highlight=present.highlight, snippet=present.snippet)

PER_PAGE = 20
SIMILAR = 6
SortParam = Literal["relevance", "date", "votes"]
ModeParam = Literal["hybrid", "lexical", "semantic"]
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "A query that cannot be understood", **JSON_ERROR},
    404: {"description": "Unknown paper", **JSON_ERROR},
    422: {"description": "A parameter missing or out of range", **JSON_ERROR},
}
Q = Annotated[
    str,
    Query(max_length=MAX_QUERY_CHARS, description="The query (≤ 250 characters)", examples=[QUERY]),
]
Day = Annotated[date | None, Query(description="YYYY-MM-DD", examples=[DAY])]


class PageCards:
    """The cards of a search page, read once: search's explanation reads its rows from them
    (`search_papers(rows=...)`), then the page shows them."""

    def __init__(self, session: Session, user_id: int | None = None) -> None:
        self.session = session
        self.user_id = user_id
        self.by_id: dict[int, PaperCard] = {}

    def __call__(self, paper_ids: list[int]) -> dict[int, PaperCard]:
        cards = load_cards(self.session, paper_ids, user_id=self.user_id)
        self.by_id = {card.id: card for card in cards}
        return self.by_id

    def of(self, page: SearchPage) -> list[PaperCard]:
        """The hits' cards in rank order, each with its score."""
        cards = []
        for hit in page.hits:
            card = self.by_id.get(hit.paper_id)
            if card is not None:
                card.score = hit.score
                cards.append(card)
        return cards


def _hits_json(page: SearchPage, cards: PageCards) -> list[dict[str, Any]]:
    items = []
    for hit in page.hits:
        card = cards.by_id.get(hit.paper_id)
        if card is not None:
            item = daily_item(card)
            item["search"] = {"score": round(hit.score, 6), "why": hit.why}
            items.append(item)
    return items


@router.get(
    "/api/papers/search",
    responses={200: {"model": list[schemas.SearchResult]}, **ERRORS},
    response_model=None,
    summary="Search papers (hybrid)",
)
def api_search(
    store: StoreDep,
    session: SessionDep,
    q: Annotated[
        str,
        Query(min_length=1, max_length=MAX_QUERY_CHARS, description="The query", examples=[QUERY]),
    ],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Results, 1-120")] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Results to skip")] = 0,
    sort: SortParam = "relevance",
    mode: ModeParam = "hybrid",
    since: Day = None,
    until: Day = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
    has_code: bool | None = None,
) -> Response:
    """Papers matching `q` (words, "phrases", -exclude, author:, cat:, since:, until:, an
    arXiv id), best first, as `/api/daily_papers` items plus `search: {score, why}`."""
    cards = PageCards(session)
    page = search_papers(
        store,
        q,
        limit=limit,
        offset=offset,
        sort=sort,
        mode=mode,
        since=since,
        until=until,
        category=category,
        has_code=has_code,
        rows=cards,
    )
    # orjson, as /api/daily_papers: FastAPI's validation and encoding of the return value cost
    # 1.2 ms for a page of 20 here.
    return Response(orjson.dumps(_hits_json(page, cards)), media_type="application/json")


def _paper_id(session: Session, arxiv_id: str) -> int:
    paper_id = (
        session.query(Paper.id)
        .filter(Paper.arxiv_id == normalise_id(arxiv_id), Paper.hidden.is_(False))
        .scalar()
    )
    if paper_id is None:
        raise NotFound(f"no paper {arxiv_id}")
    return paper_id


@router.get("/api/papers/{arxiv_id:path}/similar", responses=ERRORS, summary="Similar papers")
def api_similar(
    store: StoreDep,
    session: SessionDep,
    arxiv_id: Annotated[
        str, Path(max_length=200, description="arXiv id, e.g. 2405.15738", examples=[PAPER_ID])
    ],
    limit: Annotated[int, Query(ge=1, le=50, description="Papers, 1-50")] = 10,
) -> list[dict[str, Any]]:
    """The papers nearest in meaning to this one, with `similarity` (cosine)."""
    from dailypapers.search.similar import similar_papers

    found = similar_papers(store, _paper_id(session, arxiv_id), k=limit)
    cards = {c.id: c for c in load_cards(session, [pid for pid, _ in found])}
    items = []
    for pid, score in found:
        if pid in cards:
            item = daily_item(cards[pid])
            item["similarity"] = round(score, 6)
            items.append(item)
    return items


@router.get("/search", response_class=HTMLResponse, responses=PAGE, tags=["pages"])
def search_page(
    request: Request,
    store: StoreDep,
    session: SessionDep,
    user: OptionalUser,
    q: Q = "",
    p: Annotated[int, Query(ge=0, le=MAX_OFFSET // PER_PAGE)] = 0,
    sort: SortParam = "relevance",
    mode: ModeParam = "hybrid",
    since: Annotated[str, Query(max_length=10)] = "",
    until: Annotated[str, Query(max_length=10)] = "",
    category: Annotated[str, Query(max_length=40)] = "",
    has_code: Annotated[str, Query(max_length=5)] = "",
) -> Response:
    form = {
        "q": q,
        "sort": sort,
        "mode": mode,
        "since": since,
        "until": until,
        "category": category,
        "has_code": has_code,
    }
    context: dict[str, Any] = {"form": form, "active": "search", "page": None, "cards": []}
    status = 200
    if q.strip() or category.strip() or since or until:
        cards = PageCards(session, user.id if user else None)
        try:
            page = search_papers(
                store,
                q,
                limit=PER_PAGE,
                offset=p * PER_PAGE,
                sort=sort,
                mode=mode,
                since=_day(since, "since"),
                until=_day(until, "until"),
                category=category.strip() or None,
                has_code=True if has_code else None,
                rows=cards,
            )
        except BadQuery as exc:
            context["error"] = str(exc)
            status = 400
        else:
            context["page"] = page
            context["cards"] = cards.of(page)
            context["hits"] = {hit.paper_id: hit for hit in page.hits}
            context["p"] = p
            context["pages"] = min(math.ceil(page.total / PER_PAGE), MAX_OFFSET // PER_PAGE + 1)
    return render(request, "search.html", context, status_code=status)


def _day(value: str, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadQuery(f"{name} wants a date like 2024-05-31, not {value[:20]!r}") from None


@router.get(
    "/feeds/search.{kind}",
    summary="A search as a feed",
    response_class=Response,
    responses=FEED,
    tags=["feeds"],
)
def search_feed(
    request: Request,
    store: StoreDep,
    session: SessionDep,
    kind: Annotated[Literal["rss", "atom"], Path(description="rss (RSS 2.0) or atom")],
    q: Annotated[
        str,
        Query(min_length=1, max_length=MAX_QUERY_CHARS, description="The query", examples=[QUERY]),
    ],
    sort: SortParam = "date",
) -> Response:
    """The newest (or best) 50 papers matching `q`, for a feed reader."""
    cards = PageCards(session)
    page = search_papers(store, q, limit=50, sort=sort, rows=cards)
    return render_feed(
        cards.of(page),
        kind,
        title=f"Daily Papers: search “{q}”",
        link=absolute_url(request),
        site=site_root(request),
        description=f"Papers matching {q}",
    )


def similar_cards(store: Store, paper_id: int, limit: int = SIMILAR) -> list[PaperCard]:
    """Cards of the papers most like this one, for the paper page ([] if unavailable)."""
    from dailypapers.search.similar import similar_papers

    try:
        found = similar_papers(store, paper_id, k=limit)
    except Exception:  # a paper page must render even if the vector index is unavailable
        return []
    with store.session() as session:
        cards = load_cards(session, [pid for pid, _ in found])
    scores = dict(found)
    for card in cards:
        card.score = scores.get(card.id)
    return cards


env.globals.update(similar_cards=similar_cards)
