"""LaTeX in titles and abstracts is decoded once, at import, by every importer; math stays."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from dailypapers.ingest.normalize import prose
from dailypapers.store.models import Paper
from support.cli import run_cli


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (r"It covers 97.3\% of them", "It covers 97.3% of them"),
        ("a structured identity--layout plan", "a structured identity–layout plan"),
        ("three---four", "three—four"),
        ("both ``August 4, 1961'' and ``1961''", "both “August 4, 1961” and “1961”"),
        (r"Schr\"odinger bridges and \emph{very} fast", "Schrödinger bridges and very fast"),
        # math as written, never mangled
        (
            r"LLaVA-$\phi$ (LLaVA-Phi) in $O(n^2)$ -- fast",
            r"LLaVA-$\phi$ (LLaVA-Phi) in $O(n^2)$ – fast",
        ),
        (r"error $<10^{-3}$ at 5\% cost", r"error $<10^{-3}$ at 5% cost"),
        # characters LaTeX would take for markup are text in prose
        (r"\% gains of ~10% & more #1 -- see", "% gains of ~10% & more #1 – see"),
        ("plain text is left alone: 5% & ~3", "plain text is left alone: 5% & ~3"),
        ("  spaces\n collapse  ", "spaces collapse"),
        # LaTeX would eat the space after a control word; an unknown macro is kept as written
        (
            r"a \pi meson and \cite{x} -- model size (\aka the count)",
            "a π meson and <cit.> – model size (\\aka the count)",
        ),
        (r"{\"o}bermann and {GPT}-4", "öbermann and GPT-4"),
        (None, None),
    ],
)
def test_prose_decodes_latex_text_and_keeps_math(raw, expected):
    assert prose(raw) == expected


def test_prose_is_idempotent():
    once = prose(r"97.3\% of identity--layout ``plans'' in $x_1$")
    assert prose(once) == once


def _abstract(store, arxiv_id: str) -> str:  # noqa: ANN001
    with store.session() as session:
        return session.scalar(select(Paper.abstract).where(Paper.arxiv_id == arxiv_id))


def test_real_hf_records_are_decoded_on_import(settings, store, sample_data):
    ran = run_cli(settings, "import", str(sample_data / "hf_daily_papers_latex.jsonl"))
    assert ran.exit_code == 0, ran.stderr
    with_everyone = _abstract(store, "2608.20336")
    assert "covers 97.3% of the requested identities" in with_everyone
    assert "identity–layout plan" in with_everyone and "\\" not in with_everyone
    assert "LLaVA-$\\phi$ (LLaVA-Phi)" in _abstract(store, "2401.02330")
    assert "both “August 4, 1961” and “1961” are correct" in _abstract(store, "2401.04695")
    api = json.loads(run_cli(settings, "search", "WithEveryone", "--json").stdout or "[]")
    assert all("\\%" not in json.dumps(hit) for hit in api)


def test_real_snapshot_records_keep_their_math(settings, store, sample_data):
    lines = (sample_data / "arxiv_metadata_sample.jsonl").read_text().splitlines()
    raw = {r["id"]: r for r in map(json.loads, lines)}
    ran = run_cli(settings, "import", str(sample_data / "arxiv_metadata_sample.jsonl"))
    assert ran.exit_code == 0, ran.stderr
    with store.session() as session:
        stored = dict(session.execute(select(Paper.arxiv_id, Paper.abstract)).all())
    with_math = [i for i, r in raw.items() if "$" in r["abstract"]]
    assert len(with_math) > 10
    for arxiv_id in with_math:  # every inline formula is still there, as written
        assert stored[arxiv_id].count("$") == raw[arxiv_id]["abstract"].count("$"), arxiv_id
    assert not any("\\%" in text or "--" in text for text in stored.values() if text)


def test_argument_less_macros_are_decoded_and_odd_ones_never_raise():
    from dailypapers.ingest.normalize import prose

    assert prose(r"a \pi meson and \ldots more") == "a π meson and … more"
    # Macros whose text needs arguments they were not given are kept, never an exception.
    for text in (r"see \href here", r"\url and \cite", r"\frac half", r"x \\ y \verb"):
        assert prose(text)
