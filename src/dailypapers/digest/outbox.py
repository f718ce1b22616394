"""The local outbox: where mail goes when no SMTP server is configured.

Like Django's file e-mail backend, each message is written as one `.eml` file (the exact bytes
SMTP would have carried) under `<data dir>/outbox/`, so a default install works end to end: the
admin reads confirmation links with `dailypapers outbox show N` or any mail program. Files are
written under a temporary name and renamed, so a reader never sees half a message; names start
with the UTC time, so sorting them sorts the mail by when it was written.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from dailypapers.digest.transport import OUTBOX_SUFFIX as SUFFIX


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
