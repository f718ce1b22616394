"""tf-idf features of titles and abstracts, fitted once per database and cached.

The vocabulary is fitted on the most recent CORPUS_LIMIT papers and kept in memory per
database until papers change (their count or newest `modified_at`); older papers a user liked
are vectorised on demand, so the cost does not grow with the archive.
"""

from __future__ import annotations

import threading

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dailypapers.store.models import Paper

CORPUS_LIMIT = 20_000


def paper_text(title: str | None, abstract: str | None) -> str:
    return f"{title or ''}. {title or ''}. {abstract or ''}"  # the title counts twice


class Features:
    """tf-idf rows for a corpus of papers, plus on-demand rows for papers outside it."""

    def __init__(self, ids: list[int], texts: list[str], titles: dict[int, str]) -> None:
        self.vectorizer = TfidfVectorizer(
            # Single words: bigrams cost 7x the fitting time here (1 s vs 7 s at 12k papers)
            # for no visible gain in picks, and single words read better as reasons.
            max_features=30_000,
            # A small site (or a test) has few papers: rare words are all there is to learn from.
            min_df=2 if len(ids) >= 200 else 1,
            max_df=0.15 if len(ids) >= 1000 else 0.6,
            stop_words="english",
            sublinear_tf=True,
            dtype=np.float32,
            # words start with a letter: numbers and years carry no topic
            token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9_-]+\b",
        )
        if len(ids) >= 2:
            self.matrix = self.vectorizer.fit_transform(texts).tocsr()
        else:  # too few papers to learn a vocabulary from
            self.vectorizer.set_params(min_df=1, max_df=1.0)
            self.matrix = self.vectorizer.fit_transform(texts or ["empty"]).tocsr()[: len(ids)]
        self.ids = np.asarray(ids, dtype=np.int64)
        self.row_of = {paper_id: row for row, paper_id in enumerate(ids)}
        self.titles = titles
        self.words = self.vectorizer.get_feature_names_out()

    def rows(self, session: Session, paper_ids: list[int]) -> sparse.csr_matrix:
        """Feature rows in the order of `paper_ids`, vectorising papers outside the corpus."""
        width = self.matrix.shape[1]
        inside = [self.row_of.get(pid, -1) for pid in paper_ids]
        if all(row >= 0 for row in inside):
            return self.matrix[inside]
        missing = [pid for pid, row in zip(paper_ids, inside, strict=True) if row < 0]
        found = session.execute(
            select(Paper.id, Paper.title, Paper.abstract).where(Paper.id.in_(missing))
        ).all()
        for paper_id, title, _ in found:
            self.titles.setdefault(paper_id, title)
        extra = sparse.csr_matrix((0, width), dtype=np.float32)
        if found:
            extra = self.vectorizer.transform([paper_text(t, a) for _, t, a in found]).tocsr()
        extra_row = {row.id: i for i, row in enumerate(found)}
        # Stack corpus rows, the new rows and one empty row (for ids that no longer exist),
        # then pick them in the asked order.
        stacked = sparse.vstack(
            [self.matrix, extra, sparse.csr_matrix((1, width), dtype=np.float32)], format="csr"
        )
        corpus, empty = self.matrix.shape[0], self.matrix.shape[0] + extra.shape[0]
        order = [
            row if row >= 0 else (corpus + extra_row[pid] if pid in extra_row else empty)
            for pid, row in zip(paper_ids, inside, strict=True)
        ]
        return stacked[order]


_cache_lock = threading.Lock()
_cache: dict[str, tuple[tuple, Features]] = {}


def _fingerprint(session: Session) -> tuple:
    count, newest = session.execute(select(func.count(Paper.id), func.max(Paper.modified_at))).one()
    return (count, str(newest))


def load_features(session: Session, *, corpus_limit: int = CORPUS_LIMIT) -> Features:
    """The features for this database, rebuilt only when its papers changed."""
    key = str(session.get_bind().url)
    fingerprint = (*_fingerprint(session), corpus_limit)
    with _cache_lock:
        cached = _cache.get(key)
        if cached and cached[0] == fingerprint:
            return cached[1]
    rows = session.execute(
        select(Paper.id, Paper.title, Paper.abstract)
        .where(Paper.hidden.is_(False))
        .order_by(Paper.id.desc())  # ids grow with arrival: the newest papers
        .limit(corpus_limit)
    ).all()
    features = Features(
        [r.id for r in rows],
        [paper_text(r.title, r.abstract) for r in rows],
        {r.id: r.title for r in rows},
    )
    with _cache_lock:
        _cache[key] = (fingerprint, features)
    return features
