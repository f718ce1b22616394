"""CSL-JSON out (what Zotero, Pandoc and citeproc read): a list of items, arXiv as publisher."""

from __future__ import annotations

import json
from collections.abc import Iterable

from dailypapers.library.citation import Citation


def item(citation: Citation) -> dict:
    paper = citation.paper
    data: dict = {
        "id": citation.key,
        "citation-key": citation.key,
        # CSL 1.0.2 has no "preprint" type; Zotero exports arXiv preprints as "article".
        "type": "article-journal" if paper.journal_ref else "article",
        "title": " ".join((paper.title or "").split()),
        "author": [{"family": f, "given": g} if g else {"literal": f} for f, g in citation.names],
        "publisher": "arXiv",
        "number": f"arXiv:{paper.arxiv_id}",
        "DOI": citation.doi,
        "URL": citation.url,
    }
    if paper.published_at:
        when = paper.published_at
        data["issued"] = {"date-parts": [[when.year, when.month, when.day]]}
    if paper.abstract:
        data["abstract"] = " ".join(paper.abstract.split())
    if paper.categories:
        data["keyword"] = ", ".join(paper.categories)
    if paper.journal_ref:
        data["container-title"] = paper.journal_ref
    return data


def to_csl_json(cites: Iterable[Citation]) -> str:
    return json.dumps([item(c) for c in cites], ensure_ascii=False, indent=2) + "\n"
