"""Recommendations learned from what a user upvoted and saved, each saying why.

As arxiv-sanity-lite does for a tag, a linear SVM is fitted per user over tf-idf features of
titles and abstracts: the user's papers are the positives, a fixed random sample of the corpus
the negatives. Candidates are ranked by the SVM's margin. Every pick carries two reasons:
the nearest paper the user upvoted or saved (cosine over the same features), and the words
whose weight × presence pushed the paper up most. The "For you" page and the digests call the
same `Recommender.rank`, so they agree.

The vocabulary is fitted once on the most recent CORPUS_LIMIT papers and kept in memory per
database until papers change (their count or newest `modified_at`); older papers a user liked
are vectorised on demand, so the cost does not grow with the archive.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC
from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session

from dailypapers.store.models import Paper, SavedPaper, Upvote

CORPUS_LIMIT = 20_000
NEGATIVES = 600
MIN_NEGATIVES = 50
MAX_POSITIVES = 300
NEAREST_MIN_SIMILARITY = 0.05  # below this the "because you upvoted" link is too weak to show
SEED = 1337


@dataclass(slots=True)
class Reason:
    """Why a paper was picked; `text` is what pages and mails show."""

    because_paper_id: int | None = None
    because_title: str | None = None
    because_kind: str | None = None  # "upvoted" | "saved"
    similarity: float = 0.0
    words: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        parts = []
        if self.because_title:
            parts.append(f"because you {self.because_kind} “{self.because_title}”")
        if self.words:
            parts.append("words that weighed most: " + ", ".join(self.words))
        return "; ".join(parts) or "close to what you liked"

    def as_dict(self) -> dict:
        return {
            "because_paper_id": self.because_paper_id,
            "because_title": self.because_title,
            "because_kind": self.because_kind,
            "similarity": round(self.similarity, 4),
            "words": self.words,
            "text": self.text,
        }


@dataclass(slots=True)
class Recommendations:
    """A ranker's result: (paper_ids, scores), best first, and one reason per pick."""

    paper_ids: list[int]
    scores: list[float]
    reasons: list[Reason]

    def __iter__(self):  # noqa: ANN204 - lets callers unpack (paper_ids, scores)
        return iter((self.paper_ids, self.scores))


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


def liked_papers(session: Session, user_id: int, limit: int = MAX_POSITIVES) -> dict[int, str]:
    """The papers a user upvoted or saved, newest first: paper id -> "upvoted" | "saved"."""
    upvoted = select(Upvote.paper_id, Upvote.created_at, literal("upvoted").label("kind"))
    saved = select(SavedPaper.paper_id, SavedPaper.created_at, literal("saved").label("kind"))
    both = union_all(
        upvoted.where(Upvote.user_id == user_id), saved.where(SavedPaper.user_id == user_id)
    ).subquery()
    rows = session.execute(select(both).order_by(both.c[1].desc()).limit(limit * 2)).all()
    liked: dict[int, str] = {}
    for paper_id, _, kind in rows:
        if paper_id not in liked or kind == "upvoted":  # an upvote is the stronger signal
            liked[paper_id] = kind
    return dict(list(liked.items())[:limit])


