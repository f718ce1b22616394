"""Sending a period's digests exactly once per subscriber, across crashes and reruns.

A run holds a lock (lock.py) and works in two phases:

1. Intent. For every due subscriber without a delivery for this period, compose the digest
   and insert a `digest_deliveries` row (status "pending", its Message-ID and content fixed
   now) together with its `digest_items` — in one transaction per batch. The unique
   (subscription, period, key) makes a second digest for the period impossible; the items'
   primary key makes a paper impossible to send twice to one subscriber.
2. Delivery. For each pending row: mark it "sending" (committed), hand the message to SMTP,
   and on the server's 250 reply mark it "sent" (committed at once). Temporary failures
   (4xx, dropped connections) are retried with exponential backoff; a 5xx for the recipient
   pauses the address; an address that fails PAUSE_AFTER_FAILURES digests in a row is paused;
   an unreachable server or refused credentials stop the run with the rest left pending.

What a rerun after a crash does, by where the crash happened:
- before an intent batch commits: nothing of it exists; the rerun composes it again;
- after intent, before the message was handed over: "pending" or "sending" — sent now;
- between the server's 250 and the "sent" commit (microseconds): the row says "sending", so
  the rerun cannot know the mail arrived and sends it again, with the same Message-ID, which
  mail stores use to drop the copy. This is the one window SMTP cannot close (RFC 1047);
  the run reports such resends as "in doubt". Everywhere else: exactly once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, delete, exists, select, text, update
from sqlalchemy.orm import Session

from dailypapers.config import Settings
from dailypapers.digest import subscriptions as subs
from dailypapers.digest.compose import Composer, already_sent, last_covered
from dailypapers.digest.lock import run_lock
from dailypapers.digest.periods import PeriodWindow, period_window
from dailypapers.digest.render import MailRenderer, load_cards
from dailypapers.digest.transport import (
    MailConfigError,
    MailError,
    MailTransport,
    PermanentMailError,
    TransientMailError,
    transport_from_settings,
)
from dailypapers.errors import DailyPapersError
from dailypapers.store.db import Store
from dailypapers.store.models import DigestDelivery, DigestItem, Subscription
from dailypapers.timeutil import utcnow

log = logging.getLogger(__name__)
OPEN = ("pending", "sending")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Attempts per message within one run and the pause before each retry."""

    attempts: int = 4
    base: float = 2.0
    factor: float = 3.0
    maximum: float = 120.0

    def delay(self, retry: int) -> float:
        return min(self.maximum, self.base * self.factor**retry)


@dataclass
class RunReport:
    period: str
    key: str
    window: tuple[str, str]
    dry_run: bool = False
    due: int = 0  # subscribers without a digest for this period when the run began
    planned: int = 0  # digests whose intent this run recorded
    empty: int = 0  # due subscribers with nothing new to send
    sent: int = 0
    in_doubt: int = 0  # found "sending" from a dead run: resent with the same Message-ID
    failed: int = 0
    cancelled: int = 0  # unsubscribed or paused between intent and sending
    expired: int = 0  # open deliveries of an earlier period, dropped
    pending: int = 0  # left for the next run (the run stopped early)
    paused: list[str] = field(default_factory=list)
    compose_seconds: float = 0.0
    send_seconds: float = 0.0
    aborted: str | None = None
    previews: list[dict] = field(default_factory=list)  # dry runs: what would be sent

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}


class DeliveryAborted(DailyPapersError):
    """The run stopped before sending everything; `report` says how far it got."""

    def __init__(self, message: str, report: RunReport) -> None:
        super().__init__(message)
        self.report = report


def _default_recommender(session: Session):  # noqa: ANN202
    from dailypapers.rank.recommend import Recommender

    return Recommender(session)


