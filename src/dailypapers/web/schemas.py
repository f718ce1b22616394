"""Shapes of the JSON API for the OpenAPI document (Hugging Face's daily-papers shapes).

Answers are built as plain dicts by `feed/api.py`; these models describe them at /docs without
re-validating every item on the way out.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class Author(BaseModel):
    name: str


class Submitter(BaseModel):
    name: str


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
    numComments: int
    githubRepo: str | None
    projectPage: str | None
    arxivUrl: str | None
    pdfUrl: str | None
    withdrawn: bool


class DailyPaper(BaseModel):
    paper: Paper
    publishedAt: str | None = Field(description="when the paper was featured (ISO 8601, UTC)")
    date: str | None = Field(description="the day it was featured on, YYYY-MM-DD")
    title: str
    summary: str | None
    numComments: int
    submittedBy: Submitter | None


class Version(BaseModel):
    version: int
    submittedAt: str | None


class PaperDetail(Paper):
    doi: str | None
    journalRef: str | None
    comments: str | None = Field(description="the authors' arXiv comments (pages, venue, …)")
    license: str | None
    withdrawnAt: str | None
    featuredOn: str | None
    submittedBy: Submitter | None
    versions: list[Version]


class Error(BaseModel):
    error: str = Field(description="what was wrong, in words")
    status: int