class Recommender:
    """Ranks candidate papers for a user; cheap to build once and call for many users."""

    def __init__(self, session: Session, *, features: Features | None = None) -> None:
        self.session = session
        self.features = features or load_features(session)
        rng = np.random.default_rng(SEED)
        count = min(NEGATIVES, len(self.features.ids))
        self._negatives = rng.choice(len(self.features.ids), size=count, replace=False)
        self._candidate_rows: dict[tuple[int, ...], sparse.csr_matrix] = {}

    def rank(
        self,
        user_id: int,
        candidate_ids: list[int],
        *,
        limit: int = 10,
        liked: dict[int, str] | None = None,
    ) -> Recommendations:
        """The best `limit` candidates for the user, with reasons; empty if nothing is liked."""
        liked = liked if liked is not None else liked_papers(self.session, user_id)
        candidates = [pid for pid in candidate_ids if pid not in liked]
        if not liked or not candidates:
            return Recommendations([], [], [])
        features = self.features
        positive_ids = list(liked)
        positives = features.rows(self.session, positive_ids)
        # Candidates are what is being ranked, so none of them should serve as a negative;
        # on a small site there may be nothing else, and then everything unliked is one.
        excluded = liked.keys() | set(candidates)
        negative_rows = [r for r in self._negatives if int(features.ids[r]) not in excluded]
        if len(negative_rows) < MIN_NEGATIVES:
            negative_rows = [r for r in self._negatives if int(features.ids[r]) not in liked]
        negatives = features.matrix[negative_rows]
        x = sparse.vstack([positives, negatives], format="csr")
        y = np.zeros(x.shape[0], dtype=np.int8)
        y[: len(positive_ids)] = 1
        if positives.nnz == 0 or negatives.shape[0] == 0:
            return Recommendations([], [], [])
        svm = LinearSVC(class_weight="balanced", C=0.1, max_iter=5000, tol=1e-5)
        svm.fit(x, y)
        weights = svm.coef_.ravel().astype(np.float32)
        key = tuple(candidates)
        cand = self._candidate_rows.get(key)
        if cand is None:
            cand = features.rows(self.session, candidates)
            if len(self._candidate_rows) > 64:
                self._candidate_rows.clear()
            self._candidate_rows[key] = cand
        scores = cand @ weights + svm.intercept_[0]
        order = np.argsort(-scores, kind="stable")[:limit]
        similarity = (cand[order] @ positives.T).toarray()  # rows are L2-normalised: cosine
        picks, picked_scores, reasons = [], [], []
        for rank, row in enumerate(order):
            picks.append(candidates[row])
            picked_scores.append(float(scores[row]))
            reasons.append(self._reason(cand[row], weights, similarity[rank], positive_ids, liked))
        return Recommendations(picks, picked_scores, reasons)

    def _reason(
        self,
        row: sparse.csr_matrix,
        weights: np.ndarray,
        similarity: np.ndarray,
        positive_ids: list[int],
        liked: dict[int, str],
    ) -> Reason:
        reason = Reason()
        if similarity.size:
            best = int(np.argmax(similarity))
            if similarity[best] >= NEAREST_MIN_SIMILARITY:
                pid = positive_ids[best]
                reason.because_paper_id = pid
                reason.because_title = self.features.titles.get(pid) or self._title(pid)
                reason.because_kind = liked[pid]
                reason.similarity = float(similarity[best])
        contributions = row.data * weights[row.indices]
        top = np.argsort(-contributions)[:3]
        reason.words = [
            str(self.features.words[row.indices[i]]) for i in top if contributions[i] > 0
        ]
        return reason

    def _title(self, paper_id: int) -> str | None:
        title = self.session.scalar(select(Paper.title).where(Paper.id == paper_id))
        if title:
            self.features.titles[paper_id] = title
        return title


def recommend(
    session: Session, user_id: int, candidate_ids: list[int], *, limit: int = 10
) -> Recommendations:
    """One user's picks among `candidate_ids` (the "For you" page and previews)."""
    return Recommender(session).rank(user_id, candidate_ids, limit=limit)


FOR_YOU_DAYS = 14


def for_you(session: Session, user_id: int, *, limit: int = 30, days: int = FOR_YOU_DAYS):  # noqa: ANN201
    """The "For you" page: picks among the papers listed in the last `days` listing days.

    Returns (Recommendations, cards in the same order). The days count back from the newest
    listing day, so an archive whose listings stopped still has a page.
    """
    from datetime import timedelta

    from dailypapers.feed.cards import load_cards
    from dailypapers.feed.queries import latest_day
    from dailypapers.store.models import DailyListing

    newest = latest_day(session)
    if newest is None:
        return Recommendations([], [], []), []
    candidates = list(
        session.scalars(
            select(DailyListing.paper_id)
            .join(Paper, Paper.id == DailyListing.paper_id)
            .where(
                DailyListing.date.between(newest - timedelta(days=days - 1), newest),
                Paper.hidden.is_(False),
            )
        )
    )
    picks = Recommender(session).rank(user_id, candidates, limit=limit)
    return picks, load_cards(session, picks.paper_ids, user_id=user_id)


def set_saved(session: Session, user_id: int, paper_id: int, saved: bool) -> bool:
    """Save a paper for later (a signal for recommendations) or drop it; idempotent."""
    row = session.get(SavedPaper, (user_id, paper_id))
    if saved and row is None:
        session.add(SavedPaper(user_id=user_id, paper_id=paper_id))
    elif not saved and row is not None:
        session.delete(row)
    return saved


def saved_papers(session: Session, user_id: int, *, limit: int = 500) -> list[int]:
    """The ids of the papers a user saved, the most recently saved first (hidden ones left out)."""
    return list(
        session.scalars(
            select(SavedPaper.paper_id)
            .join(Paper, Paper.id == SavedPaper.paper_id)
            .where(SavedPaper.user_id == user_id, Paper.hidden.is_(False))
            .order_by(SavedPaper.created_at.desc(), SavedPaper.paper_id.desc())
            .limit(limit)
        )
    )


def saved_ids(session: Session, user_id: int, paper_ids: list[int]) -> set[int]:
    if not paper_ids:
        return set()
    return set(
        session.scalars(
            select(SavedPaper.paper_id).where(
                SavedPaper.user_id == user_id, SavedPaper.paper_id.in_(paper_ids)
            )
        )
    )
