"""Reading a reference file someone uploads (a Zotero, Mendeley or other export): BibTeX, RIS
or CSL-JSON. What we need of each entry is an arXiv id or a DOI (and a title to list what we
could not find); a file we cannot read raises `InvalidInput` naming the line.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass

import bibtexparser

from dailypapers.arxiv_ids import parse_arxiv_id
from dailypapers.errors import BadArxivId, InvalidInput

MAX_ENTRIES = 5000
_ARXIV_IN_TEXT = re.compile(
    r"arxiv(?:\.org/(?:abs|pdf)/|[:.\s]\s*|\s+preprint\s+arxiv:)"
    r"(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?",
    re.IGNORECASE,
)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)
_DOI = re.compile(r"(10\.\d{4,9}/\S+)")
RIS_TAG = re.compile(r"^([A-Z][A-Z0-9])  -( (.*))?$")
RIS_COUNTER = re.compile(r"^\d+\.$")


@dataclass(slots=True)
class Reference:
    line: int  # where the entry starts, 1-based
    title: str
    arxiv_id: str | None
    doi: str | None


def _arxiv(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return parse_arxiv_id(text.strip())[0]
    except BadArxivId:
        pass
    match = _ARXIV_DOI.match(text.strip())
    if match:
        return _arxiv(match.group(1))
    match = _ARXIV_IN_TEXT.search(text)
    return _arxiv(match.group(1)) if match else None


def _doi(text: str | None) -> str | None:
    match = _DOI.search(text or "")
    if not match:
        return None
    doi = match.group(1).rstrip(".,;}")
    return None if _ARXIV_DOI.match(doi) else doi.lower()


def _reference(line: int, title: str, fields: dict[str, str], *, eprint_keys=()) -> Reference:  # noqa: ANN001
    arxiv_id = None
    for key in eprint_keys:
        arxiv_id = arxiv_id or _arxiv(fields.get(key))
    doi_field = fields.get("doi") or ""
    arxiv_id = arxiv_id or _arxiv(doi_field)
    for value in fields.values():
        arxiv_id = arxiv_id or _arxiv(value)
    return Reference(line, " ".join(title.split())[:300], arxiv_id, _doi(doi_field))


def detect(text: str) -> str:
    start = text.lstrip("\ufeff \t\r\n")[:1]
    if start in "[{":
        return "csl"
    if re.search(r"^TY  -", text, re.MULTILINE):
        return "ris"
    if "@" in text:
        return "bibtex"
    raise InvalidInput(
        "line 1: not a BibTeX, RIS or CSL-JSON file (BibTeX entries start with @, RIS records "
        "with TY  -, CSL-JSON is a JSON list)"
    )


def parse_bibtex(text: str) -> list[Reference]:
    logging.getLogger("bibtexparser").setLevel(logging.ERROR)  # we report failures ourselves
    library = bibtexparser.parse_string(text)
    if library.failed_blocks:
        block = library.failed_blocks[0]
        raise InvalidInput(
            f"line {block.start_line + 1}: this BibTeX entry could not be read "
            "(an unclosed brace or quote, or a missing comma?)"
        )
    refs = []
    for entry in library.entries:
        fields = {f.key.lower(): str(f.value) for f in entry.fields}
        title = fields.get("title", "").replace("{", "").replace("}", "") or entry.key
        refs.append(
            _reference(entry.start_line + 1, title, fields, eprint_keys=("eprint", "arxivid"))
        )
    return refs


def parse_ris(text: str) -> list[Reference]:
    refs: list[Reference] = []
    fields: dict[str, str] = {}
    start = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip().lstrip("\ufeff")
        if not line:
            continue
        match = RIS_TAG.match(line)
        if not match and RIS_COUNTER.match(line) and start is None:
            continue  # "1." before a record, as rispy and some tools write
        if not match:
            if start is not None and fields:  # a wrapped value continues the last tag
                continue
            raise InvalidInput(f"line {number}: not an RIS tag line (expected “XX  - value”)")
        tag, value = match.group(1), (match.group(3) or "").strip()
        if tag == "TY":
            if start is not None:
                raise InvalidInput(f"line {number}: a new record (TY) before the last one's ER")
            start, fields = number, {}
        elif start is None:
            raise InvalidInput(f"line {number}: {tag} outside a record (records start with TY)")
        elif tag == "ER":
            title = fields.get("TI") or fields.get("T1") or fields.get("ID") or ""
            lowered = {k.lower(): v for k, v in fields.items()}
            lowered["doi"] = fields.get("DO", "")
            refs.append(_reference(start, title, lowered, eprint_keys=("an", "ur")))
            start = None
        else:
            fields[tag] = f"{fields[tag]} {value}" if tag in fields else value
    if start is not None:
        raise InvalidInput(f"line {start}: this record has no end (ER  - is missing)")
    return refs


def parse_csl(text: str) -> list[Reference]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"line {exc.lineno}: not valid JSON ({exc.msg})") from None
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data = data["items"]
    if not isinstance(data, list) or not all(isinstance(i, dict) for i in data):
        raise InvalidInput("line 1: CSL-JSON is a list of objects, one per reference")
    refs = []
    for position, item in enumerate(data, start=1):
        fields = {k.lower(): v for k, v in item.items() if isinstance(v, str)}
        title = fields.get("title") or str(item.get("id") or f"item {position}")
        # JSON has no line per item: the item's position stands in for it
        refs.append(_reference(position, title, fields, eprint_keys=("number", "url")))
    return refs


PARSERS = {"bibtex": parse_bibtex, "ris": parse_ris, "csl": parse_csl}


def parse_references(text: str) -> tuple[str, list[Reference]]:
    """(format, references) of an uploaded file; InvalidInput with the line if unreadable."""
    fmt = detect(text)
    refs = PARSERS[fmt](text)
    if len(refs) > MAX_ENTRIES:
        raise InvalidInput(f"at most {MAX_ENTRIES} references per file")
    return fmt, refs
