"""Input formats, and telling a file's format from its content (gzip or not, whatever its name)."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal
from zoneinfo import ZoneInfo

import orjson

from dailypapers.errors import NotFound, UnknownFormat
from dailypapers.ingest.hf_daily import WRAPPER_KEYS, hf_record
from dailypapers.ingest.snapshot import snapshot_record
from dailypapers.store.records import PaperRecord

GZIP_MAGIC = b"\x1f\x8b"
SNIFF_BYTES = 256 * 1024
INPUT_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz", ".gz")


@dataclass(frozen=True)
class Format:
    name: str
    layout: Literal["lines", "document"]  # JSON lines, or one JSON document
    parse: Callable[[Any, ZoneInfo], PaperRecord]
    description: str


FORMATS: dict[str, Format] = {
    "snapshot": Format(
        "snapshot",
        "lines",
        lambda item, _zone: snapshot_record(item),
        "arXiv metadata snapshot (Kaggle arxiv-metadata-oai-snapshot.json, JSON lines)",
    ),
    "hf-jsonl": Format(
        "hf-jsonl", "lines", hf_record, "Hugging Face daily papers, flat JSON lines"
    ),
    "hf-json": Format(
        "hf-json", "document", hf_record, "Hugging Face daily papers API JSON (a list of items)"
    ),
}


def open_input(path: Path) -> tuple[IO[bytes], IO[bytes]]:
    """(raw file, readable stream): gzip is recognised by its magic bytes, not its name.

    Progress is measured on the raw file's position, so it is right for compressed input too.
    """
    raw = open(path, "rb")  # noqa: SIM115 - the caller closes it
    if raw.peek(2)[:2] == GZIP_MAGIC:
        # GzipFile buffers itself; another buffer on top would lose the lines decoded before a
        # truncated file's end (its fill raises EOFError and drops them).
        return raw, gzip.GzipFile(fileobj=raw, mode="rb")
    return raw, raw


def input_files(paths: list[Path]) -> list[Path]:
    """The files named, with each directory replaced by its JSON(-lines) files in name order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p for p in path.iterdir() if p.is_file() and p.name.endswith(INPUT_SUFFIXES)
            )
            if not found:
                raise NotFound(f"no .json, .jsonl or .gz files in directory {path}")
            files.extend(found)
        elif path.is_file() or path.is_fifo():  # a named pipe: `mkfifo p; zcat x.gz > p`
            files.append(path)
        elif path.exists():
            raise NotFound(f"not a regular file: {path}")
        else:
            raise NotFound(f"no such file: {path}")
    return files


def detect_format(path: Path) -> Format:
    """Tell the format from the first records; raises UnknownFormat with what was expected."""
    try:
        raw, stream = open_input(path)
    except OSError as exc:
        raise UnknownFormat(f"{path}: cannot read it ({exc})") from None
    with raw:
        head = _read_head(stream)
    if head is None:
        raise UnknownFormat(f"{path}: cannot read it (not gzip, or corrupt from the start)")
    if not head.strip(b"\xef\xbb\xbf \t\r\n"):
        raise UnknownFormat(f"{path}: the file is empty")
    name = _sniff(head)
    if name is None:
        choices = ", ".join(FORMATS)
        raise UnknownFormat(
            f"{path}: unknown format (expected JSON or JSON lines of arXiv snapshot or Hugging "
            f"Face daily papers records); name one with --format ({choices})"
        )
    return FORMATS[name]


def _read_head(stream: IO[bytes]) -> bytes | None:
    """Up to SNIFF_BYTES from the start; a file cut short still shows its first records."""
    chunks: list[bytes] = []
    size = 0
    while size < SNIFF_BYTES:
        try:
            chunk = stream.read1(SNIFF_BYTES - size)  # type: ignore[attr-defined]
        except (OSError, EOFError, zlib.error):
            return b"".join(chunks) if chunks else None
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _sniff(head: bytes) -> str | None:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text:
        return None
    if text[:1] == b"[":
        return "hf-json"
    if text[:1] != b"{":
        return None
    lines = text.split(b"\n")
    complete = lines[:-1] if len(lines) > 1 else lines  # the last line may be cut off
    for line in complete[:20]:
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(item, dict):
            return _kind_of_line(item)
    # A JSON document spread over several lines: an API item or a wrapper of them.
    return "hf-json" if b'"paper"' in text or b'"papers"' in text else None


def _kind_of_line(item: dict[str, Any]) -> str | None:
    if "authors_parsed" in item or ("id" in item and "versions" in item):
        return "snapshot"
    if "arxiv_id" in item or isinstance(item.get("paper"), dict):
        return "hf-jsonl"
    if any(isinstance(item.get(key), list) for key in WRAPPER_KEYS):
        return "hf-json"  # a whole wrapper document on one line
    return None
