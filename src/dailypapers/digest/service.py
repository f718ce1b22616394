"""What the web pages and the CLI ask of the digest package, one call each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from dailypapers.config import Settings
from dailypapers.digest import subscriptions as subs
from dailypapers.digest.compose import Composer, Digest, already_sent, last_covered
from dailypapers.digest.outbox import OutboxTransport, outbox_dir, transport_from_settings
from dailypapers.digest.periods import PeriodWindow, period_window
from dailypapers.digest.render import MailRenderer, load_cards
from dailypapers.digest.send import _default_recommender
from dailypapers.digest.tokens import Tokens
from dailypapers.digest.transport import MailError, MailTransport
from dailypapers.feed.queries import latest_day
from dailypapers.store.db import Store
from dailypapers.store.models import Subscription, User
from dailypapers.timeutil import utcnow


@dataclass(slots=True)
class SubscribeResult:
    subscription_id: int
    status: str
    mailed: str | None  # "confirm", "already", or None when throttled
    outbox: bool = False  # no mail server: the mail was written to the local outbox


class DigestService:
    """Subscriptions and previews for one site; the transport is made on first use."""

    def __init__(
        self, store: Store, settings: Settings | None = None, transport: MailTransport | None = None
    ) -> None:
        self.store = store
        self.settings = settings or store.settings
        self.tokens = Tokens(self.settings.secret())
        self.renderer = MailRenderer(self.settings, tokens=self.tokens)
        self._transport = transport

    @property
    def transport(self) -> MailTransport:
        if self._transport is None:
            self._transport = transport_from_settings(
                self.settings.smtp_url, outbox=outbox_dir(self.settings.data_dir)
            )
        return self._transport

    @property
    def uses_outbox(self) -> bool:
        """True when mail goes to the local outbox (no SMTP_URL), which pages say."""
        return isinstance(self.transport, OutboxTransport)

    def subscribe(
        self,
        *,
        email: str,
        frequency: str = "daily",
        topics: list[str] | None = None,
        user_id: int | None = None,
    ) -> SubscribeResult:
        """Record the request and send the confirmation (or settings-link) mail.

        A MailError propagates after the request is undone (a new subscription deleted, a
        changed one put back as it was), so nothing is half-created and the person can retry.
        """
        with self.store.session() as session:
            before = subs.find_by_email(session, subs.normalize_email(email))
            saved = subs.snapshot(before) if before is not None else None
            outcome = subs.subscribe(
                session, email=email, frequency=frequency, topics=topics, user_id=user_id
            )
            sub = outcome.subscription
            message = None
            if outcome.mail == "confirm":
                message = self.renderer.confirmation(sub)
            elif outcome.mail == "already":
                # Nothing changes without the owner: the mail links to their settings, with
                # the asked-for topics ready to add.
                message = self.renderer.already_subscribed(sub, add=topics or [])
            result = SubscribeResult(
                sub.id, subs.status_of(sub), outcome.mail, outbox=self.uses_outbox
            )
        if message is not None:
            # Sent after the commit: a slow mail server must not hold the database's write lock.
            try:
                self.transport.send(message)
            except MailError:
                with self.store.session() as session:
                    found = session.get(Subscription, result.subscription_id)
                    if found is not None and saved is None:
                        session.delete(found)
                    elif found is not None:
                        subs.restore(found, saved)
                raise
        return result

    def subscription(self, purpose: str, token: str) -> Subscription:
        """The subscription a link names (BadToken / ExpiredToken otherwise); detached."""
        claim = self.tokens.read(purpose, token)
        with self.store.session() as session:
            return subs.from_claim(session, claim)

    def confirm(self, token: str) -> Subscription:
        claim = self.tokens.read("confirm", token)
        with self.store.session() as session:
            sub = subs.from_claim(session, claim)
            subs.confirm(session, sub)
            return sub

    def unsubscribe(self, token: str) -> Subscription:
        """One-click unsubscribe (idempotent). Accepts unsubscribe and settings links."""
        try:
            claim = self.tokens.read("unsubscribe", token)
        except Exception:
            claim = self.tokens.read("manage", token)
        with self.store.session() as session:
            sub = subs.from_claim(session, claim)
            subs.unsubscribe(session, sub)
            return sub

    def update(
        self,
        token: str,
        *,
        frequency: str | None = None,
        topics: list[str] | None = None,
        resume: bool = False,
    ) -> Subscription:
        claim = self.tokens.read("manage", token)
        with self.store.session() as session:
            sub = subs.from_claim(session, claim)
            if sub.unsubscribed_at is not None:
                sub.unsubscribed_at = None  # changing settings after leaving means "back in"
            subs.update(session, sub, frequency=frequency, topics=topics)
            if resume:
                subs.resume(sub)
            return sub

    def add_topic_for_user(self, user_id: int, email: str | None, topic: str) -> SubscribeResult:
        """ "Save as alert" for a signed-in user: add to their subscription or start one."""
        with self.store.session() as session:
            sub = subs.for_user(session, user_id, email)
            # Only a subscription started from this account changes at once: an account's
            # address is not proven to be its owner's, the confirmation mail was.
            if sub is not None and sub.user_id == user_id and subs.status_of(sub) != "unsubscribed":
                subs.add_topic(session, sub, topic)
                return SubscribeResult(sub.id, subs.status_of(sub), None)
        if not email:
            raise subs.InvalidInput("add an email address to your account to get alerts")
        return self.subscribe(email=email, topics=[topic], user_id=user_id)

    def manage_link(self, sub: Subscription) -> str:
        return self.renderer.link("manage", sub)

    # previews ----------------------------------------------------------------------------
    def preview_subscription(self, user: User) -> Subscription:
        """The user's subscription, or the one they would get by subscribing (not saved)."""
        with self.store.session() as session:
            sub = subs.for_user(session, user.id, user.email)
            if sub is not None and subs.status_of(sub) != "unsubscribed":
                if sub.user_id is None:
                    sub.user_id = user.id  # detached: only this preview sees the link
                    session.expunge(sub)
                return sub
        return Subscription(
            id=0,
            email=user.email or f"{user.username}@localhost",
            user_id=user.id,
            frequency="daily",
            topics=[],
            token_key="preview",
        )

    def preview(
        self, sub: Subscription, *, period: str | None = None, window: PeriodWindow | None = None
    ) -> tuple[Digest, dict]:
        """The digest `sub` would get now (nothing recorded) and the cards to show it."""
        with self.store.session() as session:
            if window is None:
                window = preview_window(period or sub.frequency, self.settings, session)
            composer = Composer(session, window, recommender_factory=_default_recommender)
            sent = already_sent(session, composer.candidate_ids, [sub.id]) if sub.id else {}
            last = last_covered(session, [sub.id]).get(sub.id) if sub.id else None
            since = last.fromordinal(last.toordinal() + 1) if last else None
            digest = composer.compose(sub, already_sent=sent.get(sub.id, ()), since=since)
            cards = load_cards(session, digest.paper_ids, self.renderer.base_url)
        return digest, cards


def preview_window(period: str, settings: Settings, session: Session | None = None) -> PeriodWindow:
    """The window of the next digest; on an archive whose listings stopped, the last one."""
    today = utcnow().astimezone(settings.zone).date()
    if session is not None:
        latest = latest_day(session)
        if latest is not None and latest < today - timedelta(days=1):
            today = latest + timedelta(days=1)  # as if sent the day after the last listing
    while period == "daily" and today.weekday() >= 5:
        today += timedelta(days=1)
    return period_window(period, today)
