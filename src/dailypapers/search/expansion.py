"""Related words for the hybrid's keyword half: a reader's "picture" also asks for "photo".

A half-remembered paper is described in the reader's words, not the abstract's ("spin around an
object from one photo" for a paper on novel-view synthesis from a single image). The keyword half
then matches little, so each word of such a query (more than `LONG_QUERY_WORDS` words: a shorter
one names a paper) also asks, at a lower weight, for its nearest words in the shipped static
model's vocabulary (the word vectors model2vec distilled from MiniLM): at least `MIN_COSINE`
alike, at most `NEIGHBOURS` per word, weighted by `WEIGHT` × cosine. Words that share a stem
with the query's own are left out (the stemmer already finds them), and so are stop words. Pure
keyword search (mode=lexical) is not expanded: there a word means that word. The caller
(`lexical/tantivy/query.py`) decides when; this module says what.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from dailypapers.search import analysis
from dailypapers.search.query import QUERY_STOPWORDS

# Chosen on benchmarks/queries/dev.jsonl and hard-dev.jsonl (docs/search.md, "related words").
NEIGHBOURS = 2  # per query word; 0 turns expansion off
MIN_COSINE = 0.7
WEIGHT = 0.6
_MIN_LETTERS = 3
_KEPT = 16  # nearest words of other stems kept per word (NEIGHBOURS of them are asked)
# Each word's nearest words are worked out once per process (a query's words repeat across
# queries): ~0.3 ms a word the first time, a dict lookup after.
_CACHED_WORDS = 50_000
_nearest: dict[str, tuple[tuple[str, str, float], ...]] = {}
# Reading all 21k × 256 floats per query takes ~2 ms (memory-bound): a first pass over the
# leading PCA dimensions (model2vec stores them first, 70 % of the variance in 96) keeps 256
# candidates per term, then they are scored exactly. On the dev queries' 700 words this kept
# every word of cosine ≥ 0.7 among the exact top 10.
_COARSE_DIMS = 96
_COARSE_KEEP = 256


@lru_cache(maxsize=1)
def _numpy_blas():  # noqa: ANN202 (threadpoolctl's controller)
    """numpy's own OpenBLAS (not faiss's), to be held to one thread while expanding: its idle
    threads spin for a while after each call, and on two cores that slowed every request of
    the server after it (hybrid 15-17 → 30-37 ms p50 at 1M; one thread: +2-3 ms). Two
    requests expanding at once can leave it at one thread (each restores what it found), which
    is harmless here; a numpy built on another BLAS selects nothing and is left alone."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController().select(prefix="libscipy_openblas")


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """The static model's whole English words, their stems, unit vectors and the vectors'
    leading dimensions (loaded once)."""
    from dailypapers.search.embed.models import STATIC, get_embedder

    embedder = get_embedder(STATIC)
    words = sorted(
        word
        for word in embedder.tokenizer.get_vocab()
        if len(word) >= _MIN_LETTERS
        and word.isascii()
        and word.isalpha()
        and word not in QUERY_STOPWORDS
        and word not in analysis.PHRASE_STOPWORDS
    )
    stems = [" ".join(analysis.text_tokens(word)) for word in words]
    vectors = embedder.embed(words)
    return words, stems, vectors, np.ascontiguousarray(vectors[:, :_COARSE_DIMS])


def related_words(terms: list[str]) -> list[tuple[str, float]]:
    """Up to NEIGHBOURS related words per term with their weights, best first: each a stem no
    query word has, each stem once (at the largest weight any term gives it)."""
    if NEIGHBOURS <= 0 or not terms:
        return []
    keys = [term.lower() for term in terms]
    nearest = {key: _nearest.get(key) for key in keys}
    missing = [key for key, found in nearest.items() if found is None]
    if missing:
        with _numpy_blas().limit(limits=1):
            computed = _nearest_words(missing)
        if len(_nearest) + len(computed) > _CACHED_WORDS:
            _nearest.clear()
        _nearest.update(computed)
        nearest.update(computed)
    taken = {stem for term in terms for stem in analysis.text_tokens(term)}
    best: dict[str, tuple[str, float]] = {}  # stem → (word, weight)
    for key in keys:
        kept: set[str] = set()
        for stem, word, cosine in nearest[key] or ():
            if cosine < MIN_COSINE or len(kept) >= NEIGHBOURS:
                break
            if stem in taken or stem in kept:
                continue
            kept.add(stem)
            weight = WEIGHT * cosine
            if weight > best.get(stem, ("", 0.0))[1]:
                best[stem] = (word, weight)
    return sorted(best.values(), key=lambda item: -item[1])


def _nearest_words(keys: list[str]) -> dict[str, tuple[tuple[str, str, float], ...]]:
    """Each word's nearest vocabulary words as (stem, word, cosine), best first: one per stem,
    not its own stem, at most _KEPT (a word the model has no tokens for: none)."""
    from dailypapers.search.embed.models import STATIC, get_embedder

    words, word_stems, vectors, coarse = _vocabulary()
    queries = get_embedder(STATIC).embed(keys)
    rough = queries[:, : coarse.shape[1]] @ coarse.T  # terms × words
    keep = min(_COARSE_KEEP, len(words) - 1)
    candidates = np.argpartition(-rough, keep, axis=1)[:, :keep]
    out: dict[str, tuple[tuple[str, str, float], ...]] = {}
    for key, rows, query in zip(keys, candidates, queries, strict=True):
        own = set(analysis.text_tokens(key))
        exact = vectors[rows] @ query
        order = np.argsort(-exact)
        found: list[tuple[str, str, float]] = []
        seen: set[str] = set()
        for row, cosine in zip(rows[order].tolist(), exact[order].tolist(), strict=True):
            stem = word_stems[row]
            if cosine <= 0 or len(found) >= _KEPT:
                break
            if stem and stem not in own and stem not in seen:
                seen.add(stem)
                found.append((stem, words[row], cosine))
        out[key] = tuple(found)
    return out
