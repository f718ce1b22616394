"""Mail transports: one small protocol and the SMTP implementation (local ones: outbox.py).

SMTP_URL forms (see docs/digests.md):

    smtp://host[:port]                  plain SMTP (port 25)
    smtp://host:587?starttls=1          STARTTLS on a plain connection
    smtp+starttls://host[:port]         the same (port 587)
    smtps://host[:port]                 TLS from the first byte (port 465)
    smtp://user:password@host:port      AUTH after TLS (user and password are URL-decoded)

Query options: `timeout=` seconds (default 30), `cafile=` a CA bundle to verify the server
against (default: the system's), `starttls=1`.

Errors are sorted into what the sender must do about them: retry later (`TransientMailError`),
give up on this address (`PermanentMailError`), or stop the whole run (`MailConfigError`).
"""

from __future__ import annotations

import smtplib
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from dailypapers.digest.mime import OutgoingMail, from_message
from dailypapers.digest.smtp_data import transaction
from dailypapers.errors import DailyPapersError

DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
TRUE = {"1", "true", "yes", "on"}
IDLE_PROBE = 10.0  # seconds a kept connection may idle before it is probed with NOOP


class MailError(DailyPapersError):
    """A message could not be handed to the mail server."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class TransientMailError(MailError):
    """Try again later: a 4xx reply, a dropped connection, a timeout.

    `recipient` is True when the server refused this recipient only (451 greylisting, 452 mailbox
    full); False when the server itself could not be reached or gave up.
    """

    def __init__(self, message: str, *, code: int | None = None, recipient: bool = False) -> None:
        super().__init__(message, code=code)
        self.recipient = recipient


class PermanentMailError(MailError):
    """A 5xx reply for this message or recipient: sending it again will not help."""


class MailConfigError(MailError):
    """The server refuses us, whatever the message (bad credentials, sender refused, no TLS)."""


class MailTransport(Protocol):
    """Hands finished messages to a mail server; tests and benchmarks swap it."""

    def send(
        self, message: OutgoingMail | Message, *, before_end: Callable[[], None] | None = None
    ) -> None:
        """Deliver one message or raise a MailError; returning means the server accepted it.

        `before_end` runs once the whole message is with the server but before the end of
        data that lets the server keep it: the sender records "sent" there (deliver.py), so a
        crash can never leave a delivered message that the database says is unsent. If it
        raises, the message is abandoned (the server discards a message without its end).
        """
        ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    security: str  # "plain" | "starttls" | "tls"
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    cafile: str | None = None


def parse_smtp_url(url: str) -> SmtpConfig:
    """Read SMTP_URL; raise MailConfigError with a message saying which part is wrong."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise MailConfigError(
            f"SMTP_URL must start with smtp://, smtps:// or smtp+starttls:// (got {url!r})"
        )
    if not parts.hostname:
        raise MailConfigError(f"SMTP_URL has no host: {url!r}")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    security = {"smtp": "plain", "smtp+starttls": "starttls", "smtps": "tls"}[scheme]
    if scheme == "smtp" and query.get("starttls", "").lower() in TRUE:
        security = "starttls"
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
        timeout = float(query.get("timeout", 30))
    except ValueError as exc:
        raise MailConfigError(f"SMTP_URL has a bad port or timeout: {exc}") from None
    return SmtpConfig(
        host=parts.hostname,
        port=port,
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        timeout=timeout,
        cafile=query.get("cafile"),
    )


def as_outgoing(message: OutgoingMail | Message) -> OutgoingMail:
    mail = message if isinstance(message, OutgoingMail) else from_message(message)
    if not mail.recipients:
        raise PermanentMailError("the message has no recipient")
    return mail


