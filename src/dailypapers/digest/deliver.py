"""Phase 2 of a digest run: hand each recorded digest to SMTP and record the outcome.

Each open delivery (pending, or "sending" left by a dead run) is marked "sending" (committed)
and handed to SMTP; once the whole message is with the server, and before the end of data that
lets the server keep it, it is marked "sent" (committed). See send.py for what that guarantees.
Several workers may share the work, each with its own database session and SMTP connection and
a disjoint set of deliveries, so a delivery is only ever in one worker's hands. Rendering is CPU
work, but the SMTP round trips and commits wait on I/O, which threads overlap.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from dailypapers.digest import subscriptions as subs
from dailypapers.digest.periods import PeriodWindow
from dailypapers.digest.render import MailRenderer, load_cards
from dailypapers.digest.transport import (
    MailConfigError,
    MailError,
    MailTransport,
    PermanentMailError,
    TransientMailError,
)
from dailypapers.faults import fault_point
from dailypapers.store.db import Store
from dailypapers.store.models import DigestDelivery, DigestItem, Subscription
from dailypapers.timeutil import utcnow

log = logging.getLogger(__name__)
OPEN = ("pending", "sending")
BATCH = 200


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
class Tally:
    sent: int = 0
    in_doubt: int = 0  # found "sending" from a dead run (never with a server): sent now
    failed: int = 0
    cancelled: int = 0  # unsubscribed or paused between intent and sending
    paused: list[str] = field(default_factory=list)
    stopped_by: MailError | None = None  # the error that stopped the run, if one did

    def add(self, other: Tally) -> None:
        self.sent += other.sent
        self.in_doubt += other.in_doubt
        self.failed += other.failed
        self.cancelled += other.cancelled
        self.paused += other.paused
        self.stopped_by = self.stopped_by or other.stopped_by


def open_deliveries(session: Session, window: PeriodWindow) -> list[int]:
    return list(
        session.scalars(
            select(DigestDelivery.id)
            .where(
                DigestDelivery.period == window.period,
                DigestDelivery.period_key == window.key,
                DigestDelivery.status.in_(OPEN),
            )
            .order_by(DigestDelivery.id)
        )
    )


DELIVERIES = DigestDelivery.__table__


def _mark(session: Session, delivery: DigestDelivery, **values: object) -> None:
    # A single-row Core UPDATE, not an ORM flush: two commits per message are the sender's
    # main database cost.
    session.connection().execute(
        update(DELIVERIES).where(DELIVERIES.c.id == delivery.id).values(**values)
    )


def release(session: Session, delivery_id: int) -> None:
    """A digest that will not arrive gives its papers back (they may come in a later one)."""
    session.execute(delete(DigestItem).where(DigestItem.delivery_id == delivery_id))


class Sender:
    """One worker: its own session and SMTP connection, for a list of delivery ids."""

    def __init__(
        self,
        store: Store,
        renderer: MailRenderer,
        transport: MailTransport,
        *,
        retry: RetryPolicy,
        sleep: Callable[[float], None],
        stop: threading.Event,
    ) -> None:
        self.store, self.renderer, self.transport = store, renderer, transport
        self.retry, self.sleep, self.stop = retry, sleep, stop
        self.tally = Tally()

    def run(self, ids: list[int]) -> Tally:
        with self.store.session() as session:
            for start in range(0, len(ids), BATCH):
                if self.stop.is_set():
                    break
                chunk = ids[start : start + BATCH]
                batch = list(
                    session.scalars(
                        select(DigestDelivery)
                        .where(DigestDelivery.id.in_(chunk), DigestDelivery.status.in_(OPEN))
                        .order_by(DigestDelivery.id)
                    )
                )
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
                    if self.stop.is_set():
                        break
                    self._deliver(session, delivery, owners[delivery.subscription_id], cards)
                session.expunge_all()
        return self.tally

    def _deliver(
        self, session: Session, delivery: DigestDelivery, sub: Subscription, cards
    ) -> None:  # noqa: ANN001
        tally = self.tally
        if subs.status_of(sub) != "active":
            _mark(session, delivery, status="cancelled")
            release(session, delivery.id)
            session.commit()
            tally.cancelled += 1
            return
        if delivery.status == "sending":
            tally.in_doubt += 1  # a dead run's: the server never got its end of data
        message = self.renderer.digest(
            sub, delivery.content, cards, message_id=delivery.message_id, date=delivery.created_at
        )
        _mark(
            session,
            delivery,
            status="sending",
            attempts=DELIVERIES.c.attempts + 1,
            attempted_at=utcnow(),
        )
        if not self.store.is_sqlite:
            # Losing this mark in a *database* crash only loses the "resent" label, so it
            # need not wait for the disk; the "sent" mark below does.
            session.execute(text("SET LOCAL synchronous_commit TO OFF"))
        session.commit()
        fault_point("digest-sending")
        error = self._send_with_retries(session, delivery, sub, message)
        if error is None:
            fault_point("digest-sent")
            if sub.failure_count:
                sub.failure_count = 0
                session.commit()
            tally.sent += 1
            return
        if isinstance(error, MailConfigError) or (
            isinstance(error, TransientMailError) and not error.recipient
        ):
            # The server, not this address: leave it pending and stop every worker.
            _mark(session, delivery, status="pending", last_error=str(error)[:1000])
            session.commit()
            tally.stopped_by = error
            self.stop.set()
            return
        _mark(session, delivery, status="failed", last_error=str(error)[:1000])
        release(session, delivery.id)
        permanent = isinstance(error, PermanentMailError)
        if subs.record_failure(sub, str(error), permanent=permanent):
            tally.paused.append(sub.email)
        session.commit()
        tally.failed += 1

    def _send_with_retries(
        self,
        session: Session,
        delivery: DigestDelivery,
        sub: Subscription,
        message,  # noqa: ANN001
    ) -> MailError | None:
        marked = False

        def mark_sent() -> None:
            # The whole message is with the server, which keeps it only once it gets the end
            # of data, sent after this commit: "sent" is recorded before the mail can exist.
            nonlocal marked
            fault_point("digest-data")
            _mark(session, delivery, status="sent", sent_at=utcnow(), last_error=None)
            session.commit()
            marked = True

        def unmark() -> None:
            nonlocal marked
            if marked:  # the server refused the end of data: not sent after all
                _mark(session, delivery, status="sending", sent_at=None)
                session.commit()
                marked = False

        for attempt in range(self.retry.attempts):
            try:
                self.transport.send(message, before_end=mark_sent)
                return None
            except (PermanentMailError, MailConfigError) as exc:
                unmark()
                return exc
            except TransientMailError as exc:
                unmark()
                if attempt + 1 >= self.retry.attempts or self.stop.is_set():
                    return exc
                delay = self.retry.delay(attempt)
                log.warning("temporary mail failure (%s); retrying in %.0f s", exc, delay)
                self.sleep(delay)
        return None  # pragma: no cover - the loop always returns


def deliver(
    store: Store,
    window: PeriodWindow,
    *,
    renderer: MailRenderer,
    transports: list[MailTransport],
    retry: RetryPolicy,
    sleep: Callable[[float], None],
) -> Tally:
    """Send every open delivery of the period, one worker per transport."""
    with store.session() as session:
        ids = open_deliveries(session, window)
    stop = threading.Event()
    senders = [Sender(store, renderer, t, retry=retry, sleep=sleep, stop=stop) for t in transports]
    shares = [ids[i :: len(senders)] for i in range(len(senders))]  # interleaved: even loads
    tally = Tally()
    if len(senders) == 1:
        tally.add(senders[0].run(shares[0]))
        return tally
    with ThreadPoolExecutor(len(senders), thread_name_prefix="digest-send") as pool:
        for result in pool.map(
            lambda pair: pair[0].run(pair[1]), zip(senders, shares, strict=True)
        ):
            tally.add(result)
    return tally
