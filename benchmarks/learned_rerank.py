"""A learned re-ranking of the hybrid's top 50, cross-validated on the dev sets.

    python benchmarks/learned_rerank.py [--sets dev,hard-dev,own64] [--folds 5]

Runs the product's `search_papers` (SQLite, `relevance.py`'s store and cached vectors; run
`relevance.py` first) for every query of the sets, keeps the fused top 50 with what fusion saw
of each paper (its fused score, bm25 / the best bm25, MiniLM cosine, whether each half had it),
and adds what fusion does not use: the shipped static model's cosine, the share of the query's
words in the title and in the text, title-only, the log of the fused rank. Then it learns a
re-ranking (pointwise and pairwise logistic regression, gradient-boosted trees) on k − 1 folds
of the queries and scores the held-out fold, and prints MRR@10 per set and kind beside the
product's own order (the baseline, the same run). Dev sets and the 64 only: never test.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import relevance  # noqa: E402

FEATURES = ("fused", "lex", "cos", "static", "cover", "title_cover", "title_only", "in_sem",
            "in_lex", "log_rank")  # fmt: skip
DEPTH = 50


def collect(sets: list[str], data_dir: Path) -> list[dict]:
    """Per query: its set, kind, and the top 50's features and target flags."""
    from sqlalchemy import select

    from dailypapers.config import Settings
    from dailypapers.search import analysis, service
    from dailypapers.search.embed.models import get_embedder, paper_text
    from dailypapers.search.query import parse_query
    from dailypapers.store.db import open_store
    from dailypapers.store.models import Paper

    rows = [json.loads(line) for line in relevance.DATA.open()]
    folder = data_dir / "sqlite-minilm"  # relevance.py's store
    store = open_store(
        Settings(
            data_dir=folder, database_url=f"sqlite:///{folder / 'db.sqlite'}", embed_inline_max=0
        ),
        migrate_schema=True,
    )
    relevance.load(store, rows, relevance.paper_vectors(rows, data_dir))
    with store.session() as session:
        papers = {
            r.id: (r.arxiv_id, r.title or "", r.abstract or "")
            for r in session.execute(select(Paper.id, Paper.arxiv_id, Paper.title, Paper.abstract))
        }
    static = get_embedder("static")
    order = sorted(papers)
    vectors = static.embed([paper_text(papers[i][1], papers[i][2] or None) for i in order])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True).clip(1e-9)
    row_of = {paper_id: n for n, paper_id in enumerate(order)}

    seen: dict = {}
    fuse = service.fuse

    def watched(store_, parsed, lexical, semantic, **kwargs):  # noqa: ANN001, ANN202
        seen["lex"] = {c.paper_id: c.score for c in lexical}
        seen["sem"] = {c.paper_id: c.score for c in semantic}
        seen["out"] = fuse(store_, parsed, lexical, semantic, **kwargs)
        return seen["out"]

    service.fuse = watched
    data = []
    try:
        for name in sets:
            for query in relevance.read_queries(name):
                seen.clear()
                service.search_papers(store, query["query"], limit=DEPTH)
                lex, sem = seen.get("lex", {}), seen.get("sem", {})
                best = max(lex.values(), default=1.0) or 1.0
                words = {analysis.stem(t) for t in parse_query(query["query"]).terms} - {""}
                asked = static.embed([query["query"]])[0]
                asked /= max(float(np.linalg.norm(asked)), 1e-9)
                found = []
                for rank, candidate in enumerate(seen.get("out", [])[:DEPTH], start=1):
                    arxiv_id, title, abstract = papers[candidate.paper_id]
                    share = max(1, len(words))
                    found.append(
                        {
                            "target": arxiv_id == query["target"],
                            "fused": candidate.score,
                            "lex": lex.get(candidate.paper_id, 0.0) / best,
                            "cos": sem.get(candidate.paper_id, 0.0),
                            "static": float(vectors[row_of[candidate.paper_id]] @ asked),
                            "cover": len(analysis.stems_in(f"{title} {abstract}", words)) / share,
                            "title_cover": len(analysis.stems_in(title, words)) / share,
                            "title_only": float(not abstract),
                            "in_sem": float(candidate.paper_id in sem),
                            "in_lex": float(candidate.paper_id in lex),
                            "log_rank": math.log(rank),
                        }
                    )
                data.append({"group": f"{name} {query['kind']}", "rows": found})
    finally:
        service.fuse = fuse
    return data


def matrix(query: dict) -> np.ndarray:
    return np.array([[row[f] for f in FEATURES] for row in query["rows"]]).reshape(
        -1, len(FEATURES)
    )


def reciprocal_rank(query: dict, scores: np.ndarray) -> float:
    ranked = np.argsort(-scores, kind="stable")[:10]
    return next((1 / (i + 1) for i, j in enumerate(ranked) if query["rows"][j]["target"]), 0.0)


def fit(kind: str, train: list[dict]):  # noqa: ANN201
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    labelled = [q for q in train if q["rows"]]
    if kind == "pairwise":  # the target against every other candidate of its query
        pairs, labels = [], []
        for query in labelled:
            x = matrix(query)
            targets = [i for i, row in enumerate(query["rows"]) if row["target"]]
            for t in targets:
                for j in range(len(x)):
                    if j != t:
                        pairs += [x[t] - x[j], x[j] - x[t]]
                        labels += [1, 0]
        model = LogisticRegression(C=0.1, max_iter=2000, fit_intercept=False)
        return model.fit(np.array(pairs), labels).decision_function
    x = np.vstack([matrix(q) for q in labelled])
    y = [row["target"] for q in labelled for row in q["rows"]]
    if kind == "pointwise":
        model = LogisticRegression(C=0.1, max_iter=2000, class_weight="balanced")
        return model.fit(x, y).decision_function
    model = HistGradientBoostingClassifier(
        max_depth=3, max_iter=150, learning_rate=0.05, class_weight="balanced", random_state=0
    )
    model.fit(x, y)
    return lambda features: model.predict_proba(features)[:, 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="dev,hard-dev,own64")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "dp-relevance-eval"
    )
    args = parser.parse_args()
    sets = args.sets.split(",")
    if "test" in sets or "hard-test" in sets:
        parser.error("re-rankers are fitted and compared on dev sets only")
    data = collect(sets, args.data_dir)
    folds = np.array_split(np.random.default_rng(0).permutation(len(data)), args.folds)
    scores: dict[str, dict[int, float]] = {"product (baseline)": {}}
    for i, query in enumerate(data):
        scores["product (baseline)"][i] = reciprocal_rank(query, matrix(query)[:, 0])
    for kind in ("pointwise", "pairwise", "trees"):
        scores[kind] = {}
        for fold in folds:
            held = set(fold.tolist())
            rank = fit(kind, [q for i, q in enumerate(data) if i not in held])
            for i in held:
                query = data[i]
                scores[kind][i] = (
                    reciprocal_rank(query, rank(matrix(query))) if query["rows"] else 0.0
                )
    groups = sorted({q["group"] for q in data})
    print(f"MRR@10 of the top {DEPTH}, {args.folds}-fold cross-validated by query")
    print("| re-ranking | " + " | ".join(groups) + " |")
    print("|---" * (len(groups) + 1) + "|")
    for kind, per_query in scores.items():
        cells = [
            np.mean([per_query[i] for i, q in enumerate(data) if q["group"] == g]) for g in groups
        ]
        print(f"| {kind} | " + " | ".join(f"{c:.3f}" for c in cells) + " |")


if __name__ == "__main__":
    main()
