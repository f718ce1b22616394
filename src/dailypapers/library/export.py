"""Any list of papers as BibTeX, RIS or CSL-JSON: one entry point for pages and the API."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dailypapers.errors import InvalidInput
from dailypapers.library.bibtex import to_bibtex
from dailypapers.library.citation import citations
from dailypapers.library.csl import to_csl_json
from dailypapers.library.ris import to_ris
from dailypapers.store.models import Paper


@dataclass(frozen=True, slots=True)
class Format:
    name: str
    extension: str
    media_type: str


FORMATS = {
    "bibtex": Format("bibtex", "bib", "application/x-bibtex; charset=utf-8"),
    "ris": Format("ris", "ris", "application/x-research-info-systems; charset=utf-8"),
    "csl": Format("csl", "json", "application/vnd.citationstyles.csl+json; charset=utf-8"),
}
ALIASES = {"bib": "bibtex", "csl-json": "csl", "csljson": "csl", "json": "csl"}
WRITERS = {"bibtex": to_bibtex, "ris": to_ris, "csl": to_csl_json}


def get_format(name: str) -> Format:
    key = ALIASES.get(name.lower(), name.lower())
    if key not in FORMATS:
        raise InvalidInput("format is one of bibtex, ris, csl")
    return FORMATS[key]


def export(papers: Iterable[Paper], format_name: str) -> tuple[str, Format]:
    """The papers written in the format, with keys unique in the file."""
    fmt = get_format(format_name)
    return WRITERS[fmt.name](citations(papers)), fmt