class DigestRun:
    """One `digest send` for a period; see the module doc for the guarantees."""

    def __init__(
        self,
        store: Store,
        *,
        period: str,
        today: date | None = None,
        settings: Settings | None = None,
        transport: MailTransport | None = None,
        renderer: MailRenderer | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        batch_size: int = 500,
        recommender_factory=None,  # noqa: ANN001
    ) -> None:
        self.store = store
        self.settings = settings or store.settings
        today = today or utcnow().astimezone(self.settings.zone).date()
        self.window: PeriodWindow = period_window(period, today)
        self.transport = transport
        self.renderer = renderer or MailRenderer(self.settings)
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.batch_size = batch_size
        self.recommender_factory = recommender_factory or _default_recommender
        w = self.window
        self.report = RunReport(w.period, w.key, (w.start.isoformat(), w.end.isoformat()))

    def run(self, *, dry_run: bool = False) -> RunReport:
        self.report.dry_run = dry_run
        if dry_run:
            self._plan(record=False)
            return self.report
        if self.transport is None:
            self.transport = transport_from_settings(self.settings.smtp_url)
        with run_lock(self.store, f"digest-{self.window.period}"):
            self._expire_stale()
            self._plan(record=True)
            try:
                self._deliver_all()
            finally:
                self.transport.close()
        return self.report

    # phase 1: intent -----------------------------------------------------------------
    def _due(self, session: Session, after: int) -> list[Subscription]:
        w = self.window
        has_delivery = exists().where(
            DigestDelivery.subscription_id == Subscription.id,
            DigestDelivery.period == w.period,
            DigestDelivery.period_key == w.key,
        )
        return list(
            session.scalars(
                select(Subscription)
                .where(
                    Subscription.id > after,
                    Subscription.frequency == w.period,
                    Subscription.confirmed_at.is_not(None),
                    Subscription.unsubscribed_at.is_(None),
                    Subscription.paused_at.is_(None),
                    ~has_delivery,
                )
                .order_by(Subscription.id)
                .limit(self.batch_size)
            )
        )

    def _plan(self, *, record: bool) -> None:
        started = time.perf_counter()
        with self.store.session() as session:
            composer = Composer(session, self.window, recommender_factory=self.recommender_factory)
            candidates = composer.candidate_ids
            after = 0
            while batch := self._due(session, after):
                after = batch[-1].id
                ids = [s.id for s in batch]
                sent = already_sent(session, candidates, ids) if candidates else {}
                covered = last_covered(session, ids)
                intents = []
                for sub in batch:
                    self.report.due += 1
                    last = covered.get(sub.id)
                    since = last.fromordinal(last.toordinal() + 1) if last else None
                    digest = composer.compose(sub, already_sent=sent.get(sub.id, ()), since=since)
                    if digest.is_empty:
                        self.report.empty += 1
                        continue
                    if not record:
                        self.report.planned += 1
                        if len(self.report.previews) < 50:
                            self.report.previews.append(
                                {"email": sub.email, "papers": len(digest.paper_ids)}
                            )
                        continue
                    delivery = DigestDelivery(
                        subscription_id=sub.id,
                        period=self.window.period,
                        period_key=self.window.key,
                        window_start=self.window.start,
                        window_end=self.window.end,
                        message_id=self.renderer.new_message_id(self.window.key, sub.id),
                        status="pending",
                        attempts=0,
                        content=digest.content(),
                    )
                    intents.append((delivery, digest.paper_ids))
                if intents:
                    session.add_all([d for d, _ in intents])
                    session.flush()
                    session.execute(
                        DigestItem.__table__.insert(),
                        [
                            {
                                "subscription_id": d.subscription_id,
                                "paper_id": p,
                                "delivery_id": d.id,
                            }
                            for d, paper_ids in intents
                            for p in paper_ids
                        ],
                    )
                    session.commit()  # intent is durable before anything is sent
                    self.report.planned += len(intents)
                session.expunge_all()
        self.report.compose_seconds += time.perf_counter() - started

    def _expire_stale(self) -> None:
        """Open deliveries of an earlier period are dropped: this period's digest covers them."""
        w = self.window
        with self.store.session() as session:
            stale = list(
                session.scalars(
                    select(DigestDelivery.id).where(
                        DigestDelivery.period == w.period,
                        DigestDelivery.period_key != w.key,
                        DigestDelivery.status.in_(OPEN),
                    )
                )
            )
            if stale:
                session.execute(delete(DigestItem).where(DigestItem.delivery_id.in_(stale)))
                session.execute(
                    update(DigestDelivery)
                    .where(DigestDelivery.id.in_(stale))
                    .values(status="expired")
                )
            self.report.expired += len(stale)

    # phase 2: delivery ---------------------------------------------------------------
    def _deliver_all(self) -> None:
        started = time.perf_counter()
        w = self.window
        try:
            with self.store.session() as session:
                after = 0
                while True:
                    batch = list(
                        session.scalars(
                            select(DigestDelivery)
                            .where(
                                DigestDelivery.period == w.period,
                                DigestDelivery.period_key == w.key,
                                DigestDelivery.status.in_(OPEN),
                                DigestDelivery.id > after,
                            )
                            .order_by(DigestDelivery.id)
                            .limit(200)
                        )
                    )
                    if not batch:
                        break
                    after = batch[-1].id
                    paper_ids = [
                        item["id"]
                        for d in batch
                        for section in d.content.get("sections", [])
                        for item in section["items"]
                    ]
                    cards = load_cards(session, paper_ids, self.renderer.base_url)
                    owners = {
                        s.id: s
                        for s in session.scalars(
                            select(Subscription).where(
                                Subscription.id.in_({d.subscription_id for d in batch})
                            )
                        )
                    }
                    for delivery in batch:
                        self._deliver(session, delivery, owners[delivery.subscription_id], cards)
                    session.expunge_all()
        except DeliveryAborted:
            raise
        finally:
            self.report.send_seconds += time.perf_counter() - started

    def _deliver(
        self, session: Session, delivery: DigestDelivery, sub: Subscription, cards
    ) -> None:  # noqa: ANN001
        report = self.report
        if subs.status_of(sub) != "active":
            delivery.status = "cancelled"
            _release(session, delivery)
            session.commit()
            report.cancelled += 1
            return
        if delivery.status == "sending":
            report.in_doubt += 1
        message = self.renderer.digest(
            sub, delivery.content, cards, message_id=delivery.message_id, date=delivery.created_at
        )
        delivery.status = "sending"
        delivery.attempts = (delivery.attempts or 0) + 1
        delivery.attempted_at = utcnow()
        if not self.store.is_sqlite:
            # Losing this mark in a *database* crash only loses the "in doubt" label, so it
            # need not wait for the disk; the "sent" mark below does.
            session.execute(text("SET LOCAL synchronous_commit TO OFF"))
        session.commit()
        error = self._send_with_retries(message)
        if error is None:
            delivery.status, delivery.sent_at, delivery.last_error = "sent", utcnow(), None
            sub.failure_count = 0
            session.commit()
            report.sent += 1
            return
        delivery.last_error = str(error)[:1000]
        if isinstance(error, MailConfigError) or (
            isinstance(error, TransientMailError) and not error.recipient
        ):
            delivery.status = "pending"
            session.commit()
            report.aborted = f"{error}"
            report.pending = self._count_open(session)
            raise DeliveryAborted(
                f"stopped: {error}; {report.pending} digest(s) left pending, run again to send "
                "them",
                report,
            )
        permanent = isinstance(error, PermanentMailError)
        delivery.status = "failed"
        _release(session, delivery)
        if subs.record_failure(sub, str(error), permanent=permanent):
            report.paused.append(sub.email)
        session.commit()
        report.failed += 1

    def _send_with_retries(self, message) -> MailError | None:  # noqa: ANN001
        assert self.transport is not None
        for attempt in range(self.retry.attempts):
            try:
                self.transport.send(message)
                return None
            except (PermanentMailError, MailConfigError) as exc:
                return exc
            except TransientMailError as exc:
                if attempt + 1 >= self.retry.attempts:
                    return exc
                delay = self.retry.delay(attempt)
                log.warning("temporary mail failure (%s); retrying in %.0f s", exc, delay)
                self.sleep(delay)
        return None  # pragma: no cover - the loop always returns

    def _count_open(self, session: Session) -> int:
        w = self.window
        return len(
            session.scalars(
                select(DigestDelivery.id).where(
                    and_(
                        DigestDelivery.period == w.period,
                        DigestDelivery.period_key == w.key,
                        DigestDelivery.status.in_(OPEN),
                    )
                )
            ).all()
        )


def _release(session: Session, delivery: DigestDelivery) -> None:
    """A digest that will not arrive gives its papers back (they may come in a later one)."""
    session.execute(delete(DigestItem).where(DigestItem.delivery_id == delivery.id))


def send_digests(
    store: Store, *, period: str, today: date | None = None, dry_run: bool = False, **kwargs
) -> RunReport:
    """Run the period's digests (the CLI and the scheduler call this)."""
    return DigestRun(store, period=period, today=today, **kwargs).run(dry_run=dry_run)
