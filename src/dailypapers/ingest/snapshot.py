"""The arXiv metadata snapshot (Kaggle `arxiv-metadata-oai-snapshot.json`): one JSON object a line.

Fields: id, submitter, authors (raw string), authors_parsed ([last, first, suffix]), title,
comments, journal-ref, doi, report-no, categories (space-separated, primary first), license,
abstract, versions ([{version: "v1", created: RFC 2822}]), update_date.
"""

from __future__ import annotations

from typing import Any

from dailypapers.arxiv_ids import parse_arxiv_id
from dailypapers.errors import MalformedRecord
from dailypapers.ingest.normalize import (
    author_name,
    clean_text,
    looks_withdrawn,
    parse_rfc2822,
    prose,
    split_authors,
)
from dailypapers.store.records import PaperRecord, VersionRecord

SOURCE = "arxiv"


def snapshot_record(item: Any) -> PaperRecord:
    """One snapshot object as a PaperRecord; raises MalformedRecord when it cannot be one."""
    if not isinstance(item, dict):
        raise MalformedRecord("not a JSON object")
    raw_id = item.get("id")
    if not isinstance(raw_id, str) or not raw_id:
        raise MalformedRecord("no arXiv id")
    arxiv_id, _ = parse_arxiv_id(raw_id)
    title = prose(item.get("title"))
    if title is None:
        raise MalformedRecord(f"{arxiv_id}: no title")
    versions = _versions(item.get("versions"), arxiv_id)
    abstract = prose(item.get("abstract"))
    comments = clean_text(item.get("comments"))
    withdrawn = looks_withdrawn(comments, abstract)
    latest = versions[-1] if versions else None
    categories = (item.get("categories") or "").split()
    return PaperRecord(
        arxiv_id=arxiv_id,
        title=title,
        abstract=abstract,
        authors=_authors(item) or None,
        categories=categories or None,
        published_at=versions[0].submitted_at if versions else None,
        updated_at=latest.submitted_at if latest else None,
        version=latest.version if latest else None,
        versions=versions,
        doi=clean_text(item.get("doi")),
        journal_ref=clean_text(item.get("journal-ref")),
        comments=comments,
        license=clean_text(item.get("license")),
        # The withdrawal is itself a new version: its date is when the paper was withdrawn.
        withdrawn=withdrawn,
        withdrawn_at=latest.submitted_at if withdrawn and latest else None,
        source=SOURCE,
    )


def _authors(item: dict[str, Any]) -> list[str]:
    parsed = item.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = [author_name(p) for p in parsed if isinstance(p, list | tuple)]
        if all(names):
            return names  # type: ignore[return-value]
    raw = item.get("authors")
    return split_authors(raw) if isinstance(raw, str) else []


def _versions(raw: Any, arxiv_id: str) -> list[VersionRecord]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise MalformedRecord(f"{arxiv_id}: versions is not a list")
    versions: list[VersionRecord] = []
    for entry in raw:
        try:
            number = int(str(entry["version"]).lstrip("vV"))
            created = entry.get("created")
            versions.append(VersionRecord(number, parse_rfc2822(created) if created else None))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise MalformedRecord(f"{arxiv_id}: bad version entry {entry!r}") from exc
    versions.sort(key=lambda v: v.version)
    return versions
