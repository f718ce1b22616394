"""Lists as files: BibTeX, RIS and CSL-JSON exports (a collection, a day/week/month, search
results, "For you", one paper), a public collection's RSS/Atom/JSON Feed, and importing a
reference file into a collection."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.errors import BadQuery, InvalidInput
from dailypapers.feed.api import requested_period
from dailypapers.feed.cards import load_cards
from dailypapers.feed.papers import get_paper
from dailypapers.feed.queries import listed_ids
from dailypapers.library import collections as lib
from dailypapers.library.export import export
from dailypapers.library.importing import MAX_BYTES, decode, import_references
from dailypapers.rank.recommend import for_you
from dailypapers.search.query import MAX_QUERY_CHARS
from dailypapers.search.service import search_papers
from dailypapers.store.models import Paper
from dailypapers.web.deps import (
    CurrentUser,
    LoginRequired,
    OptionalUser,
    SessionDep,
    StoreDep,
    WriteLimit,
)
from dailypapers.web.feeds import render_feed
from dailypapers.web.json_feed import json_feed
from dailypapers.web.openapi_docs import DAY, FEED, HTML, MONTH, PAPER_ID, WEEK
from dailypapers.web.templating import render
from dailypapers.web.urls import absolute_url, site_root

router = APIRouter(tags=["library"])

FILE = {"schema": {"type": "string"}}
EXPORT: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The papers as BibTeX (.bib), RIS (.ris) or CSL-JSON (csl)",
        "content": {
            "application/x-bibtex": FILE,
            "application/x-research-info-systems": FILE,
            "application/vnd.citationstyles.csl+json": {
                "schema": {"type": "array", "items": {"type": "object"}}
            },
            **HTML,  # the log-in page, where "For you" redirects without a session
        },
    },
    # Files are asked for by browsers: errors are the error page, as for every page.
    303: {"description": "To the log-in page (For you)"},
    400: {"description": "A malformed date, week, month or query", "content": HTML},
    401: {"description": "Log in first (asked for JSON)", "content": HTML},
    404: {"description": "No such paper or collection", "content": HTML},
    422: {"description": "A parameter out of range", "content": HTML},
}
ExportFormat = Annotated[
    Literal["bibtex", "ris", "csl"], Path(description="bibtex, ris or csl (CSL-JSON)")
]
CollectionId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A collection's number")]
Key = Annotated[str, Query(max_length=64, description="The share key of an unlisted collection")]
MAX_EXPORT = 1000


def _file(papers: list[Paper], fmt: str, name: str) -> Response:
    text, found = export(papers, fmt)
    disposition = f'inline; filename="{name}.{found.extension}"'
    return Response(text, media_type=found.media_type, headers={"Content-Disposition": disposition})


def _papers(session: Session, ids: list[int]) -> list[Paper]:
    by_id = {p.id: p for p in session.scalars(select(Paper).where(Paper.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id and not by_id[i].hidden]


@router.get("/papers/{arxiv_id:path}.bib", responses=EXPORT, summary="One paper as BibTeX")
def paper_bib(
    session: SessionDep,
    arxiv_id: Annotated[str, Path(description="arXiv id", examples=[PAPER_ID])],
) -> Response:
    paper = get_paper(session, arxiv_id)
    return _file([paper], "bibtex", paper.arxiv_id.replace("/", "_"))


@router.get("/papers/{arxiv_id:path}.ris", responses=EXPORT, summary="One paper as RIS")
def paper_ris(
    session: SessionDep,
    arxiv_id: Annotated[str, Path(description="arXiv id", examples=[PAPER_ID])],
) -> Response:
    paper = get_paper(session, arxiv_id)
    return _file([paper], "ris", paper.arxiv_id.replace("/", "_"))


@router.get("/library/{collection_id}/export/{fmt}", responses=EXPORT, summary="A collection")
def collection_export(
    session: SessionDep,
    user: OptionalUser,
    collection_id: CollectionId,
    fmt: ExportFormat,
    key: Key = "",
) -> Response:
    found = lib.readable(session, collection_id, user, key)
    papers = [e.paper for e in lib.entries(session, found, viewer=user)]
    return _file(papers, fmt, f"collection-{found.id}")


@router.get("/export/{fmt}", responses=EXPORT, summary="A day, week, month or search")
def list_export(
    store: StoreDep,
    session: SessionDep,
    fmt: ExportFormat,
    date: Annotated[str | None, Query(max_length=40, examples=[DAY])] = None,
    week: Annotated[str | None, Query(max_length=40, examples=[WEEK])] = None,
    month: Annotated[str | None, Query(max_length=40, examples=[MONTH])] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=MAX_QUERY_CHARS)] = None,
) -> Response:
    """The papers of a day, week or month (most upvoted first), or the top search results."""
    if q is not None:
        if any(v is not None for v in (date, week, month)):
            raise InvalidInput("give either q or one of date, week and month")
        try:
            ids = [hit.paper_id for hit in search_papers(store, q, limit=100).hits]
        except BadQuery as exc:  # an unclosed quote, a bad date: a 400 with the reason
            raise InvalidInput(str(exc)) from None
        return _file(_papers(session, ids), fmt, "search")
    period = requested_period(date, week, month)
    if period is None:
        raise InvalidInput("give one of date, week, month or q")
    ids = listed_ids(session, period, limit=MAX_EXPORT).paper_ids
    return _file(_papers(session, ids), fmt, f"papers-{period.key}")


@router.get("/for-you/export/{fmt}", responses=EXPORT, summary="Your picks")
def for_you_export(session: SessionDep, user: OptionalUser, fmt: ExportFormat) -> Response:
    if user is None:  # checked here, so a bad format is a 422 before "log in first"
        raise LoginRequired("log in to export your picks")
    picks, _ = for_you(session, user.id)
    return _file(_papers(session, picks.paper_ids), fmt, "for-you")


COLLECTION_FEED: dict[int | str, dict[str, Any]] = {
    **FEED,
    200: {
        "description": "RSS 2.0 (.rss), Atom (.atom) or JSON Feed 1.1 (.json)",
        "content": {
            **FEED[200]["content"],
            "application/feed+json": {"schema": {"type": "object"}},
        },
    },
}


@router.get("/feeds/library/{collection_id}.{kind}", responses=COLLECTION_FEED, tags=["feeds"])
def collection_feed(
    request: Request,
    session: SessionDep,
    collection_id: CollectionId,
    kind: Literal["rss", "atom", "json"],
    key: Key = "",
) -> Response:
    """A public (or unlisted, with its key) collection as RSS, Atom or JSON Feed 1.1."""
    found = lib.readable(session, collection_id, None, key)
    entries = lib.entries(session, found)
    cards = load_cards(session, [e.paper.id for e in entries])
    site = site_root(request)
    title = f"Daily Papers: {found.title}"
    page = f"/library/{found.id}" + (f"?key={key}" if key else "")
    if kind == "json":
        home = site + page
        return json_feed(cards, title=title, link=absolute_url(request), home=home, site=site)
    return render_feed(
        cards, kind, title=title, link=absolute_url(request), site=site, page=page,
        description=found.description,
    )  # fmt: skip


@router.post(
    "/library/import",
    dependencies=[WriteLimit],
    include_in_schema=False,
    response_class=HTMLResponse,
)
def import_file(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    file: Annotated[UploadFile, File()],
    collection_id: Annotated[str, Form(max_length=12)] = "",
    title: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    """Add the papers of a BibTeX, RIS or CSL-JSON file to a collection (or a new one).

    Known papers (by arXiv id, then DOI) are added in the file's order; the others are listed
    on the answer page; a file we cannot read changes nothing and says which line is wrong."""
    data = file.file.read(MAX_BYTES + 1)  # a sync route: this runs in the thread pool
    try:
        if len(data) > MAX_BYTES:
            raise InvalidInput(f"files up to {MAX_BYTES // (1024 * 1024)} MB")
        text = decode(data)
        chosen = collection_id.strip()
        if chosen:
            if not chosen.isdigit() or not 0 < int(chosen) < 2**31:
                raise InvalidInput("pick one of your collections")
            target = lib.readable(session, int(chosen), user)
        else:
            name = title.strip() or f"Imported from {(file.filename or 'a file')[:120]}"
            target = lib.create_collection(session, user, title=name)
        result = import_references(session, target, user, text)
    except InvalidInput as exc:
        session.rollback()
        context = {"error": str(exc), "filename": file.filename, "active": "library"}
        return render(request, "library_import.html", context, status_code=400)
    session.commit()
    context = {"result": result, "collection": target, "active": "library"}
    return render(request, "library_import.html", context)
