"""Reading arXiv API (Atom) responses: entries as PaperRecords, error entries as exceptions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

from dailypapers.arxiv_ids import parse_arxiv_id
from dailypapers.errors import BadArxivId, MalformedRecord, RemoteSourceError
from dailypapers.ingest.normalize import clean_text, looks_withdrawn, prose
from dailypapers.ingest.remote import parse_xml
from dailypapers.store.records import PaperRecord, VersionRecord
from dailypapers.timeutil import parse_datetime

NS = {
    "a": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
    "os": "http://a9.com/-/spec/opensearch/1.1/",
}
SOURCE = "arxiv-api"
_ERROR_ID = "/api/errors"
# Old-style ids may carry a subject class (math.GT/0309136); arXiv answers with math/0309136.
SUBJECT_CLASS = re.compile(r"^([a-z-]+)\.[A-Za-z]{2}/")


@dataclass(slots=True)
class FeedPage:
    """One parsed API response."""

    records: list[PaperRecord]
    total: int
    start: int
    entries: int  # <entry> elements, parsed or not: what paging advances by
    problems: list[str] = field(default_factory=list)


def _text(element: etree._Element, path: str) -> str | None:
    found = element.find(path, NS)
    return clean_text(found.text) if found is not None and found.text else None


def _moment(element: etree._Element, path: str) -> datetime | None:
    text = _text(element, path)
    return parse_datetime(text) if text else None


def parse_entry(entry: etree._Element) -> PaperRecord:
    """One Atom `<entry>` as a PaperRecord; raises MalformedRecord when it cannot be one."""
    url = _text(entry, "a:id") or ""
    try:
        arxiv_id, version = parse_arxiv_id(url)
    except BadArxivId:
        raise MalformedRecord(f"entry with an unrecognised id {url[:80]!r}") from None
    arxiv_id = SUBJECT_CLASS.sub(r"\1/", arxiv_id)
    title = prose(_text(entry, "a:title"))
    try:
        published = _moment(entry, "a:published")
        updated = _moment(entry, "a:updated")
    except ValueError as exc:
        raise MalformedRecord(f"{arxiv_id}: {exc}") from None
    if not title or published is None:
        raise MalformedRecord(f"{arxiv_id}: entry without a title or a published date")
    primary = entry.find("arxiv:primary_category", NS)
    categories: list[str] = []
    if primary is not None and primary.get("term"):
        categories.append(primary.get("term", ""))
    for category in entry.iterfind("a:category", NS):
        term = category.get("term")
        if term and term not in categories:
            categories.append(term)
    authors = [n for n in (_text(a, "a:name") for a in entry.iterfind("a:author", NS)) if n]
    abstract = prose(_text(entry, "a:summary"))
    comments = _text(entry, "arxiv:comment")
    withdrawn = looks_withdrawn(comments, abstract)
    versions = [VersionRecord(version=1, submitted_at=published)]
    if version and version > 1:
        versions.append(VersionRecord(version=version, submitted_at=updated))
    return PaperRecord(
        arxiv_id=arxiv_id,
        title=title,
        abstract=abstract,
        authors=authors,
        categories=categories,
        published_at=published,
        updated_at=updated or published,
        version=version,
        versions=versions,
        doi=_text(entry, "arxiv:doi"),
        journal_ref=_text(entry, "arxiv:journal_ref"),
        comments=comments,
        withdrawn=withdrawn,
        withdrawn_at=(updated or published) if withdrawn else None,
        source=SOURCE,
    )


def api_error(root: etree._Element) -> Exception | None:
    """The error an arXiv error entry (`<id>…/api/errors#…</id>`) describes, if there is one."""
    for entry in root.iterfind("a:entry", NS):
        if _ERROR_ID in (_text(entry, "a:id") or ""):
            message = _text(entry, "a:summary") or _text(entry, "a:title") or "unknown error"
            if "id format" in message.lower():
                return BadArxivId(f"arXiv API: {message}")
            return RemoteSourceError(f"arXiv API error: {message}")
    return None


def parse_feed(content: bytes) -> FeedPage:
    """A whole API response; an arXiv error entry raises (BadArxivId or RemoteSourceError)."""
    root = parse_xml(content, what="the arXiv API")
    if root.tag != f"{{{NS['a']}}}feed":
        raise RemoteSourceError(f"the arXiv API answered with <{etree.QName(root).localname}>")
    error = api_error(root)
    if error is not None:
        raise error
    entries = root.findall("a:entry", NS)
    total_text = _text(root, "os:totalResults")
    start_text = _text(root, "os:startIndex")
    page = FeedPage(
        records=[],
        total=int(total_text) if total_text and total_text.isdigit() else len(entries),
        start=int(start_text) if start_text and start_text.isdigit() else 0,
        entries=len(entries),
    )
    for entry in entries:
        try:
            page.records.append(parse_entry(entry))
        except MalformedRecord as exc:
            page.problems.append(f"skipped entry: {exc}")
    return page
