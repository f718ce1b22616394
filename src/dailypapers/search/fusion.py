"""Merge lexical and semantic rankings: weighted reciprocal rank fusion plus exact-match boosts.

RRF (Cormack et al. 2009) needs no score calibration between bm25 and cosine: a paper's fused
score is the sum over engines of weight / (K + rank). Two boosts then reward what a user who
types a title or a name clearly wants: every query word in the title, and a query word that is
an author's name.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, case, select

from dailypapers.search import analysis
from dailypapers.store.id_lists import among, for_dialect
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
# "convex": a weighted sum of each engine's normalised scores (Bruch et al. 2023 found it beats
# RRF once its one weight is tuned; here on dev: hybrid MRR@10 0.952 vs 0.909, and on the 64
# 0.829 vs 0.752); "rrf": reciprocal rank fusion, which ignores how far apart the scores are.
FUSION = "convex"
LEXICAL_SHARE = 0.5  # convex fusion: the lexical half's share (tuned on the dev split)
# ... when the best keyword match holds every query word; when it holds none, this share (the
# share moves linearly with the fraction held). A query in the reader's own words matches the
# paper's words poorly, and then the keyword ranking is mostly noise. On dev (hybrid MRR@10,
# 0.5 = off / 0.3 / 0.2): hard paraphrases 0.325 / 0.369 / 0.378, paraphrases 0.894 / 0.903 /
# 0.897, descriptive 0.986 / 0.985 / 0.985, the 64 0.828 / 0.833 / 0.836.
LEXICAL_SHARE_UNMATCHED = 0.2
# Cosines mean the same from query to query, unlike bm25: a flat semantic list (no paper really
# close) must not be stretched to [0, 1]. Mapped from [COSINE_LOW, COSINE_HIGH] to [0, 1].
SEMANTIC_NORMALISE = "fixed"
LEXICAL_NORMALISE = "max"  # bm25 / the best bm25 ("minmax" sends a short list's last to 0)
COSINE_LOW, COSINE_HIGH = 0.2, 0.8
CONVEX_BOOST_SCALE = 10.0  # the boosts are sized for RRF scores (~1/61 for a first place)


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


def _normalised(ranking: Sequence[Candidate]) -> dict[int, float]:
    """Scores mapped to [0, 1] by the ranking's own range (best 1, worst 0)."""
    if not ranking:
        return {}
    high = max(c.score for c in ranking)
    low = min(c.score for c in ranking)
    span = high - low or 1.0
    return {c.paper_id: (c.score - low) / span for c in ranking}


def _by_max(ranking: Sequence[Candidate]) -> dict[int, float]:
    """Scores divided by the best one (bm25 is never negative): a short list's last paper,
    which matched the query's words, keeps most of its weight, as min-max would not."""
    high = max((c.score for c in ranking), default=0.0) or 1.0
    return {c.paper_id: max(0.0, c.score) / high for c in ranking}


