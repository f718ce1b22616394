"""Subscriptions: subscribe (double opt-in), confirm, change, pause, resume, stop.

Nothing but the confirmation mail goes to an address before its owner confirms. Subscribing
an address that is already subscribed changes nothing (anyone can type any address): its owner
gets a mail with their settings link instead. Confirmation mails to one address are throttled.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dailypapers.digest.tokens import BadToken, TokenClaim
from dailypapers.digest.topics import normalize_topics
from dailypapers.errors import InvalidInput, NotFound
from dailypapers.store.models import Subscription
from dailypapers.timeutil import utcnow

FREQUENCIES = ("daily", "weekly")
EMAIL = re.compile(
    r"^[^@\s<>\"(),;:]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)
CONFIRM_THROTTLE = timedelta(minutes=10)
PAUSE_AFTER_FAILURES = 3


def normalize_email(email: str) -> str:
    """The address as stored: trimmed, domain lower-cased; InvalidInput if it is not one."""
    email = (email or "").strip()
    if len(email) > 254 or not EMAIL.match(email):
        raise InvalidInput(f"not an email address: {email[:80]!r}")
    local, domain = email.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def validate_frequency(frequency: str) -> str:
    frequency = (frequency or "").strip().lower()
    if frequency not in FREQUENCIES:
        raise InvalidInput("frequency is daily (weekdays) or weekly")
    return frequency


def status_of(sub: Subscription) -> str:
    """pending | active | paused | unsubscribed — what lists and the settings page show."""
    if sub.unsubscribed_at is not None:
        return "unsubscribed"
    if sub.confirmed_at is None:
        return "pending"
    if sub.paused_at is not None:
        return "paused"
    return "active"


@dataclass(slots=True)
class SubscribeOutcome:
    subscription: Subscription
    # which mail to send now: "confirm", "already" (settings link), or None (throttled)
    mail: str | None


def find_by_email(session: Session, email: str) -> Subscription | None:
    return session.scalar(select(Subscription).where(Subscription.email == email))


def subscribe(
    session: Session,
    *,
    email: str,
    frequency: str = "daily",
    topics: list[str] | None = None,
    user_id: int | None = None,
    now: datetime | None = None,
) -> SubscribeOutcome:
    """Start (or restart) a subscription awaiting confirmation; see the module doc."""
    now = now or utcnow()
    email = normalize_email(email)
    frequency = validate_frequency(frequency)
    topics = normalize_topics(topics or [])
    sub = find_by_email(session, email)
    if sub is None:
        sub = Subscription(email=email, frequency=frequency, topics=topics, user_id=user_id)
        sub.token_key = secrets.token_hex(8)
        session.add(sub)
        session.flush()
        return SubscribeOutcome(sub, _mark_sent(sub, "confirm", now))
    if sub.user_id is None and user_id is not None:
        sub.user_id = user_id
    state = status_of(sub)
    if state == "unsubscribed":
        # A fresh start: new links (old ones stop working), consent asked again.
        sub.unsubscribed_at = sub.confirmed_at = sub.paused_at = None
        sub.pause_reason, sub.failure_count = None, 0
        sub.token_key = secrets.token_hex(8)
        sub.confirmation_sent_at = None
        sub.frequency, sub.topics = frequency, topics
        return SubscribeOutcome(sub, _mark_sent(sub, "confirm", now))
    if state == "pending":
        # e.g. the subscribe box, then "save as alert": both requests count until confirmed
        sub.frequency = frequency
        sub.topics = normalize_topics([*(sub.topics or []), *topics])
        return SubscribeOutcome(sub, _mark_sent(sub, "confirm", now))
    return SubscribeOutcome(sub, _mark_sent(sub, "already", now))


def snapshot(sub: Subscription) -> dict[str, object]:
    """The row's values, to put back with `restore` when a request must be undone."""
    return {column.key: getattr(sub, column.key) for column in Subscription.__table__.columns}


def restore(sub: Subscription, values: dict[str, object]) -> None:
    for key, value in values.items():
        if key != "id":
            setattr(sub, key, value)


def _mark_sent(sub: Subscription, mail: str, now: datetime) -> str | None:
    last = sub.confirmation_sent_at
    if last is not None and now - last < CONFIRM_THROTTLE:
        return None
    sub.confirmation_sent_at = now
    return mail


