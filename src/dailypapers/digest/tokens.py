"""Signed, expiring links for subscribers: no password, the link is the credential.

A token signs (purpose, subscription id, the subscription's token key) with the site secret.
The purpose is the itsdangerous salt, so a confirmation token cannot open the settings page and
vice versa; the token key lets a subscription revoke every link handed out before.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from dailypapers.errors import DailyPapersError

# How long each kind of link works. Unsubscribe links outlive the others on purpose: a mail
# read months later must still let its reader leave.
MAX_AGE = {
    "confirm": timedelta(days=3),
    "manage": timedelta(days=60),
    "unsubscribe": timedelta(days=400),
}


class BadToken(DailyPapersError):
    """A link that was altered, belongs to another purpose, or was revoked."""


class ExpiredToken(BadToken):
    """A genuine link that is too old; `subscription_id` says whose it was."""

    def __init__(self, message: str, subscription_id: int | None) -> None:
        super().__init__(message)
        self.subscription_id = subscription_id


@dataclass(frozen=True, slots=True)
class TokenClaim:
    purpose: str
    subscription_id: int
    token_key: str


class Tokens:
    """Makes and checks the links of one site (one secret); `clock` lets tests move time."""

    def __init__(self, secret: str, *, clock: Callable[[], float] = time.time) -> None:
        self.secret = secret
        self._signer = type(
            "ClockedSigner", (TimestampSigner,), {"get_timestamp": lambda _self: int(clock())}
        )

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        if purpose not in MAX_AGE:
            raise ValueError(f"unknown token purpose {purpose!r}")
        return URLSafeTimedSerializer(
            self.secret, salt=f"dailypapers.digest.{purpose}", signer=self._signer
        )

    def make(self, purpose: str, subscription_id: int, token_key: str) -> str:
        return self._serializer(purpose).dumps([subscription_id, token_key])

    def read(self, purpose: str, token: str) -> TokenClaim:
        """The claim in `token`, or BadToken / ExpiredToken."""
        serializer = self._serializer(purpose)
        max_age = int(MAX_AGE[purpose].total_seconds())
        try:
            payload = serializer.loads(token, max_age=max_age)
        except SignatureExpired as exc:
            subscription_id = None
            if exc.payload is not None:
                try:
                    subscription_id = int(serializer.load_payload(exc.payload)[0])
                except (BadSignature, TypeError, ValueError, IndexError):
                    subscription_id = None
            raise ExpiredToken("this link has expired", subscription_id) from None
        except BadSignature:
            raise BadToken("this link is not valid (it may have been cut or altered)") from None
        try:
            subscription_id, token_key = int(payload[0]), str(payload[1])
        except (TypeError, ValueError, IndexError, KeyError):
            raise BadToken("this link is not valid") from None
        return TokenClaim(purpose, subscription_id, token_key)
