"""One SMTP mail transaction, as `smtplib.SMTP.sendmail` runs it, with a hook before the end.

The hook runs when the whole message is with the server but before the final "." without which
the server throws the message away: the digest sender records "sent" there (digest/send.py).
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Callable

from dailypapers.digest.mime import OutgoingMail

_LEADING_DOT = re.compile(rb"(?m)^\.")


def transaction(
    smtp: smtplib.SMTP, mail: OutgoingMail, before_end: Callable[[], None] | None
) -> dict[str, tuple[int, bytes]]:
    """`smtplib.SMTP.sendmail`, with `before_end` between the message and its final "."

    Returns the refused recipients (when some, not all, were refused), as sendmail does.
    """
    smtp.ehlo_or_helo_if_needed()
    options = [f"size={len(mail.data)}"] if smtp.does_esmtp and smtp.has_extn("size") else []
    code, reply = smtp.mail(mail.sender, options)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, reply, mail.sender)
    refused: dict[str, tuple[int, bytes]] = {}
    for recipient in mail.recipients:
        code, reply = smtp.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = (code, reply)
            if code == 421:
                raise smtplib.SMTPRecipientsRefused(refused)
    if len(refused) == len(mail.recipients):
        raise smtplib.SMTPRecipientsRefused(refused)
    code, reply = smtp.docmd("data")
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    body = _LEADING_DOT.sub(b"..", mail.data)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    smtp.send(body)
    if before_end is not None:
        before_end()
    smtp.send(b".\r\n")
    code, reply = smtp.getreply()
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)
    return refused
