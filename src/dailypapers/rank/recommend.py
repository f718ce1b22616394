"""Recommendations learned from what a user upvoted, saved, collected and read, each saying why.

As arxiv-sanity-lite does for a tag, a linear SVM is fitted per user over tf-idf features of
titles and abstracts (rank/features.py): the user's papers are the positives (rank/signals.py);
a fixed random sample of the corpus, and every paper the user marked "not interested" (weighted
more), the negatives. Candidates are ranked by the SVM's margin; papers marked not interested
are never candidates. Every pick carries two reasons: the nearest paper the user liked (cosine
over the same features), and the words whose weight × presence pushed the paper up most. The
"For you" page and the digests call the same `Recommender.rank`, so they agree.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.svm import LinearSVC
from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.rank.features import Features, load_features
from dailypapers.rank.reasons import Reason, Recommendations
from dailypapers.rank.signals import liked_papers, not_interested
from dailypapers.store.models import Paper

__all__ = ["Reason", "Recommendations", "Recommender", "for_you", "liked_papers", "recommend"]

NEGATIVES = 600
MIN_NEGATIVES = 50
NOT_INTERESTED_WEIGHT = 3.0  # one explicit "not interested" counts as much as three random papers
NEAREST_MIN_SIMILARITY = 0.05  # below this the "because you upvoted" link is too weak to show
SEED = 1337


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
        disliked = not_interested(self.session, user_id)
        dropped = set(disliked)
        candidates = [pid for pid in candidate_ids if pid not in liked and pid not in dropped]
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
        explicit = [pid for pid in disliked if pid not in liked]
        explicit_rows = features.rows(self.session, explicit)
        negatives = sparse.vstack([explicit_rows, features.matrix[negative_rows]], format="csr")
        x = sparse.vstack([positives, negatives], format="csr")
        y = np.zeros(x.shape[0], dtype=np.int8)
        y[: len(positive_ids)] = 1
        weight = np.ones(x.shape[0], dtype=np.float64)
        weight[len(positive_ids) : len(positive_ids) + len(explicit)] = NOT_INTERESTED_WEIGHT
        if positives.nnz == 0 or negatives.shape[0] == 0:
            return Recommendations([], [], [])
        svm = LinearSVC(class_weight="balanced", C=0.1, max_iter=5000, tol=1e-5)
        svm.fit(x, y, sample_weight=weight)
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
