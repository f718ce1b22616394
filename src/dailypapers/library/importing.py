"""Import a reference file into a collection: known papers are added, the rest listed."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dailypapers.library.collections import add_paper
from dailypapers.library.parse_refs import Reference, parse_references
from dailypapers.store.models import LibraryCollection, Paper, User

MAX_BYTES = 5 * 1024 * 1024


@dataclass(slots=True)
class ImportResult:
    format: str
    added: list[str] = field(default_factory=list)  # arXiv ids added
    already: list[str] = field(default_factory=list)  # were in the collection before
    unknown: list[Reference] = field(default_factory=list)  # no paper here with that id or DOI


def decode(data: bytes) -> str:
    """The upload as text: UTF-8 (with or without BOM), else Latin-1 (old BibTeX files)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def match_papers(session: Session, refs: list[Reference]) -> dict[int, Paper]:
    """Reference index -> our paper, by arXiv id first, then DOI (hidden papers never)."""
    ids = {r.arxiv_id for r in refs if r.arxiv_id}
    dois = {r.doi for r in refs if r.doi}
    by_id, by_doi = {}, {}
    if ids:
        for paper in session.scalars(select(Paper).where(Paper.arxiv_id.in_(ids))):
            by_id[paper.arxiv_id] = paper
    if dois:
        query = select(Paper).where(func.lower(Paper.doi).in_(dois))
        for paper in session.scalars(query):
            by_doi[paper.doi.lower()] = paper
    found = {}
    for index, ref in enumerate(refs):
        paper = by_id.get(ref.arxiv_id) or by_doi.get(ref.doi)
        if paper is not None and not paper.hidden:
            found[index] = paper
    return found


def import_references(
    session: Session, collection: LibraryCollection, user: User, text: str
) -> ImportResult:
    """Add every known paper of the file to the collection, in the file's order."""
    fmt, refs = parse_references(text)
    result = ImportResult(fmt)
    found = match_papers(session, refs)
    for index, ref in enumerate(refs):
        paper = found.get(index)
        if paper is None:
            result.unknown.append(ref)
        elif add_paper(session, collection, user, paper):
            result.added.append(paper.arxiv_id)
        else:
            result.already.append(paper.arxiv_id)
    return result
