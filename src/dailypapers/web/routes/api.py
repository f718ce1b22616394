"""The JSON API, in Hugging Face's shapes; documented at /docs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Path, Query, Request, Response

from dailypapers.feed.api import daily_papers, paper_info, requested_period
from dailypapers.web import schemas
from dailypapers.web.deps import SessionDep
from dailypapers.web.openapi_docs import DAY, MONTH, PAPER_ID, WEEK

router = APIRouter(prefix="/api", tags=["papers"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": schemas.Error, "description": "Malformed date, week or month"},
    404: {"model": schemas.Error, "description": "Unknown paper"},
    422: {"model": schemas.Error, "description": "A parameter out of range"},
}
LIST = {200: {"model": list[schemas.DailyPaper]}, **ERRORS}
ONE = {200: {"model": schemas.PaperDetail}, **ERRORS}


@router.get(
    "/daily_papers",
    responses=LIST,
    response_model=None,
    summary="Featured papers of a day, week or month",
)
def api_daily_papers(
    request: Request,
    session: SessionDep,
    date: Annotated[
        str | None, Query(description="A day, YYYY-MM-DD", max_length=40, examples=[DAY])
    ] = None,
    week: Annotated[
        str | None, Query(description="An ISO week, YYYY-Www", max_length=40, examples=[WEEK])
    ] = None,
    month: Annotated[
        str | None, Query(description="A month, YYYY-MM", max_length=40, examples=[MONTH])
    ] = None,
    submitter: Annotated[
        str | None, Query(description="Only papers this HF user submitted", max_length=120)
    ] = None,
    p: Annotated[int, Query(ge=0, le=100_000, description="Page, 0-based")] = 0,
    limit: Annotated[int, Query(ge=1, le=100, description="Items per page, 1-100")] = 50,
    sort: Annotated[
        Literal["publishedAt", "trending", "upvotes"],
        Query(description="publishedAt (newest first), trending, or upvotes"),
    ] = "publishedAt",
) -> Response:
    """Featured papers in HF's shape, each `{paper: {id, title, summary, authors[{_id, name,
    hidden, user?}], publishedAt, submittedOnDailyAt, upvotes, discussionId, githubRepo,
    githubStars, projectPage, ai_summary, ai_keywords, mediaUrls, organization, …}, publishedAt,
    title, summary, thumbnail, mediaUrls, numComments, submittedBy, organization}`. Without
    date/week/month: every featured paper, newest day first."""
    period = requested_period(date, week, month)
    # Encoded once (orjson) and kept with the anonymous listings for a few seconds.
    body = request.app.state.listings.get_or_build(
        ("api", period, p, limit, sort, submitter),
        lambda: orjson.dumps(
            daily_papers(
                session,
                period=period,
                page=p,
                limit=limit,
                sort=sort,
                trending_cache=request.app.state.trending,
                submitter=submitter,
            )
        ),
    )
    return Response(body, media_type="application/json")


@router.get("/papers/{arxiv_id:path}", responses=ONE, response_model=None, summary="One paper")
def api_paper(
    session: SessionDep,
    arxiv_id: Annotated[
        str, Path(description="arXiv id, e.g. 2405.15738", max_length=200, examples=[PAPER_ID])
    ],
) -> Response:
    """A paper's metadata, shown upvote count (imported + cast here) and comment count."""
    return Response(orjson.dumps(paper_info(session, arxiv_id)), media_type="application/json")
