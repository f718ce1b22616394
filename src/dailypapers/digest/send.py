"""Sending a period's digests exactly once per subscriber, across crashes and reruns.

A run holds a lock (lock.py) and works in two phases:

1. Intent. For every due subscriber without a delivery for this period, compose the digest
   and insert a `digest_deliveries` row (status "pending", its Message-ID and content fixed
   now) together with its `digest_items` — in one transaction per batch. The unique
   (subscription, period, key) makes a second digest for the period impossible; the items'
   primary key makes a paper impossible to send twice to one subscriber.
2. Delivery. For each pending row: mark it "sending" (committed) and hand the message to SMTP;
   once the whole message is with the server, but before the end of data (the final ".")
   without which a server throws a message away, mark it "sent" (committed), then send the
   end. Temporary failures (4xx, dropped connections) are retried with exponential backoff
   (a refused end of data puts the row back to "sending"); a 5xx for the recipient pauses the
   address; an address that fails PAUSE_AFTER_FAILURES digests in a row is paused; an
   unreachable server or refused credentials stop the run with the rest left pending.

The guarantee is **at most once**, and exactly once unless the process dies in the instant
between the "sent" commit and writing the end of data. By where a crash happens:
- before an intent batch commits: nothing of it exists; the rerun composes it again;
- after intent, before the "sent" commit: "pending" or "sending", and no server has the
  message (it never got its end): the rerun sends it (reported as resent);
- after the "sent" commit: the end of data follows at once and the server keeps the mail;
  the rerun never sends it again. Only a death in the microseconds between that commit and
  the write of the "." loses the digest — never a second copy. (The other order, "sent"
  after the server's 250, would resend in that window instead: RFC 1047's duplicate.)
`tests/digest/test_digest_crash.py` kills real `digest send` processes at the fault points
(`digest-intent`, `digest-sending`, `digest-data`, `digest-sent`; faults.py) and counts the
mails the server kept.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from dailypapers.config import Settings
from dailypapers.digest.compose import Composer, already_sent, last_covered
from dailypapers.digest.deliver import OPEN, RetryPolicy, deliver, open_deliveries, release
from dailypapers.digest.lock import run_lock
from dailypapers.digest.outbox import outbox_dir, transport_from_settings
from dailypapers.digest.periods import PeriodWindow, period_window
from dailypapers.digest.render import MailRenderer
from dailypapers.digest.transport import MailTransport
from dailypapers.errors import DailyPapersError
from dailypapers.faults import fault_point
from dailypapers.store.db import Store
from dailypapers.store.models import DigestDelivery, DigestItem, Subscription
from dailypapers.timeutil import utcnow

__all__ = ["DeliveryAborted", "DigestRun", "RetryPolicy", "RunReport", "send_digests"]

log = logging.getLogger(__name__)


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
    in_doubt: int = 0  # found "sending" from a dead run (never with a server): sent now
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
        workers: int = 1,
        recommender_factory=None,  # noqa: ANN001
    ) -> None:
        self.store = store
        self.settings = settings or store.settings
        today = today or utcnow().astimezone(self.settings.zone).date()
        self.window: PeriodWindow = period_window(period, today)
        self.transport = transport
        self.workers = max(1, workers)
        self.transports: list[MailTransport] = []
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
        if self.transport is not None:  # given (tests, benchmarks): one worker uses it
            self.transports = [self.transport]
        else:  # each worker its own connection; checked before anything is recorded
            url = self.settings.smtp_url
            outbox = outbox_dir(self.settings.data_dir)
            self.transports = [
                transport_from_settings(url, outbox=outbox) for _ in range(self.workers)
            ]
        with run_lock(self.store, f"digest-{self.window.period}"):
            self._expire_stale()
            self._plan(record=True)
            try:
                self._deliver_all()
            finally:
                for transport in self.transports:
                    transport.close()
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
                    fault_point("digest-intent")
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
                for delivery_id in stale:
                    release(session, delivery_id)
                session.execute(
                    update(DigestDelivery)
                    .where(DigestDelivery.id.in_(stale))
                    .values(status="expired")
                )
            self.report.expired += len(stale)

    # phase 2: delivery ---------------------------------------------------------------
    def _deliver_all(self) -> None:
        started = time.perf_counter()
        try:
            tally = deliver(
                self.store,
                self.window,
                renderer=self.renderer,
                transports=self.transports,
                retry=self.retry,
                sleep=self.sleep,
            )
        finally:
            self.report.send_seconds += time.perf_counter() - started
        report = self.report
        report.sent += tally.sent
        report.in_doubt += tally.in_doubt
        report.failed += tally.failed
        report.cancelled += tally.cancelled
        report.paused += tally.paused
        if tally.stopped_by is not None:
            error = tally.stopped_by
            with self.store.session() as session:
                report.pending = len(open_deliveries(session, self.window))
            report.aborted = str(error)
            raise DeliveryAborted(
                f"stopped: {error}; {report.pending} digest(s) left pending, run again to send "
                "them",
                report,
            )


def send_digests(
    store: Store, *, period: str, today: date | None = None, dry_run: bool = False, **kwargs
) -> RunReport:
    """Run the period's digests (the CLI and the scheduler call this)."""
    return DigestRun(store, period=period, today=today, **kwargs).run(dry_run=dry_run)
