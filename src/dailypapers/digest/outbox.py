"""The local outbox: where mail goes when no SMTP server is configured.

Like Django's file e-mail backend, each message is written as one `.eml` file (the exact bytes
SMTP would have carried) under `<data dir>/outbox/`, so a default install works end to end: the
admin reads confirmation links with `dailypapers outbox show N` or any mail program. Files are
written under a temporary name and renamed, so a reader never sees half a message; names start
with the UTC time, so sorting them sorts the mail by when it was written. `MemoryTransport`
keeps mail in a list instead (previews, tests); `transport_from_settings` picks SMTP or the outbox.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from pathlib import Path

from dailypapers.digest.mime import OutgoingMail
from dailypapers.digest.transport import (
    MailConfigError,
    MailTransport,
    SMTPTransport,
    as_outgoing,
)
from dailypapers.timeutil import utcnow


@dataclass
class MemoryTransport:
    """Keeps messages in a list (previews, tests); `fail` lets tests script failures."""

    sent: list[OutgoingMail] = field(default_factory=list)
    closed: bool = False

    def send(
        self, message: OutgoingMail | Message, *, before_end: Callable[[], None] | None = None
    ) -> None:
        mail = as_outgoing(message)
        if before_end is not None:
            before_end()
        self.sent.append(mail)

    def close(self) -> None:
        self.closed = True


SUFFIX = ".eml"


class OutboxTransport:
    """A MailTransport that writes each message to a file instead of sending it."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def send(
        self, message: OutgoingMail | Message, *, before_end: Callable[[], None] | None = None
    ) -> None:
        mail = as_outgoing(message)
        to = ", ".join(mail.recipients)
        envelope = f"X-Envelope-From: {mail.sender}\r\nX-Envelope-To: {to}\r\n"
        name = f"{utcnow():%Y%m%d-%H%M%S-%f}-{secrets.token_hex(3)}{SUFFIX}"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".tmp")
            with os.fdopen(fd, "wb") as file:
                file.write(envelope.encode("ascii", "replace") + mail.data)
            if before_end is not None:
                try:
                    before_end()
                except BaseException:
                    os.unlink(temporary)  # abandoned: no half-sent file is left
                    raise
            os.replace(temporary, self.directory / name)
        except OSError as exc:
            # The same sort of error as a refused SMTP login: no message can be written.
            raise MailConfigError(f"cannot write to the outbox {self.directory}: {exc}") from None

    def close(self) -> None:
        pass


def transport_from_settings(smtp_url: str | None, *, outbox: Path | None = None) -> MailTransport:
    """The transport SMTP_URL names; without one, the file outbox `outbox` (if given).

    A default install has no mail server: its mail goes to `<data dir>/outbox/` so that
    subscribing and digests still work end to end (see docs/digests.md).
    """
    if not smtp_url:
        if outbox is not None:
            return OutboxTransport(outbox)
        raise MailConfigError("SMTP_URL is not set: mail cannot be sent (see docs/digests.md)")
    return SMTPTransport.from_url(smtp_url)


def outbox_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "outbox"


@dataclass(frozen=True, slots=True)
class OutboxMail:
    number: int  # 1 = the oldest; what `dailypapers outbox show N` takes
    path: Path
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))

    @property
    def to(self) -> str:
        return str(self.message.get("To", ""))

    @property
    def date(self) -> str:
        return str(self.message.get("Date", ""))

    def text(self) -> str:
        """The plain-text part (the confirmation link is in it), decoded."""
        part = self.message.get_body(preferencelist=("plain", "html"))
        return part.get_content() if part is not None else ""


def read_outbox(directory: Path) -> list[OutboxMail]:
    """Every mail in the outbox, oldest first, numbered from 1."""
    if not Path(directory).is_dir():
        return []
    paths = sorted(p for p in Path(directory).iterdir() if p.suffix == SUFFIX and p.is_file())
    parser = BytesParser(policy=policy.default)
    return [
        OutboxMail(number, path, parser.parsebytes(path.read_bytes()))  # type: ignore[arg-type]
        for number, path in enumerate(paths, start=1)
    ]
