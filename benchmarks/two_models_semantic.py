"""The semantic half alone with two models' cosines summed: MiniLM + γ × static (dev sets).

    python benchmarks/two_models_semantic.py [--sets dev,hard-dev,own64] [--hybrid]

Reads the MiniLM document vectors that `relevance.py` cached (run it first), embeds the same
"title. abstract" texts with the shipped static model, and prints semantic-only MRR@10 per set
and kind for MiniLM, static, and MiniLM + γ × static (γ 0.25, 0.5, 1.0), with the product's
title-only penalty applied to each model's cosine. `--hybrid` then runs the product's
`search_papers` (SQLite, `relevance.py`'s store) with its semantic half replaced by the
normalised sum (MiniLM + γ × static) / (1 + γ) over every paper, floor 0.35, for γ 0 (the
control), 0.5 and 1.0. Dev sets and the 64 only: tune here, never on test.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import relevance  # noqa: E402
from dailypapers.search.embed.models import get_embedder, paper_text  # noqa: E402
from dailypapers.search.fusion import Candidate  # noqa: E402
from dailypapers.search.semantic import TITLE_ONLY_PENALTY  # noqa: E402

MIXES = (("minilm", 0.0), ("static", None), ("m+0.25s", 0.25), ("m+0.5s", 0.5), ("m+1s", 1.0))
HYBRID_GAMMAS = (0.0, 0.5, 1.0)
FLOOR = 0.35  # the MiniLM floor of search/semantic.py, on the normalised sum


def mrr_at_10(scores: np.ndarray, target: int) -> float:
    top = np.argsort(-scores)[:10]
    hit = np.flatnonzero(top == target)
    return 1.0 / (hit[0] + 1) if len(hit) else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="dev,hard-dev,own64")
    parser.add_argument(
        "--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "dp-relevance-eval"
    )
    parser.add_argument("--hybrid", action="store_true", help="also the product's hybrid")
    args = parser.parse_args()
    names = args.sets.split(",")
    if {"test", "hard-test"} & set(names):
        raise SystemExit("test sets are for reporting, not for tuning")
    rows = [json.loads(line) for line in relevance.DATA.open()]
    minilm = relevance.paper_vectors(rows, args.data_dir)
    static = get_embedder("static")
    vectors = static.embed([paper_text(r["title"], r.get("abstract")) for r in rows])
    penalty = TITLE_ONLY_PENALTY * np.array([not r.get("abstract") for r in rows], np.float32)
    index = {r["arxiv_id"]: i for i, r in enumerate(rows)}
    query_minilm = get_embedder("minilm")

    def cosines(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Each model's penalised cosines, a row per query."""
        by_minilm = query_minilm.embed(texts) @ minilm.T - penalty
        return by_minilm, static.embed(texts) @ vectors.T - penalty

    sets = {
        name: [q for q in relevance.read_queries(name) if q["target"] in index] for name in names
    }
    for name, queries in sets.items():
        by_minilm, by_static = cosines([q["query"] for q in queries])
        for kind in sorted({q["kind"] for q in queries}):
            chosen = [i for i, q in enumerate(queries) if q["kind"] == kind]
            figures = []
            for label, gamma in MIXES:
                values = [
                    mrr_at_10(
                        by_static[i] if gamma is None else by_minilm[i] + gamma * by_static[i],
                        index[queries[i]["target"]],
                    )
                    for i in chosen
                ]
                figures.append(f"{label} {np.mean(values):.3f}")
            print(f"{name:9s} {kind:16s} n {len(chosen):3d}  " + "  ".join(figures), flush=True)
    if args.hybrid:
        hybrid(rows, minilm, sets, cosines, args.data_dir)


def hybrid(rows: list[dict], minilm: np.ndarray, sets: dict, cosines, data_dir: Path) -> None:  # noqa: ANN001
    """The product's search with its semantic half replaced by the two models' sum."""
    from sqlalchemy import select

    from dailypapers.config import Settings
    from dailypapers.search import service
    from dailypapers.store.db import open_store
    from dailypapers.store.models import Paper

    folder = data_dir / "sqlite-minilm"  # relevance.py's store
    store = open_store(
        Settings(
            data_dir=folder, database_url=f"sqlite:///{folder / 'db.sqlite'}", embed_inline_max=0
        ),
        migrate_schema=True,
    )
    relevance.load(store, rows, minilm)
    with store.session() as session:
        paper_ids = dict(session.execute(select(Paper.arxiv_id, Paper.id)).all())
    ids = np.array([paper_ids[r["arxiv_id"]] for r in rows])
    for gamma in HYBRID_GAMMAS:

        def semantic(store, parsed, filters, engine, *, k, gamma=gamma):  # noqa: ANN001, ANN202
            by_minilm, by_static = cosines([parsed.free_text])
            scores = (by_minilm[0] + gamma * by_static[0]) / (1 + gamma)
            top = np.argsort(-scores)[:k]
            kept = [Candidate(int(ids[i]), float(scores[i])) for i in top if scores[i] >= FLOOR]
            return kept, "minilm"

        service.semantic_candidates = semantic
        modes = {m: relevance.product(store, m) for m in ("semantic", "hybrid")}
        relevance.report(
            f"sqlite, semantic = (MiniLM + {gamma} × static) / {1 + gamma}", sets, modes, False
        )


if __name__ == "__main__":
    main()
