"""BibTeX, RIS and CSL-JSON out; reference files in. Pure functions: no database."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import bibtexparser
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware

from dailypapers.errors import InvalidInput
from dailypapers.library.citation import citations, split_name
from dailypapers.library.export import export
from dailypapers.library.parse_refs import parse_references
from dailypapers.store.models import Paper

# What biber accepts in a key without quoting: no spaces, commas, braces, quotes, #, %, ~.
BIBER_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_:./-]*$")


def paper(arxiv_id: str, title: str, authors: list[str], **extra) -> Paper:  # noqa: ANN003
    values = {
        "published_at": datetime(2025, 1, 3, 9, tzinfo=UTC),
        "categories": ["cs.LG", "cs.AI"],
        "primary_category": "cs.LG",
        "abstract": "We study things.",
        **extra,
    }
    return Paper(arxiv_id=arxiv_id, title=title, authors=authors, **values)


TRICKY = "50% of $x_1$ & {braces} #1 ~ ^ back\\slash: Über-Models"
PAPERS = [
    paper("2501.00001", "Attention Is All You Need", ["Ashish Vaswani", "Noam Shazeer"]),
    paper("2501.00002", "Attention, again", ["Ashish Vaswani"]),  # same key base
    paper("2501.00003", TRICKY, ["José Ñúñez", "Ludwig van Beethoven", "Plato"]),
    paper("hep-th/9901001", "The Old Style", ["A. Author"], doi="10.1000/XYZ.1",
          journal_ref="Phys. Rev. D 1 (1999)"),
]  # fmt: skip


def test_bibtex_parses_with_unique_biber_keys_and_arxiv_fields():
    text, fmt = export(PAPERS, "bibtex")
    assert fmt.extension == "bib"
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    keys = [e.key for e in library.entries]
    assert keys == ["vaswani2025attention", "vaswani2025attentiona", "nunez2025x", "author2025old"]
    assert all(BIBER_KEY.match(k) for k in keys)
    first = {f.key: f.value for f in library.entries[0].fields}
    assert first["eprint"] == "2501.00001" and first["archivePrefix"] == "arXiv"
    assert first["primaryClass"] == "cs.LG"
    assert first["doi"] == "10.48550/arXiv.2501.00001"  # arXiv's DOI when there is no other
    assert first["author"] == "Vaswani, Ashish and Shazeer, Noam"
    old = {f.key: f.value for f in library.entries[3].fields}
    assert old["eprint"] == "hep-th/9901001" and old["doi"] == "10.1000/XYZ.1"
    assert old["note"] == "Phys. Rev. D 1 (1999)"


def test_bibtex_escapes_latex_specials_and_decodes_back_to_the_title():
    text, _ = export([PAPERS[2]], "bibtex")
    raw = {f.key: f.value for f in bibtexparser.parse_string(text).entries[0].fields}
    assert r"50\% of \$x\_1\$ \& \{braces\} \#1" in raw["title"]
    assert raw["author"] == "Ñúñez, José and van Beethoven, Ludwig and Plato"
    decoded = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    title = {f.key: f.value for f in decoded.entries[0].fields}["title"]
    # pylatexenc reads \textasciicircum (LaTeX's plain ^) as the modifier letter ˆ
    assert title.strip("{}").replace("ˆ", "^") == TRICKY


def test_names_split_with_particles():
    assert split_name("Ludwig van Beethoven") == ("van Beethoven", "Ludwig")
    assert split_name("Lovelace, Ada") == ("Lovelace", "Ada")
    assert split_name("Plato") == ("Plato", "")


def test_ris_round_trips_through_rispy_and_our_reader():
    text, _ = export(PAPERS, "ris")
    records = rispy.loads(text)
    assert [r["accession_number"] for r in records] == [f"arXiv:{p.arxiv_id}" for p in PAPERS]
    assert records[0]["title"] == "Attention Is All You Need"
    assert records[0]["authors"] == ["Vaswani, Ashish", "Shazeer, Noam"]
    assert records[2]["title"] == TRICKY  # RIS needs no escaping
    assert records[3]["type_of_reference"] == "JOUR" and records[3]["doi"] == "10.1000/XYZ.1"
    fmt, refs = parse_references(text)
    assert fmt == "ris" and [r.arxiv_id for r in refs] == [p.arxiv_id for p in PAPERS]


def test_csl_json_items_have_the_fields_citeproc_reads():
    text, fmt = export(PAPERS, "csl")
    items = json.loads(text)
    assert fmt.media_type.startswith("application/vnd.citationstyles.csl+json")
    assert items[0]["id"] == "vaswani2025attention" and items[0]["type"] == "article"
    assert items[0]["author"][0] == {"family": "Vaswani", "given": "Ashish"}
    assert items[0]["issued"] == {"date-parts": [[2025, 1, 3]]}
    assert items[2]["author"][2] == {"literal": "Plato"}
    assert parse_references(text)[1][0].arxiv_id == "2501.00001"


@pytest.mark.parametrize("fmt", ["bibtex", "ris", "csl"])
def test_every_export_reads_back_as_the_same_papers(fmt):
    text, _ = export(PAPERS, fmt)
    assert [r.arxiv_id for r in parse_references(text)[1]] == [p.arxiv_id for p in PAPERS]


def test_keys_stay_unique_for_many_same_base_keys():
    many = [paper(f"2501.{i:05d}", "Same", ["Same Name"]) for i in range(30)]
    keys = [c.key for c in citations(many)]
    assert len(set(keys)) == 30 and keys[27] == "name2025sameaa"


ZOTERO_BIB = """% exported by Zotero
@article{smith_deep_2024,
  title = {Deep {Things}},
  author = {Smith, Jane},
  journal = {arXiv preprint arXiv:2501.00005},
  year = {2024},
}

@misc{doe_known_2023,
  title = {Known by {DOI}},
  doi = {10.1000/XYZ.1},
}

@book{knuth_taocp,
  title = {The Art of Computer Programming},
  author = {Knuth, Donald},
}
"""


def test_a_zotero_bibtex_file_yields_ids_dois_and_the_rest():
    fmt, refs = parse_references(ZOTERO_BIB)
    assert fmt == "bibtex"
    assert [(r.line, r.arxiv_id, r.doi) for r in refs] == [
        (2, "2501.00005", None),
        (9, None, "10.1000/xyz.1"),
        (14, None, None),
    ]
    assert refs[2].title == "The Art of Computer Programming"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("@misc{a, title={ok}}\n\n@misc{b, title = {never closed\n\n@misc{c, title={x}}\n",
         "line 3"),
        ("TY  - JOUR\nTI  - no end\n", "line 1: this record has no end"),
        ("TY  - JOUR\nTI  - x\nER  - \nnonsense here\n", "line 4: not an RIS tag line"),
        ('[{"title": "a"},\n {"title": }]', "line 2: not valid JSON"),
        ('{"title": "a"}', "CSL-JSON is a list"),
        ("just some words", "line 1: not a BibTeX, RIS or CSL-JSON file"),
    ],
)  # fmt: skip
def test_a_malformed_file_is_refused_naming_the_line(text, message):
    with pytest.raises(InvalidInput, match=re.escape(message)):
        parse_references(text)