class SMTPTransport:
    """Sends over one kept-open SMTP connection, reconnecting after any error."""

    def __init__(self, config: SmtpConfig, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self.config = config
        self._context = ssl_context
        self._smtp: smtplib.SMTP | None = None
        self._last_used = 0.0
        self._lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, **kwargs: object) -> SMTPTransport:
        return cls(parse_smtp_url(url), **kwargs)  # type: ignore[arg-type]

    def _ssl_context(self) -> ssl.SSLContext:
        if self._context is None:
            self._context = ssl.create_default_context(cafile=self.config.cafile)
        return self._context

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        try:
            if cfg.security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    cfg.host, cfg.port, timeout=cfg.timeout, context=self._ssl_context()
                )
            else:
                smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
            smtp.ehlo_or_helo_if_needed()
            if cfg.security == "starttls":
                if not smtp.has_extn("starttls"):
                    smtp.close()
                    raise MailConfigError(f"{cfg.host}:{cfg.port} does not offer STARTTLS")
                smtp.starttls(context=self._ssl_context())
                smtp.ehlo()
            if cfg.username:
                smtp.login(cfg.username, cfg.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise MailConfigError(f"SMTP login refused: {exc.smtp_code} {_text(exc)}") from None
        except smtplib.SMTPNotSupportedError as exc:
            raise MailConfigError(f"SMTP server does not support this: {exc}") from None
        except ssl.SSLCertVerificationError as exc:
            raise MailConfigError(f"SMTP server certificate not trusted: {exc}") from None
        except smtplib.SMTPResponseException as exc:
            raise _classify(exc) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientMailError(f"cannot reach {cfg.host}:{cfg.port}: {exc}") from None
        return smtp

    def send(
        self, message: OutgoingMail | Message, *, before_end: Callable[[], None] | None = None
    ) -> None:
        mail = as_outgoing(message)
        with self._lock:
            try:
                self._check_idle()
                if self._smtp is None:
                    self._smtp = self._connect()
                refused = transaction(self._smtp, mail, before_end)
                self._last_used = time.monotonic()
            except smtplib.SMTPRecipientsRefused as exc:
                self._reset()
                code, text = next(iter(exc.recipients.values()))
                raise _reply_error(code, text, recipient=True) from None
            except smtplib.SMTPSenderRefused as exc:
                self._drop()
                if exc.smtp_code >= 500:
                    raise MailConfigError(
                        f"sender {exc.sender!r} refused: {exc.smtp_code} {_text(exc)}",
                        code=exc.smtp_code,
                    ) from None
                raise TransientMailError(
                    f"sender refused for now: {exc.smtp_code} {_text(exc)}", code=exc.smtp_code
                ) from None
            except smtplib.SMTPResponseException as exc:
                self._drop()
                raise _classify(exc) from None
            except MailError:
                self._drop()
                raise
            except (OSError, smtplib.SMTPException) as exc:
                self._drop()
                raise TransientMailError(f"connection lost: {exc}") from None
            except BaseException:
                # `before_end` failed (or the process is being stopped): close without the
                # end of data, so the server throws the message away.
                self._drop()
                raise
        if refused:  # only possible with several recipients; one of ours was refused
            code, text = next(iter(refused.values()))
            raise _reply_error(code, text, recipient=True)

    def _check_idle(self) -> None:
        """Servers close idle connections; probe one that sat idle before reusing it.

        Only after IDLE_PROBE seconds, so bulk sending pays nothing; a probe that fails
        means a fresh connection, never a resent message.
        """
        if self._smtp is None or time.monotonic() - self._last_used < IDLE_PROBE:
            return
        try:
            code, _ = self._smtp.noop()
            if code == 250:
                return
        except (OSError, smtplib.SMTPException):
            pass
        self._drop()

    def _reset(self) -> None:
        """After a refused recipient the session is still good: RSET and keep it."""
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.close()
            except OSError:
                pass

    def close(self) -> None:
        with self._lock:
            smtp, self._smtp = self._smtp, None
            if smtp is not None:
                try:
                    smtp.quit()
                except (OSError, smtplib.SMTPException):
                    smtp.close()


def _text(exc: smtplib.SMTPResponseException) -> str:
    raw = exc.smtp_error
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def _reply_error(code: int, text: bytes | str, *, recipient: bool = False) -> MailError:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if 400 <= code < 500:
        return TransientMailError(f"{code} {text}", code=code, recipient=recipient)
    return PermanentMailError(f"{code} {text}", code=code)


def _classify(exc: smtplib.SMTPResponseException) -> MailError:
    if exc.smtp_code == 421 or exc.smtp_code < 400:  # 421: the server is closing the channel
        return TransientMailError(f"{exc.smtp_code} {_text(exc)}", code=exc.smtp_code)
    return _reply_error(exc.smtp_code, _text(exc))
