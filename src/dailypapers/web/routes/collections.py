"""Pages and feeds of one organization, submitter, author or keyword; a paper as Markdown."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from dailypapers.feed.cards import load_cards
from dailypapers.feed.collections import Kind, collection
from dailypapers.feed.paper_markdown import paper_markdown
from dailypapers.feed.papers import paper_detail
from dailypapers.web.deps import OptionalUser, SessionDep
from dailypapers.web.feeds import render_feed
from dailypapers.web.json_feed import json_feed
from dailypapers.web.templating import render
from dailypapers.web.urls import absolute_url, site_root

router = APIRouter(include_in_schema=False)

PER_PAGE = 30
FEED_SIZE = 50
PageNo = Annotated[int, Query(ge=0, le=10_000, description="0-based page")]
Sort = Annotated[Literal["newest", "upvotes"], Query()]
PLURAL: dict[str, Kind] = {
    "organizations": "organization",
    "submitters": "submitter",
    "authors": "author",
    "keywords": "keyword",
}
FeedKind = Literal["rss", "atom", "json"]


def _page(request: Request, session: SessionDep, user, kind: Kind, name: str, sort: str, p: int):  # noqa: ANN001, ANN202
    found = collection(session, kind, name, sort=sort, limit=PER_PAGE, offset=p * PER_PAGE)
    cards = load_cards(session, found.ids.paper_ids, user_id=getattr(user, "id", None))
    plural = next(k for k, v in PLURAL.items() if v == kind)
    context = {
        "found": found,
        "cards": cards,
        "page": p,
        "pages": max(1, -(-found.ids.total // PER_PAGE)),
        "base": f"/{plural}/{quote(found.key, safe='')}",
        "feed_base": f"/feeds/{plural}/{quote(found.key, safe='')}",
    }
    return render(request, "collection.html", context)


@router.get("/organizations/{name}")
def organization_page(
    request: Request, session: SessionDep, user: OptionalUser, name: str, sort: Sort = "newest",
    p: PageNo = 0,
) -> Response:  # fmt: skip
    return _page(request, session, user, "organization", name, sort, p)


@router.get("/submitters/{name}")
def submitter_page(
    request: Request, session: SessionDep, user: OptionalUser, name: str, sort: Sort = "newest",
    p: PageNo = 0,
) -> Response:  # fmt: skip
    return _page(request, session, user, "submitter", name, sort, p)


@router.get("/authors/{name:path}")
def author_page(
    request: Request, session: SessionDep, user: OptionalUser, name: str, sort: Sort = "newest",
    p: PageNo = 0,
) -> Response:  # fmt: skip
    return _page(request, session, user, "author", name, sort, p)


@router.get("/keywords/{keyword:path}")
def keyword_page(
    request: Request, session: SessionDep, user: OptionalUser, keyword: str,
    sort: Sort = "newest", p: PageNo = 0,
) -> Response:  # fmt: skip
    return _page(request, session, user, "keyword", keyword, sort, p)


@router.get("/feeds/{plural}/{name:path}.{kind}")
def collection_feed(
    request: Request,
    session: SessionDep,
    plural: Literal["organizations", "submitters", "authors", "keywords"],
    name: str,
    kind: FeedKind,
    sort: Sort = "newest",
) -> Response:
    """The newest (or most upvoted) papers of a collection as RSS, Atom or JSON Feed 1.1."""
    found = collection(session, PLURAL[plural], name, sort=sort, limit=FEED_SIZE)
    cards = load_cards(session, found.ids.paper_ids)
    site = site_root(request)
    title = f"Daily Papers: {found.title} ({found.kind})"
    home = f"{site}/{plural}/{quote(found.key, safe='')}"
    page = home.removeprefix(site)
    if kind == "json":
        return json_feed(cards, title=title, link=absolute_url(request), home=home, site=site)
    return render_feed(cards, kind, title=title, link=absolute_url(request), site=site, page=page)


@router.get("/papers/{arxiv_id:path}.md")
def paper_as_markdown(request: Request, session: SessionDep, arxiv_id: str) -> Response:
    detail = paper_detail(session, arxiv_id)
    text = paper_markdown(detail, site=site_root(request))
    return Response(text, media_type="text/markdown; charset=utf-8")
