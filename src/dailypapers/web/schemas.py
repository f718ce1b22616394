"""Shapes of the JSON API for the OpenAPI document (Hugging Face's daily-papers shapes).

Answers are built as plain dicts by `feed/api.py`; these models describe them at /docs without
re-validating every item on the way out.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class HfUser(BaseModel):
    name: str = Field(description="HF username")
    user: str = Field(description="HF username again (the key HF's client reads)")
    fullname: str | None = None
    avatarUrl: str | None = None
    type: str | None = None


class Author(BaseModel):
    name: str
    hidden: bool = False
    model_config = {"populate_by_name": True}
    id_: str | None = Field(None, alias="_id", description="HF's author id")
    status: str | None = None
    user: HfUser | None = Field(None, description="the HF account that claimed this authorship")


class Submitter(HfUser):
    pass


class Organization(BaseModel):
    name: str
    fullname: str | None
    avatar: str | None


class Paper(BaseModel):
    id: str = Field(description="arXiv id without version", examples=["2405.15738"])
    title: str
    summary: str | None = Field(description="the abstract")
    authors: list[Author]
    publishedAt: str | None = Field(description="first arXiv submission (ISO 8601, UTC)")
    updatedAt: str | None
    version: int | None
    categories: list[str]
    upvotes: int = Field(description="imported count + votes cast on this site")
    numComments: int = Field(description="comments on HF when captured + comments here")
    githubRepo: str | None
    githubStars: int | None = Field(description="stars when last captured (countsCapturedAt)")
    projectPage: str | None
    submittedOnDailyAt: str | None
    discussionId: str | None
    ai_summary: str | None = Field(description="HF's AI-written summary")
    ai_summary_model: str | None
    ai_keywords: list[str] | None
    mediaUrls: list[str] | None
    organization: Organization | None
    arxivUrl: str | None
    pdfUrl: str | None
    withdrawn: bool


class DailyPaper(BaseModel):
    paper: Paper
    publishedAt: str | None = Field(description="when the paper was featured (ISO 8601, UTC)")
    date: str | None = Field(description="the day it was featured on, YYYY-MM-DD")
    title: str
    summary: str | None
    thumbnail: str | None
    mediaUrls: list[str] | None
    numComments: int
    submittedBy: Submitter | None
    organization: Organization | None


class SearchInfo(BaseModel):
    score: float = Field(description="the fused relevance score (higher is better)")
    why: list[str] = Field(
        description='matched words, "related …" (a word asked beside the query\'s own), '
        '"author …", "cat:…", "arXiv id", "semantic"'
    )


class SearchResult(DailyPaper):
    search: SearchInfo


class Version(BaseModel):
    version: int
    submittedAt: str | None


class PaperDetail(Paper):
    doi: str | None
    journalRef: str | None
    arxivComments: str | None = Field(description="the authors' arXiv comments (pages, venue…)")
    thumbnail: str | None
    license: str | None
    withdrawnAt: str | None
    featuredOn: str | None
    submittedBy: Submitter | None
    versions: list[Version]


class Error(BaseModel):
    error: str = Field(description="what was wrong, in words")
    status: int
