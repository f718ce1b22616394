"""Related words for the hybrid's keyword half: a reader's "picture" also asks for "image".

A half-remembered paper is described in the reader's words, not the abstract's ("spin around an
object from one photo" for a paper on novel-view synthesis from a single image). The keyword half
then matches little, so each query word also asks, at a lower weight, for its nearest words in
the shipped static model's vocabulary (the word vectors model2vec distilled from MiniLM): at
least `MIN_COSINE` alike, at most `NEIGHBOURS` per word, weighted by `WEIGHT` × cosine. Words
that share a stem with the query's own are left out (the stemmer already finds them), and so are
stop words. Pure keyword search (mode=lexical) is not expanded: there a word means that word.
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
_SCAN = 64  # nearest words looked at per term (most share its stem)


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[list[str], list[str], np.ndarray]:
    """The static model's whole English words, their stems and unit vectors (loaded once)."""
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
    return words, stems, embedder.embed(words)


def related_words(terms: list[str]) -> list[tuple[str, float]]:
    """Up to NEIGHBOURS related words per term with their weights, best first: each a stem no
    query word has, each stem once (at the largest weight any term gives it)."""
    if NEIGHBOURS <= 0 or not terms:
        return []
    from dailypapers.search.embed.models import STATIC, get_embedder

    words, word_stems, vectors = _vocabulary()
    taken = {stem for term in terms for stem in analysis.text_tokens(term)}
    queries = get_embedder(STATIC).embed([term.lower() for term in terms])
    similarities = vectors @ queries.T  # words × terms
    scan = min(_SCAN, len(words) - 1)
    nearest = np.argpartition(-similarities, scan, axis=0)[:scan]
    best: dict[str, tuple[str, float]] = {}  # stem → (word, weight)
    for column in range(len(terms)):
        rows = nearest[:, column]
        kept: set[str] = set()
        for row in rows[np.argsort(-similarities[rows, column])]:
            cosine = float(similarities[row, column])
            if cosine < MIN_COSINE or len(kept) >= NEIGHBOURS:
                break  # (a term the model has no tokens for has cosine 0 to every word)
            stem = word_stems[row]
            if not stem or stem in taken or stem in kept:
                continue
            kept.add(stem)
            weight = WEIGHT * cosine
            if weight > best.get(stem, ("", 0.0))[1]:
                best[stem] = (words[row], weight)
    return sorted(best.values(), key=lambda item: -item[1])
