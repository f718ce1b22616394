"""Composing digests: what each subscriber's mail holds for a period.

Sections, in order (a paper appears once per digest, and once per subscriber across digests;
alerts choose first, then "for you", then trending, so a paper shows where its reason says most):
  1. trending: the period's trending papers, narrowed to the subscriber's categories and
     keywords when they chose some (all trending papers when none match);
  2. for you: picks from the period's papers learned from the linked account's upvotes and
     saved papers, each with its reason (rank/recommend.py);
  3. one alert per saved search: papers listed since the subscriber's last digest that match.

One `Composer` serves a whole run: the period's papers are read and analysed once, each topic
is matched once, and the recommender's features are shared, so composing for ten thousand
subscribers costs little more than the distinct topics among them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dailypapers.digest.periods import PeriodWindow
from dailypapers.digest.topics import PaperDoc, Topic, parse_topic, topic_matcher
from dailypapers.errors import InvalidInput
from dailypapers.rank.trending import trending
from dailypapers.store.models import DailyListing, DigestDelivery, DigestItem, Paper, Subscription

TRENDING_LIMIT = {"daily": 10, "weekly": 15}
FALLBACK_TRENDING = 5  # when the subscriber's topics match nothing this period
FOR_YOU_LIMIT = 5
ALERT_LIMIT = 10
ALERT_LOOKBACK_DAYS = 14  # how far back "since your last digest" may reach


@dataclass(slots=True)
class Pick:
    paper_id: int
    why: str = ""

    def as_dict(self) -> dict:
        return {"id": self.paper_id, "why": self.why}


@dataclass(slots=True)
class Section:
    kind: str  # trending | for_you | alert
    title: str
    picks: list[Pick] = field(default_factory=list)
    query: str | None = None

    def as_dict(self) -> dict:
        data = {"kind": self.kind, "title": self.title, "items": [p.as_dict() for p in self.picks]}
        if self.query is not None:
            data["query"] = self.query
        return data


@dataclass(slots=True)
class Digest:
    """One subscriber's digest for one period; `content` is what deliveries store."""

    window: PeriodWindow
    sections: list[Section]

    @property
    def paper_ids(self) -> list[int]:
        return [pick.paper_id for section in self.sections for pick in section.picks]

    @property
    def is_empty(self) -> bool:
        return not any(section.picks for section in self.sections)

    def content(self) -> dict:
        return {
            "v": 1,
            "period": self.window.period,
            "key": self.window.key,
            "window": [self.window.start.isoformat(), self.window.end.isoformat()],
            "sections": [s.as_dict() for s in self.sections if s.picks],
        }


