"""Parsing arXiv OAI-PMH `ListRecords` responses (`metadataPrefix=arXiv`) into PaperRecords.

arXiv's OAI metadata carries dates only (created = v1, updated = latest version); they are read
as UTC midnight (the harvester, oai_pmh.py, keeps a more precise time already stored).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from lxml import etree

from dailypapers.arxiv_ids import parse_arxiv_id
from dailypapers.errors import BadArxivId, MalformedRecord, OaiPmhError, RemoteSourceError
from dailypapers.ingest.normalize import author_name, clean_text, looks_withdrawn, prose
from dailypapers.ingest.remote import parse_xml
from dailypapers.store.records import PaperRecord, VersionRecord
from dailypapers.timeutil import parse_datetime, utcnow

NS = {"o": "http://www.openarchives.org/OAI/2.0/", "x": "http://arxiv.org/OAI/arXiv/"}
SOURCE = "arxiv-oai"


@dataclass(slots=True)
class OaiPage:
    """One parsed ListRecords response."""

    response_date: datetime
    records: list[PaperRecord] = field(default_factory=list)
    deleted: list[PaperRecord] = field(default_factory=list)  # header status="deleted"
    token: str | None = None  # None: this was the last page
    complete_size: int | None = None
    cursor: int | None = None
    count: int = 0  # <record> elements, parsed or not
    problems: list[str] = field(default_factory=list)


def _day(text: str | None) -> datetime | None:
    """An OAI date (YYYY-MM-DD) as UTC midnight."""
    if not text:
        return None
    try:
        return datetime.combine(date.fromisoformat(text.strip()[:10]), datetime.min.time(), UTC)
    except ValueError:
        raise MalformedRecord(f"not a date: {text.strip()[:40]!r}") from None


def _text(element: etree._Element, path: str) -> str | None:
    found = element.find(path, NS)
    return clean_text(found.text) if found is not None and found.text else None


def _oai_id(identifier: str | None) -> str:
    """`oai:arXiv.org:1412.8323` -> `1412.8323` (old-style ids keep their slash)."""
    text = (identifier or "").strip()
    raw = text.split(":", 2)[2] if text.startswith("oai:") and text.count(":") >= 2 else text
    try:
        return parse_arxiv_id(raw)[0]
    except BadArxivId:
        raise MalformedRecord(f"record with an unrecognised identifier {text!r}") from None


def parse_metadata(meta: etree._Element) -> PaperRecord:
    """An `<arXiv>` metadata element as a PaperRecord."""
    raw_id = _text(meta, "x:id")
    try:
        arxiv_id = parse_arxiv_id(raw_id or "")[0]
    except BadArxivId:
        raise MalformedRecord(f"metadata with an unrecognised id {raw_id!r}") from None
    try:
        created = _day(_text(meta, "x:created"))
        updated = _day(_text(meta, "x:updated"))
    except MalformedRecord as exc:
        raise MalformedRecord(f"{arxiv_id}: {exc}") from None
    title = prose(_text(meta, "x:title"))
    if not title or created is None:
        raise MalformedRecord(f"{arxiv_id}: no title or no created date")
    authors = []
    for author in meta.iterfind("x:authors/x:author", NS):
        parts = [_text(author, f"x:{p}") or "" for p in ("keyname", "forenames", "suffix")]
        name = author_name(parts)
        if name:
            authors.append(name)
    categories = list(dict.fromkeys((_text(meta, "x:categories") or "").split()))
    abstract = prose(_text(meta, "x:abstract"))
    comments = _text(meta, "x:comments")
    withdrawn = looks_withdrawn(comments, abstract)
    # No `updated` means only v1 exists; otherwise the version number is not stated.
    only_v1 = updated is None
    return PaperRecord(
        arxiv_id=arxiv_id,
        title=title,
        abstract=abstract,
        authors=authors,
        categories=categories,
        published_at=created,
        updated_at=updated or created,
        version=1 if only_v1 else None,
        versions=[VersionRecord(version=1, submitted_at=created)] if only_v1 else [],
        doi=_text(meta, "x:doi"),
        journal_ref=_text(meta, "x:journal-ref"),
        comments=comments,
        license=_text(meta, "x:license"),
        withdrawn=withdrawn,
        withdrawn_at=(updated or created) if withdrawn else None,
        source=SOURCE,
    )


def parse_list_records(content: bytes) -> OaiPage:
    """A ListRecords response; `noRecordsMatch` is an empty last page, other errors raise."""
    root = parse_xml(content, what="the OAI-PMH endpoint")
    if root.tag != f"{{{NS['o']}}}OAI-PMH":
        raise RemoteSourceError(
            f"the OAI-PMH endpoint answered with <{etree.QName(root).localname}>"
        )
    try:
        response_date = parse_datetime(_text(root, "o:responseDate") or "")
    except ValueError:
        response_date = utcnow()
    page = OaiPage(response_date=response_date)
    error = root.find("o:error", NS)
    if error is not None:
        code = error.get("code", "unknown")
        if code == "noRecordsMatch":
            return page
        raise OaiPmhError(code, clean_text(error.text) or "")
    for record in root.iterfind("o:ListRecords/o:record", NS):
        page.count += 1
        header = record.find("o:header", NS)
        identifier = _text(header, "o:identifier") if header is not None else None
        try:
            if header is not None and header.get("status") == "deleted":
                when = _day(_text(header, "o:datestamp"))
                page.deleted.append(
                    PaperRecord(arxiv_id=_oai_id(identifier), withdrawn=True, withdrawn_at=when)
                )
                continue
            meta = record.find("o:metadata/x:arXiv", NS)
            if meta is None:
                raise MalformedRecord("no arXiv metadata")
            page.records.append(parse_metadata(meta))
        except MalformedRecord as exc:
            page.problems.append(f"skipped record {identifier or '(no identifier)'}: {exc}")
    token = root.find("o:ListRecords/o:resumptionToken", NS)
    if token is not None:
        page.token = (token.text or "").strip() or None
        size, cursor = token.get("completeListSize"), token.get("cursor")
        page.complete_size = int(size) if size and size.isdigit() else None
        page.cursor = int(cursor) if cursor and cursor.isdigit() else None
    return page
