"""Merge lexical and semantic rankings: weighted reciprocal rank fusion plus exact-match boosts.

RRF (Cormack et al. 2009) needs no score calibration between bm25 and cosine: a paper's fused
score is the sum over engines of weight / (K + rank). Two boosts then reward what a user who
types a title or a name clearly wants: every query word in the title, and a query word that is
an author's name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from dailypapers.search import analysis
from dailypapers.store.models import Paper

if TYPE_CHECKING:
    from dailypapers.search.query import ParsedQuery
    from dailypapers.store.db import Store

RRF_K = 60
LEXICAL_WEIGHT = 1.0
SEMANTIC_WEIGHT = 1.0
# How much a semantic ranking counts, by the model behind it: the static (distilled) model agrees
# with MiniLM on only ~26% of neighbours, and at full weight it pulls good keyword hits down
# (benchmarks/relevance.py: hybrid MRR@10 0.656 at 1.0, 0.674 at 0.5; MiniLM is best at 1.0).
MODEL_WEIGHTS = {"minilm": 1.0, "static": 0.5}
TITLE_BOOST = 1.0 / (RRF_K + 1)  # worth about a first place in one ranking
AUTHOR_BOOST = 0.5 / (RRF_K + 1)
BOOST_DEPTH = 50


@dataclass(slots=True)
class Candidate:
    paper_id: int
    score: float


def rrf(rankings: Sequence[tuple[Sequence[Candidate], float]]) -> dict[int, float]:
    fused: dict[int, float] = {}
    for ranking, weight in rankings:
        for rank, candidate in enumerate(ranking, start=1):
            fused[candidate.paper_id] = fused.get(candidate.paper_id, 0.0) + weight / (RRF_K + rank)
    return fused


def fuse(
    store: Store,
    query: ParsedQuery,
    lexical: Sequence[Candidate],
    semantic: Sequence[Candidate],
    *,
    mode: str,
    semantic_weight: float = SEMANTIC_WEIGHT,
) -> list[Candidate]:
    """One ranking from the engines the mode asks for, best first."""
    if mode == "lexical" or not semantic:
        rankings = [(lexical, LEXICAL_WEIGHT)]
    elif mode == "semantic":
        rankings = [(semantic, SEMANTIC_WEIGHT)]
    else:
        rankings = [(lexical, LEXICAL_WEIGHT), (semantic, semantic_weight)]
    if len(rankings) == 1:
        # One engine: keep its own scores (bm25 or cosine), which mean something to a reader.
        return list(rankings[0][0])
    fused = rrf(rankings)
    if mode == "hybrid" and query.terms and fused:
        # Boosts reorder the top; candidates further down would need more than a boost.
        top = sorted(fused, key=fused.__getitem__, reverse=True)[:BOOST_DEPTH]
        for paper_id, boost in _boosts(store, query, top).items():
            fused[paper_id] += boost
    order = sorted(fused.items(), key=lambda item: (-item[1], -item[0]))
    return [Candidate(paper_id, score) for paper_id, score in order]


def _boosts(store: Store, query: ParsedQuery, ids: list[int]) -> dict[int, float]:
    words = {analysis.stem(t) for t in query.terms} - {""}
    names = {analysis.name_tokens(t)[0] for t in query.terms if analysis.name_tokens(t)}
    boosts: dict[int, float] = {}
    with store.session() as session:
        rows = session.execute(
            select(Paper.id, Paper.title, Paper.authors).where(Paper.id.in_(ids))
        ).all()
    for row in rows:
        boost = 0.0
        title = set(analysis.text_tokens(row.title or ""))
        if len(words) >= 2 and words <= title:
            boost += TITLE_BOOST
        surnames = {
            tokens[-1] for tokens in (analysis.name_tokens(a) for a in row.authors or []) if tokens
        }
        if names & surnames:
            boost += AUTHOR_BOOST
        if boost:
            boosts[row.id] = boost
    return boosts