def from_claim(session: Session, claim: TokenClaim) -> Subscription:
    """The subscription a verified token names; BadToken if it was revoked or deleted."""
    sub = session.get(Subscription, claim.subscription_id)
    if sub is None or not secrets.compare_digest(sub.token_key or "", claim.token_key):
        raise BadToken("this link is no longer valid")
    return sub


def confirm(session: Session, sub: Subscription, *, now: datetime | None = None) -> bool:
    """Confirm (idempotent); True if this call confirmed it."""
    if sub.unsubscribed_at is not None:
        raise BadToken("this subscription was stopped; subscribe again to restart it")
    if sub.confirmed_at is not None:
        return False
    sub.confirmed_at = now or utcnow()
    return True


def unsubscribe(session: Session, sub: Subscription, *, now: datetime | None = None) -> bool:
    """Stop every mail to the address (idempotent); True if this call stopped it."""
    if sub.unsubscribed_at is not None:
        return False
    sub.unsubscribed_at = now or utcnow()
    return True


def update(
    session: Session,
    sub: Subscription,
    *,
    frequency: str | None = None,
    topics: list[str] | None = None,
) -> Subscription:
    if frequency is not None:
        sub.frequency = validate_frequency(frequency)
    if topics is not None:
        sub.topics = normalize_topics(topics)
    return sub


def add_topic(session: Session, sub: Subscription, topic: str) -> Subscription:
    """Add one topic (e.g. `search:<query>` from the search page's "save as alert")."""
    sub.topics = normalize_topics([*(sub.topics or []), topic])
    return sub


def pause(sub: Subscription, reason: str, *, now: datetime | None = None) -> None:
    if sub.paused_at is None:
        sub.paused_at = now or utcnow()
    sub.pause_reason = reason[:500]


def resume(sub: Subscription) -> None:
    sub.paused_at, sub.pause_reason, sub.failure_count = None, None, 0


def record_failure(sub: Subscription, error: str, *, permanent: bool) -> bool:
    """Count a failed digest; pause the address if it is hopeless. True if now paused."""
    sub.failure_count = (sub.failure_count or 0) + 1
    if permanent or sub.failure_count >= PAUSE_AFTER_FAILURES:
        how = "refused" if permanent else f"failed {sub.failure_count} times in a row"
        pause(sub, f"delivery {how}: {error}")
        return True
    return False


def add_subscribers(
    session: Session,
    emails: list[str],
    *,
    frequency: str = "daily",
    topics: list[str] | None = None,
    confirmed: bool = False,
) -> tuple[list[Subscription], list[Subscription]]:
    """Admin import: (new subscriptions, already present). Existing ones are left as they are."""
    frequency = validate_frequency(frequency)
    topics = normalize_topics(topics or [])
    normalized = list(dict.fromkeys(normalize_email(e) for e in emails))
    existing = {
        s.email: s
        for s in session.scalars(select(Subscription).where(Subscription.email.in_(normalized)))
    }
    created, kept = [], []
    now = utcnow()
    for email in normalized:
        if email in existing:
            kept.append(existing[email])
            continue
        sub = Subscription(
            email=email,
            frequency=frequency,
            topics=list(topics),
            token_key=secrets.token_hex(8),
            confirmed_at=now if confirmed else None,
        )
        session.add(sub)
        created.append(sub)
    session.flush()
    return created, kept


def get(session: Session, subscription_id: int) -> Subscription:
    sub = session.get(Subscription, subscription_id)
    if sub is None:
        raise NotFound(f"no subscription {subscription_id}")
    return sub


def for_user(session: Session, user_id: int, email: str | None = None) -> Subscription | None:
    """The subscription linked to an account (or to its address)."""
    sub = session.scalar(
        select(Subscription).where(Subscription.user_id == user_id).order_by(Subscription.id)
    )
    if sub is None and email:
        try:
            sub = find_by_email(session, normalize_email(email))
        except InvalidInput:
            return None
    return sub


def as_dict(sub: Subscription) -> dict:
    return {
        "id": sub.id,
        "email": sub.email,
        "status": status_of(sub),
        "frequency": sub.frequency,
        "topics": list(sub.topics or []),
        "user_id": sub.user_id,
        "created_at": sub.created_at.isoformat() if sub.created_at else None,
        "confirmed_at": sub.confirmed_at.isoformat() if sub.confirmed_at else None,
        "unsubscribed_at": sub.unsubscribed_at.isoformat() if sub.unsubscribed_at else None,
        "paused_at": sub.paused_at.isoformat() if sub.paused_at else None,
        "pause_reason": sub.pause_reason,
        "failure_count": sub.failure_count or 0,
    }
