"""Reading one input file into records: JSON lines or one JSON document, bad records reported.

A record that cannot be parsed becomes a `Problem` naming its file and line (or item), and the
reading goes on; a file that cannot be read on (a cut gzip, broken JSON) ends with one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import orjson

from dailypapers.errors import BadArxivId, MalformedRecord
from dailypapers.ingest.detect import Format
from dailypapers.ingest.hf_daily import READ_ERRORS, iter_json_items
from dailypapers.store.records import PaperRecord

DAY_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.json(?:\.gz)?$")
BOM = b"\xef\xbb\xbf"  # some editors start UTF-8 files with one
# What a malformed record can raise while being parsed; anything else is a bug and propagates.
RECORD_ERRORS = (MalformedRecord, BadArxivId, ValueError, KeyError, TypeError, AttributeError)


@dataclass(slots=True)
class Problem:
    where: str  # "file:line" or "file item N (id)"
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


def file_entries(
    path: Path, fmt: Format, stream: IO[bytes], zone: ZoneInfo
) -> Iterator[PaperRecord | Problem]:
    """Parsed records or problems, in file order."""
    if fmt.layout == "lines":
        return _line_entries(path, fmt, stream, zone)
    return _document_entries(path, fmt, stream, zone)


def _line_entries(
    path: Path, fmt: Format, stream: IO[bytes], zone: ZoneInfo
) -> Iterator[PaperRecord | Problem]:
    parse: Callable[[Any, ZoneInfo], PaperRecord] = fmt.parse
    loads = orjson.loads
    lines = iter(stream)
    number = 0
    while True:
        try:
            line = next(lines)
        except StopIteration:
            return
        except READ_ERRORS as exc:  # a truncated or corrupt .gz: what came before is kept
            yield Problem(f"{path}:{number + 1}", f"cannot read on, rest of file skipped ({exc})")
            return
        number += 1
        if number == 1 and line.startswith(BOM):
            line = line[len(BOM) :]
        if not line.strip():
            continue
        try:
            yield parse(loads(line), zone)
        except orjson.JSONDecodeError as exc:
            yield Problem(f"{path}:{number}", f"invalid JSON ({exc})")
        except RECORD_ERRORS as exc:
            yield Problem(f"{path}:{number}", _reason(exc))


def _document_entries(
    path: Path, fmt: Format, stream: IO[bytes], zone: ZoneInfo
) -> Iterator[PaperRecord | Problem]:
    import ijson

    index = 0
    items = iter_json_items(stream)
    day = _day_of_file(path)
    while True:
        try:
            value = next(items)
        except StopIteration:
            return
        except (ijson.JSONError, ijson.IncompleteJSONError, ValueError, *READ_ERRORS) as exc:
            # The document is broken from here on: nothing after this point can be read.
            reason = f"invalid JSON, rest of file skipped ({exc})"
            yield Problem(f"{path} after item {index}", reason)
            return
        index += 1
        try:
            record = fmt.parse(value, zone)
        except RECORD_ERRORS as exc:
            ident = _item_id(value)
            where = f"{path} item {index}" + (f" ({ident})" if ident else "")
            yield Problem(where, _reason(exc))
            continue
        if day is not None and record.hf is not None and record.listing is not None:
            record.listing.date = day
        yield record


def _day_of_file(path: Path) -> date | None:
    """The day a `/api/daily_papers?date=YYYY-MM-DD` answer saved as `YYYY-MM-DD.json` is for.

    HF's day is the one asked for: older items were featured late the evening before (UTC), so
    the day cannot be told from their times.
    """
    match = DAY_FILE.match(path.name)
    if match is None:
        return None
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        return None


def _item_id(value: Any) -> str | None:
    if isinstance(value, dict):
        paper = value.get("paper")
        if isinstance(paper, dict) and paper.get("id"):
            return str(paper["id"])[:40]
        for key in ("arxiv_id", "id"):
            if value.get(key):
                return str(value[key])[:40]
    return None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"missing field {exc}"
    return str(exc) or type(exc).__name__
