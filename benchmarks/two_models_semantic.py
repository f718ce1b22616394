"""The semantic half alone with two models' cosines summed: MiniLM + γ × static (dev sets).

    python benchmarks/two_models_semantic.py [--sets dev,hard-dev]

Reads the MiniLM document vectors that `relevance.py` cached (run it first), embeds the same
"title. abstract" texts with the shipped static model, and prints semantic-only MRR@10 per set
and kind for MiniLM, static, and MiniLM + γ × static (γ 0.25, 0.5, 1.0), with the product's
title-only penalty applied to each model's cosine. Dev sets and the 64 only: tune here, never
on test.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import relevance  # noqa: E402
from dailypapers.search.embed.models import get_embedder, paper_text  # noqa: E402
from dailypapers.search.semantic import TITLE_ONLY_PENALTY  # noqa: E402

MIXES = (("minilm", 0.0), ("static", None), ("m+0.25s", 0.25), ("m+0.5s", 0.5), ("m+1s", 1.0))


def mrr_at_10(scores: np.ndarray, target: int) -> float:
    top = np.argsort(-scores)[:10]
    hit = np.flatnonzero(top == target)
    return 1.0 / (hit[0] + 1) if len(hit) else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="dev,hard-dev,own64")
    parser.add_argument("--data-dir", type=Path, default=Path("/tmp/dp-relevance-eval"))
    args = parser.parse_args()
    if "test" in args.sets.split(",") or "hard-test" in args.sets.split(","):
        raise SystemExit("test sets are for reporting, not for tuning")
    rows = [relevance.json.loads(line) for line in relevance.DATA.open()]
    minilm = relevance.paper_vectors(rows, args.data_dir)
    static = get_embedder("static")
    vectors = static.embed([paper_text(r["title"], r.get("abstract")) for r in rows])
    short = np.array([not r.get("abstract") for r in rows], dtype=np.float32)
    index = {r["arxiv_id"]: i for i, r in enumerate(rows)}
    query_minilm = get_embedder("minilm")
    for name in args.sets.split(","):
        queries = [q for q in relevance.read_queries(name) if q["target"] in index]
        texts = [q["query"] for q in queries]
        qm, qs = query_minilm.embed(texts), static.embed(texts)
        for kind in sorted({q["kind"] for q in queries}):
            chosen = [i for i, q in enumerate(queries) if q["kind"] == kind]
            figures = []
            for label, gamma in MIXES:
                values = []
                for i in chosen:
                    by_static = vectors @ qs[i] - TITLE_ONLY_PENALTY * short
                    if gamma is None:
                        scores = by_static
                    else:
                        scores = minilm @ qm[i] - TITLE_ONLY_PENALTY * short + gamma * by_static
                    values.append(mrr_at_10(scores, index[queries[i]["target"]]))
                figures.append(f"{label} {np.mean(values):.3f}")
            print(f"{name:9s} {kind:16s} n {len(chosen):3d}  " + "  ".join(figures), flush=True)


if __name__ == "__main__":
    main()
