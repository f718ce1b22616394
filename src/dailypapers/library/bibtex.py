"""BibTeX out, written with bibtexparser 2: arXiv's fields (eprint, archivePrefix,
primaryClass) as biblatex and natbib styles read them, and values escaped for LaTeX."""

from __future__ import annotations

from collections.abc import Iterable

import bibtexparser
from bibtexparser import model

from dailypapers.library.citation import Citation

# Characters LaTeX would read as commands (each is replaced on its own, never twice).
ESCAPES = [
    ("\\", "\\textbackslash{}"),
    ("{", "\\{"),
    ("}", "\\}"),
    ("&", "\\&"),
    ("%", "\\%"),
    ("$", "\\$"),
    ("#", "\\#"),
    ("_", "\\_"),
    ("~", "\\textasciitilde{}"),
    ("^", "\\textasciicircum{}"),
]


def escape(text: str) -> str:
    """Plain text (as we store it: LaTeX already decoded) made safe inside a BibTeX value."""
    out = []
    for char in " ".join((text or "").split()):
        out.append(next((new for old, new in ESCAPES if char == old), char))
    return "".join(out)


def _name(family: str, given: str) -> str:
    # A name holding " and " or a comma is one name only when braced.
    family = escape(family)
    if " and " in f" {family} " or "," in family:
        family = "{" + family + "}"
    return f"{family}, {escape(given)}" if given else family


def entry(citation: Citation) -> model.Entry:
    """One @misc entry; bibtexparser's writer puts each value in braces itself."""
    paper = citation.paper
    # An inner pair keeps the title's capitals as written (BibTeX styles lower-case it).
    fields = [("title", "{" + escape(paper.title) + "}")]
    if citation.names:
        fields.append(("author", " and ".join(_name(f, g) for f, g in citation.names)))
    if citation.year:
        fields.append(("year", str(citation.year)))
    fields += [("eprint", paper.arxiv_id), ("archivePrefix", "arXiv")]
    if citation.primary_class:
        fields.append(("primaryClass", escape(citation.primary_class)))
    fields.append(("doi", escape(citation.doi)))
    fields.append(("url", citation.url))
    if paper.journal_ref:
        fields.append(("note", escape(paper.journal_ref)))
    return model.Entry("misc", citation.key, [model.Field(k, v) for k, v in fields])


def to_bibtex(cites: Iterable[Citation]) -> str:
    library = bibtexparser.Library()
    for citation in cites:
        library.add(entry(citation))
    return bibtexparser.write_string(library)
