"""Hugging Face daily papers, in two shapes.

(a) The API's own JSON (`/api/daily_papers`): items `{paper: {id, title, summary, authors: [{name}],
    publishedAt, upvotes, githubRepo?, projectPage?, submittedOnDailyAt?}, publishedAt, title,
    summary?, numComments, submittedBy: {fullname, name}}`. A file holds a list of them, one of
    them, or a wrapper such as `{"papers": [...]}`.
(b) Flat JSON lines: `{arxiv_id, title, authors: [str], abstract, published_at, daily_date,
    upvotes, source}` (the shape of shared/data/hf_daily_papers.jsonl).
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from datetime import date
from typing import IO, Any
from zoneinfo import ZoneInfo

import orjson

from dailypapers.arxiv_ids import parse_arxiv_id
from dailypapers.errors import MalformedRecord
from dailypapers.ingest.hf_fields import hf_extras
from dailypapers.ingest.normalize import clean_text, parse_moment, prose
from dailypapers.store.records import ListingRecord, PaperRecord
from dailypapers.timeutil import daily_date

SOURCE = "hf"
WRAPPER_KEYS = ("papers", "dailyPapers", "daily_papers", "items", "data")
# What reading a damaged file can raise (gzip cut short, bad CRC, I/O error).
READ_ERRORS = (EOFError, OSError, zlib.error)


def hf_record(item: Any, zone: ZoneInfo) -> PaperRecord:
    """An API item or a flat record as a PaperRecord with its daily listing."""
    if not isinstance(item, dict):
        raise MalformedRecord("not a JSON object")
    if isinstance(item.get("paper"), dict):
        return _api_record(item, zone)
    if "arxiv_id" in item:
        return _flat_record(item)
    raise MalformedRecord("neither an HF API item (no 'paper') nor a flat record (no 'arxiv_id')")


def _arxiv_id(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise MalformedRecord("no arXiv id")
    return parse_arxiv_id(value)[0]


def _upvotes(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise MalformedRecord(f"bad upvote count {value!r}")
    return int(value)


def _names(authors: Any) -> list[str] | None:
    if not authors:
        return None
    if not isinstance(authors, list):
        raise MalformedRecord("authors is not a list")
    names = [clean_text(a.get("name") if isinstance(a, dict) else a) for a in authors]
    return [n for n in names if n] or None


def _moment(value: Any, what: str):  # noqa: ANN202
    try:
        return parse_moment(value)
    except ValueError as exc:
        raise MalformedRecord(f"bad {what}: {value!r}") from exc


def _api_record(item: dict[str, Any], zone: ZoneInfo) -> PaperRecord:
    paper = item["paper"]
    arxiv_id = _arxiv_id(paper.get("id"))
    # HF's paper.title is what the flat dumps carry; the item title is a fallback.
    title = prose(paper.get("title")) or prose(item.get("title"))
    if title is None:
        raise MalformedRecord(f"{arxiv_id}: no title")
    listed_at = _moment(paper.get("submittedOnDailyAt") or item.get("publishedAt"), "date")
    submitter = item.get("submittedBy") if isinstance(item.get("submittedBy"), dict) else {}
    submitter_name = clean_text(submitter.get("fullname")) or clean_text(submitter.get("name"))
    listing = None
    if listed_at is not None:
        listing = ListingRecord(
            date=daily_date(listed_at, zone),
            source=SOURCE,
            submitter_name=submitter_name,
            listed_at=listed_at,
        )
    return PaperRecord(
        arxiv_id=arxiv_id,
        title=title,
        abstract=prose(paper.get("summary")) or prose(item.get("summary")),
        authors=_names(paper.get("authors")),
        published_at=_moment(paper.get("publishedAt"), "publishedAt"),
        code_url=clean_text(paper.get("githubRepo")),
        project_url=clean_text(paper.get("projectPage")),
        upvotes=_upvotes(paper.get("upvotes")),
        source=SOURCE,
        listing=listing,
        hf=hf_extras(item, paper),
    )


def _flat_record(item: dict[str, Any]) -> PaperRecord:
    arxiv_id = _arxiv_id(item.get("arxiv_id"))
    title = prose(item.get("title"))
    if title is None:  # an id alone is not a paper: it would be listed titled by its id
        raise MalformedRecord(f"{arxiv_id}: no title")
    listing = None
    if item.get("daily_date"):
        try:
            day = date.fromisoformat(str(item["daily_date"])[:10])
        except ValueError as exc:
            raise MalformedRecord(f"{arxiv_id}: bad daily_date {item['daily_date']!r}") from exc
        listing = ListingRecord(date=day, source=SOURCE)
    return PaperRecord(
        arxiv_id=arxiv_id,
        title=title,
        abstract=prose(item.get("abstract")),
        authors=_names(item.get("authors")),
        published_at=_moment(item.get("published_at"), "published_at"),
        code_url=clean_text(item.get("code_url") or item.get("githubRepo")),
        project_url=clean_text(item.get("project_url") or item.get("projectPage")),
        upvotes=_upvotes(item.get("upvotes")),
        source=SOURCE,
        listing=listing,
    )


def iter_json_items(stream: IO[bytes]) -> Iterator[Any]:
    """The items of a JSON document, streamed: a list, a wrapper object, or one item.

    A document up to WHOLE_DOCUMENT bytes (a day file of the API is ~100 KB) is read whole and
    parsed by orjson, ~5x faster than streaming; a bigger one, or one orjson refuses, streams
    through ijson, which yields the items before a damaged spot and then raises there.
    """
    head = _peek(stream)
    data, error, complete = _read_up_to(stream, WHOLE_DOCUMENT)
    if complete:
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError:
            pass  # ijson below finds the items before the damage, and the error
        else:
            yield from _items_of(value, listed=head == b"[")
            return
    yield from _stream_items(_Prefetched(data, None if complete else stream, error), head)


WHOLE_DOCUMENT = 32 * 2**20  # bytes: read whole and parsed at once below this size


def _items_of(value: Any, *, listed: bool) -> Iterator[Any]:
    """What `_stream_items` yields, from a parsed document."""
    if listed and isinstance(value, list):
        yield from value
        return
    if isinstance(value, dict):
        for key in WRAPPER_KEYS:
            if isinstance(value.get(key), list):
                yield from value[key]
                return
    yield value


def _stream_items(stream: IO[bytes], head: bytes) -> Iterator[Any]:
    import ijson

    if head == b"[":
        yield from ijson.items(stream, "item", use_float=True)
        return
    document = ijson.items(stream, "", use_float=True)
    for value in document:
        if isinstance(value, dict):
            for key in WRAPPER_KEYS:
                if isinstance(value.get(key), list):
                    yield from value[key]
                    return
        yield value


def _read_up_to(stream: IO[bytes], limit: int) -> tuple[bytes, BaseException | None, bool]:
    """(bytes read, the read error that stopped it, whether the stream ended) up to `limit`."""
    chunks: list[bytes] = []
    size = 0
    try:
        while size < limit:
            chunk = stream.read(min(2**20, limit - size + 1))
            if not chunk:
                return b"".join(chunks), None, True
            chunks.append(chunk)
            size += len(chunk)
    except READ_ERRORS as exc:  # damaged: the items before it are still wanted (ijson)
        return b"".join(chunks), exc, False
    return b"".join(chunks), None, False


class _Prefetched(io.RawIOBase):
    """The bytes already read, then the rest of the stream (or the error reading stopped at)."""

    def __init__(self, data: bytes, rest: IO[bytes] | None, error: BaseException | None) -> None:
        self._head = io.BytesIO(data)
        self._rest, self._error = rest, error

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # noqa: ANN001
        count = self._head.readinto(buffer)
        if count:
            return count
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        if self._rest is None:
            return 0
        chunk = self._rest.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def _peek(stream: IO[bytes]) -> bytes:
    """The first non-blank byte, without consuming it (the stream must be buffered)."""
    peek = getattr(stream, "peek", None)
    if peek is None:
        return b""
    data = peek(4096)
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
