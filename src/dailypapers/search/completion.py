"""Each half's score for the papers only the other half found, before hybrid fusion.

Each half hands fusion its top 100. A paper in only one of them used to count 0 in the other:
a paper the semantic half ranks first but whose words sit outside the keyword half's top 100
lost to papers that were merely in both lists. Now each half also scores the other's papers:
the keyword index gives the semantic candidates the bm25 of the same any-word query (asked of
those ids alone), and the vector index gives the keyword candidates their cosine (less the
title-only penalty, kept at the similarity floor or above, as the semantic half keeps its own).
Fusion then weighs every candidate by both halves. On dev (benchmarks/relevance.py, hybrid
MRR@10 / Recall@10, docs/search.md): hard paraphrases 0.395 / 0.583 → 0.413 / 0.683,
paraphrases 0.902 / 0.964 → 0.911 / 0.982, descriptive and fragments unchanged.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from dailypapers.search.fusion import Candidate
from dailypapers.search.semantic import SemanticHalf, cosines_of, semantic_candidates

if TYPE_CHECKING:
    from dailypapers.search.lexical.base import Filters, LexicalIndex
    from dailypapers.search.query import ParsedQuery
    from dailypapers.store.db import Store

log = logging.getLogger(__name__)
ENABLED = True  # a tunable, so relevance.py can measure fusion without it
# The keyword ranking's first papers given a cosine: one further down with a cosine high
# enough to matter is among the semantic half's own. On dev, 20 ranked as 100 did (10 lost a
# hard paraphrase); 40 keeps a margin and reads 60 fewer vectors (pgvector: random rows).
COSINE_DEPTH = 40


def semantic_half(
    store: Store,
    query: ParsedQuery,
    filters: Filters,
    engine: LexicalIndex,
    *,
    k: int,
    complete: bool,
) -> tuple[SemanticHalf, dict[int, float]]:
    """The semantic half and, with `complete`, the keyword index's bm25 for its candidates
    (asked here, in the semantic half's thread, while the keyword half ranks its own)."""
    half = semantic_candidates(store, query, filters, engine, k=k)
    if not (complete and ENABLED and half.candidates):
        return half, {}
    try:
        scores = engine.score_ids([c.paper_id for c in half.candidates], query, filters)
    except Exception:  # a damaged keyword index: the keyword half reports and rebuilds it
        log.warning("keyword scores of the semantic candidates unavailable", exc_info=True)
        scores = {}
    return half, scores


def completed(
    store: Store,
    half: SemanticHalf,
    lexical: list[Candidate],
    keyword_scores: dict[int, float],
) -> tuple[list[Candidate], list[Candidate]]:
    """(the keyword ranking, the semantic ranking), each followed by the other half's papers
    it scores, best first."""
    if not ENABLED or not lexical or not half.candidates:
        return lexical, half.candidates
    ranked = {c.paper_id for c in lexical}
    near = {c.paper_id for c in half.candidates}
    more_lexical = sorted(
        (Candidate(i, s) for i, s in keyword_scores.items() if i not in ranked and s > 0),
        key=lambda c: -c.score,
    )
    try:
        asked = [c.paper_id for c in lexical[:COSINE_DEPTH] if c.paper_id not in near]
        more_semantic = cosines_of(store, half, asked)
    except Exception:  # a vector index gone since it answered: fuse what the halves found
        log.warning("cosines of the keyword candidates unavailable", exc_info=True)
        more_semantic = []
    return lexical + more_lexical, half.candidates + more_semantic