def convex(
    lexical: Sequence[Candidate],
    semantic: Sequence[Candidate],
    share: float,
    semantic_weight: float = 1.0,
) -> dict[int, float]:
    """share × lexical + (1 − share) × weight × semantic, each normalised; absent counts 0."""
    lex = _normalised(lexical) if LEXICAL_NORMALISE == "minmax" else _by_max(lexical)
    if SEMANTIC_NORMALISE == "fixed":
        span = COSINE_HIGH - COSINE_LOW
        sem = {c.paper_id: min(1.0, max(0.0, (c.score - COSINE_LOW) / span)) for c in semantic}
    else:
        sem = _normalised(semantic)
    return {
        paper_id: share * lex.get(paper_id, 0.0)
        + (1 - share) * semantic_weight * sem.get(paper_id, 0.0)
        for paper_id in lex.keys() | sem.keys()
    }


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
    boosting = mode == "hybrid" and bool(query.terms)
    rows = _Rows(store)
    if FUSION == "convex":
        if LEXICAL_SHARE_UNMATCHED != LEXICAL_SHARE and lexical:
            # One read serves the share (the best keyword match's words) and the boosts (the
            # top's titles and authors): the top under either extreme share, fetched at once.
            first = lexical[0].paper_id
            likely = {first}
            if boosting:
                for share in (LEXICAL_SHARE, LEXICAL_SHARE_UNMATCHED):
                    likely.update(_top(convex(lexical, semantic, share, semantic_weight)))
            rows.fetch(likely, abstract_of=first)
            held = coverage_of(query, rows.get(first))
            share = LEXICAL_SHARE_UNMATCHED + (LEXICAL_SHARE - LEXICAL_SHARE_UNMATCHED) * held
        else:
            share = LEXICAL_SHARE
        fused = convex(lexical, semantic, share, semantic_weight)
    else:
        fused = rrf(rankings)
    if boosting and fused:
        # Boosts reorder the top; candidates further down would need more than a boost.
        top = _top(fused)
        rows.fetch(set(top))  # only those the first read did not bring (usually none)
        scale = CONVEX_BOOST_SCALE if FUSION == "convex" else 1.0
        for paper_id, boost in _boosts(query, [rows.get(i) for i in top]).items():
            fused[paper_id] += boost * scale
    order = sorted(fused.items(), key=lambda item: (-item[1], -item[0]))
    return [Candidate(paper_id, score) for paper_id, score in order]


def _top(fused: dict[int, float]) -> list[int]:
    return heapq.nlargest(BOOST_DEPTH, fused, key=fused.__getitem__)


def coverage_of(query: ParsedQuery, row: Any) -> float:
    """The share of the query's words (stemmed) that the paper's title and abstract hold (a
    row read with its abstract; None, a paper gone since it was ranked: 0)."""
    words = {analysis.stem(t) for t in query.terms} - {""}
    if not words:
        return 1.0
    if row is None:
        return 0.0
    held = analysis.stems_in(f"{row.title or ''} {row.abstract or ''}", words)
    return len(held) / len(words)


# The candidates' titles and authors by one array of ids (store/id_lists.py), and the abstract
# of one of them (the best keyword match, for its coverage): the other abstracts stay unread.
_FUSION_ROWS = for_dialect(
    lambda postgresql: select(
        Paper.id,
        Paper.title,
        Paper.authors,
        case((Paper.id == bindparam("abstract_of"), Paper.abstract), else_=None).label("abstract"),
    ).where(among(Paper.id, postgresql))
)


class _Rows:
    """The rows fusion needs, read by as few queries as the ids allow."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.by_id: dict[int, Any] = {}
        self.asked: set[int] = set()

    def fetch(self, ids: set[int], abstract_of: int | None = None) -> None:
        wanted = sorted(ids - self.asked)
        if not wanted:
            return
        self.asked.update(wanted)
        with self.store.session() as session:
            found = session.execute(
                _FUSION_ROWS(session), {"ids": wanted, "abstract_of": abstract_of or 0}
            )
            self.by_id.update((row.id, row) for row in found)

    def get(self, paper_id: int) -> Any:
        return self.by_id.get(paper_id)


def _boosts(query: ParsedQuery, rows: list[Any]) -> dict[int, float]:
    words = {analysis.stem(t) for t in query.terms} - {""}
    names = {analysis.name_tokens(t)[0] for t in query.terms if analysis.name_tokens(t)}
    boosts: dict[int, float] = {}
    for row in rows:
        if row is None:  # deleted since it was ranked
            continue
        boost = 0.0
        if len(words) >= 2 and words <= set(analysis.text_tokens(row.title or "")):
            boost += TITLE_BOOST
        authors = row.authors or []
        # Every author's name tokens at once first: a surname can only be among them.
        if names and authors and names & set(analysis.name_tokens(" ; ".join(authors))):
            surnames = {
                tokens[-1] for tokens in (analysis.name_tokens(a) for a in authors) if tokens
            }
            if names & surnames:
                boost += AUTHOR_BOOST
        if boost:
            boosts[row.id] = boost
    return boosts
