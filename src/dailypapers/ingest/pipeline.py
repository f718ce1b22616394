"""Import files through the one write path, in committed batches.

Each batch is its own transaction (`save_papers`), so an interrupted import keeps every batch
committed before it, and running it again completes it: the upsert leaves unchanged papers alone.
A bad line is reported with file:line and skipped; every good record is kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from dailypapers.errors import DailyPapersError, UnknownFormat
from dailypapers.faults import fault_point
from dailypapers.ingest.detect import FORMATS, Format, detect_format, input_files, open_input
from dailypapers.ingest.entries import Problem, file_entries
from dailypapers.ingest.normalize import feature_listing
from dailypapers.store.db import Store
from dailypapers.store.records import PaperRecord, UpsertResult
from dailypapers.store.upsert import save_papers

DEFAULT_BATCH_SIZE = 2000


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
        for entry in file_entries(path, fmt, stream, zone):
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
