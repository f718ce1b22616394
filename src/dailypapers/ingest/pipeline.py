"""Import files through the one write path, in committed batches.

Each batch is its own transaction (`save_papers`), so an interrupted import keeps every batch
committed before it, and running it again completes it: the upsert leaves unchanged papers alone.
A bad line is reported with file:line and skipped; every good record is kept.
"""

from __future__ import annotations

import re
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import orjson

from dailypapers.errors import BadArxivId, DailyPapersError, MalformedRecord, UnknownFormat
from dailypapers.faults import fault_point
from dailypapers.ingest.detect import FORMATS, Format, detect_format, input_files, open_input
from dailypapers.ingest.hf_daily import iter_json_items
from dailypapers.ingest.normalize import feature_listing
from dailypapers.store.db import Store
from dailypapers.store.records import PaperRecord, UpsertResult
from dailypapers.store.upsert import save_papers

DEFAULT_BATCH_SIZE = 2000
DAY_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.json(?:\.gz)?$")
BOM = b"\xef\xbb\xbf"  # some editors start UTF-8 files with one
# What reading a damaged file can raise (gzip cut short, bad CRC, I/O error).
READ_ERRORS = (EOFError, OSError, zlib.error)
# What a malformed record can raise while being parsed; anything else is a bug and propagates.
RECORD_ERRORS = (MalformedRecord, BadArxivId, ValueError, KeyError, TypeError, AttributeError)


@dataclass(slots=True)
class Problem:
    where: str  # "file:line" or "file item N (id)"
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass
class ImportSummary:
    files: int = 0
    read: int = 0
    skipped: int = 0
    result: UpsertResult = field(default_factory=UpsertResult)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.read / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        r = self.result
        return (
            f"{self.read:,} records from {self.files} file(s): {r.new:,} new, {r.changed:,} "
            f"changed, {r.unchanged:,} unchanged, {self.skipped:,} skipped "
            f"({self.seconds:.1f} s, {self.rate:,.0f} records/s)"
        )


@dataclass(frozen=True)
class Planned:
    path: Path
    format: Format


def plan_import(
    paths: list[Path], format_name: str | None = None, *, bad: list[Problem] | None = None
) -> list[Planned]:
    """Check every input and tell its format before anything is written.

    A file named on the command line whose format cannot be told stops the import (a typo
    should not half-run it). With `bad` given, a file found in a named directory that cannot be
    told is appended to it (file + reason) and left out, and the other files are imported.
    """
    fmt = None
    if format_name is not None:
        if format_name not in FORMATS:
            raise DailyPapersError(
                f"unknown format {format_name!r} (choose from {', '.join(FORMATS)})"
            )
        fmt = FORMATS[format_name]
    planned: list[Planned] = []
    for path in paths:
        in_directory = path.is_dir()
        for file in input_files([path]):
            try:
                planned.append(Planned(file, fmt or detect_format(file)))
            except UnknownFormat as exc:
                if not in_directory or bad is None:
                    raise
                bad.append(Problem(str(file), _file_reason(file, exc)))
    return planned


def _file_reason(path: Path, exc: UnknownFormat) -> str:
    """The reason without the path that detect_format puts first."""
    text = str(exc)
    prefix = f"{path}: "
    return text[len(prefix) :] if text.startswith(prefix) else text


class Progress:
    """What the pipeline reports to; the CLI draws a rich bar, tests and cron use the default."""

    def start_file(self, path: Path, total_bytes: int) -> None: ...

    def advance(self, position: int, summary: ImportSummary) -> None: ...

    def problem(self, problem: Problem) -> None: ...

    def end_file(self, path: Path, summary: ImportSummary) -> None: ...


def import_files(
    store: Store,
    planned: list[Planned],
    *,
    zone: ZoneInfo,
    feature: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    after_batch: Callable[[UpsertResult], object] | None = None,
) -> ImportSummary:
    """Import every planned file in committed batches; returns the counts.

    `after_batch(result)` runs after each batch is committed (the caller's derived indexes
    catch up); the pipeline itself knows none."""
    progress = progress or Progress()
    summary = ImportSummary()
    started = time.perf_counter()
    # A batch spans files: a directory of small day files is then a few large transactions
    # (bulk: derived indexes catch up once) instead of one small one per file.
    batch: list[PaperRecord] = []
    for item in planned:
        summary.files += 1
        _import_file(
            store,
            item,
            zone,
            feature,
            max(1, batch_size),
            progress,
            summary,
            started,
            batch,
            after_batch,
        )
    if batch:
        _flush(store, batch, summary, after_batch)
        progress.advance(0, summary)
    summary.seconds = time.perf_counter() - started
    return summary


def _import_file(
    store: Store,
    item: Planned,
    zone: ZoneInfo,
    feature: bool,
    batch_size: int,
    progress: Progress,
    summary: ImportSummary,
    started: float,
    batch: list[PaperRecord],
    after_batch: Callable[[UpsertResult], object] | None = None,
) -> None:
    """Add the file's records to `batch`, saving it whenever it is full (the rest stays)."""
    path, fmt = item.path, item.format
    raw, stream = open_input(path)
    with raw, stream if stream is not raw else nullcontext():
        progress.start_file(path, path.stat().st_size if path.is_file() else 0)
        for entry in _entries(path, fmt, stream, zone):
            if isinstance(entry, Problem):
                summary.skipped += 1
                progress.problem(entry)
                continue
            if feature and entry.listing is None:
                entry.listing = feature_listing(entry, zone, source=entry.source or "arxiv")
            batch.append(entry)
            if len(batch) >= batch_size:
                _flush(store, batch, summary, after_batch)
                batch.clear()
                summary.seconds = time.perf_counter() - started
                progress.advance(_position(raw), summary)
        summary.seconds = time.perf_counter() - started
        progress.advance(_position(raw), summary)
        progress.end_file(path, summary)


def _position(raw: IO[bytes]) -> int:
    """Bytes read so far (0 for a pipe, which cannot tell)."""
    try:
        return raw.tell()
    except OSError:
        return 0


def _flush(
    store: Store,
    batch: list[PaperRecord],
    summary: ImportSummary,
    after_batch: Callable[[UpsertResult], object] | None,
) -> None:
    result = save_papers(store, batch)
    fault_point("import-batch")
    if after_batch is not None:
        after_batch(result)
    result.changed_ids, result.new_rows = [], {}  # keeps memory flat on huge files
    summary.result.add(result)
    summary.read += len(batch)


def _entries(
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