class Composer:
    """Composes digests for one period window; build once per run."""

    def __init__(
        self,
        session: Session,
        window: PeriodWindow,
        *,
        recommender_factory=None,  # noqa: ANN001 - callable(session) -> Recommender
        lookback_days: int = ALERT_LOOKBACK_DAYS,
    ) -> None:
        self.session = session
        self.window = window
        self.earliest = window.start - timedelta(days=lookback_days)
        self._recommender_factory = recommender_factory
        self._recommender = None
        self._topic_hits: dict[str, list[int]] = {}
        ranked, _ = trending(session, reference=window.end, start=self.earliest, end=window.end)
        self.rank = {pid: i for i, pid in enumerate(ranked)}  # decayed-votes order
        self.docs = self._load_docs(ranked)
        self.in_window = [
            pid for pid in ranked if window.start <= self.docs[pid].listed_on <= window.end
        ]

    def _load_docs(self, ids: list[int]) -> dict[int, PaperDoc]:
        docs: dict[int, PaperDoc] = {}
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            rows = self.session.execute(
                select(
                    Paper.id,
                    Paper.title,
                    Paper.abstract,
                    Paper.authors,
                    Paper.categories,
                    DailyListing.date,
                )
                .join(DailyListing, DailyListing.paper_id == Paper.id)
                .where(Paper.id.in_(chunk))
            ).all()
            for r in rows:
                docs[r.id] = PaperDoc(
                    r.id,
                    r.title or "",
                    r.abstract or "",
                    r.authors or [],
                    r.categories or [],
                    r.date,
                )
        return docs

    @property
    def candidate_ids(self) -> list[int]:
        """Every paper any digest of this run may hold (for the bulk "already sent" lookup)."""
        return list(self.docs)

    def topic_hits(self, topic: Topic) -> list[int]:
        """Papers (in trending order, lookback included) that match `topic`; cached per run."""
        key = str(topic)
        hits = self._topic_hits.get(key)
        if hits is None:
            matcher = topic_matcher(topic)
            hits = [pid for pid in self.rank if matcher.matches(self.docs[pid])]
            self._topic_hits[key] = hits
        return hits

    def recommender(self):  # noqa: ANN201
        if self._recommender is None and self._recommender_factory is not None:
            self._recommender = self._recommender_factory(self.session)
        return self._recommender

    def compose(
        self,
        sub: Subscription,
        *,
        already_sent: Iterable[int] = (),
        since: date | None = None,
        liked: dict[int, str] | None = None,
    ) -> Digest:
        """The digest for `sub`; `since` is the first day its alerts cover (default: window)."""
        window = self.window
        used = set(already_sent)
        topics = []
        for text in sub.topics or []:
            try:
                topics.append(parse_topic(text))
            except InvalidInput:
                continue  # a topic that no longer parses never blocks the digest
        filters = [t for t in topics if t.kind != "search"]
        searches = [t for t in topics if t.kind == "search"]
        sections: list[Section] = []
        limit = TRENDING_LIMIT.get(window.period, 10)

        # What the reader asked for explicitly is chosen first: a paper matching a saved
        # search goes under that alert, then personal picks, then trending fills the rest.
        # Each paper is shown once, where its reason says the most.
        alerts = []
        alert_start = min(max(since or window.start, self.earliest), window.start)
        for topic in searches:
            hits = [
                pid
                for pid in self.topic_hits(topic)
                if pid not in used and alert_start <= self.docs[pid].listed_on <= window.end
            ][:ALERT_LIMIT]
            used.update(hits)
            picks = [Pick(pid, f"new for your search “{topic.value}”") for pid in hits]
            alerts.append(Section("alert", f"New for “{topic.value}”", picks, query=topic.value))

        for_you = None
        if sub.user_id is not None and self._recommender_factory is not None:
            candidates = [pid for pid in self.in_window if pid not in used]
            recommender = self.recommender()
            if candidates and recommender is not None:
                result = recommender.rank(sub.user_id, candidates, limit=FOR_YOU_LIMIT, liked=liked)
                picks = [
                    Pick(pid, reason.text)
                    for pid, reason in zip(result.paper_ids, result.reasons, strict=True)
                ]
                used.update(p.paper_id for p in picks)
                for_you = Section("for_you", "For you", picks)

        trending_section = Section("trending", "Trending")
        if filters:
            why: dict[int, str] = {}
            for topic in filters:
                for pid in self.topic_hits(topic):
                    why.setdefault(pid, f"matches your topic {topic.label}")
            matching = [pid for pid in self.in_window if pid in why and pid not in used]
            trending_section.title = "Trending in your topics"
            trending_section.picks = [Pick(pid, why[pid]) for pid in matching[:limit]]
        if not trending_section.picks:
            fallback = limit if not filters else FALLBACK_TRENDING
            trending_section.picks = [Pick(pid) for pid in self.in_window if pid not in used][
                :fallback
            ]
        sections.append(trending_section)
        if for_you is not None:
            sections.append(for_you)
        sections.extend(alerts)
        return Digest(window, sections)


def already_sent(
    session: Session, paper_ids: list[int], subscription_ids: list[int] | None = None
) -> dict[int, set[int]]:
    """subscription id -> the given papers already put in its digests (bounded by paper_ids)."""
    sent: dict[int, set[int]] = defaultdict(set)
    for start in range(0, len(paper_ids), 900):
        query = select(DigestItem.subscription_id, DigestItem.paper_id).where(
            DigestItem.paper_id.in_(paper_ids[start : start + 900])
        )
        if subscription_ids is not None:
            query = query.where(DigestItem.subscription_id.in_(subscription_ids))
        for sub_id, paper_id in session.execute(query):
            sent[sub_id].add(paper_id)
    return sent


def last_covered(session: Session, subscription_ids: list[int]) -> dict[int, date]:
    """subscription id -> the last listing day its sent digests covered."""
    result: dict[int, date] = {}
    for start in range(0, len(subscription_ids), 900):
        rows = session.execute(
            select(DigestDelivery.subscription_id, func.max(DigestDelivery.window_end))
            .where(
                DigestDelivery.subscription_id.in_(subscription_ids[start : start + 900]),
                DigestDelivery.status == "sent",
            )
            .group_by(DigestDelivery.subscription_id)
        )
        result.update({sub_id: end for sub_id, end in rows})
    return result
