"""RIS out (and the tags import reads), written with rispy: the fields Zotero, EndNote and
Mendeley read, arXiv's id in `AN` and `UR`, its category as `KW`."""

from __future__ import annotations

from collections.abc import Iterable

import rispy

from dailypapers.library.citation import Citation


def record(citation: Citation) -> dict:
    paper = citation.paper
    entry: dict = {
        # A paper with a journal reference is an article; otherwise a preprint (unpublished).
        "type_of_reference": "JOUR" if paper.journal_ref else "UNPB",
        "id": citation.key,
        "title": " ".join((paper.title or "").split()),
        "authors": [f"{f}, {g}" if g else f for f, g in citation.names],
        "accession_number": f"arXiv:{paper.arxiv_id}",
        "doi": citation.doi,
        "urls": [citation.url],
        "publisher": "arXiv",
    }
    if paper.published_at:
        entry["year"] = str(paper.published_at.year)
        entry["date"] = paper.published_at.strftime("%Y/%m/%d")
    if paper.abstract:
        entry["abstract"] = " ".join(paper.abstract.split())
    if paper.categories:
        entry["keywords"] = list(paper.categories)
    if paper.journal_ref:
        entry["journal_name"] = paper.journal_ref
    return entry


class _Writer(rispy.RisWriter):
    """rispy's writer without its "1." line before each record (Zotero writes none)."""

    def set_header(self, count: int) -> str:
        return ""


def to_ris(cites: Iterable[Citation]) -> str:
    return rispy.dumps([record(c) for c in cites], implementation=_Writer)
