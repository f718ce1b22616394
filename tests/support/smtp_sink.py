"""A real SMTP server (aiosmtpd) on 127.0.0.1 that records what it accepts, for digest tests.

`SmtpSink.refuse[address] = "550 ..."` refuses a recipient; `sink.transient[address] = n`
answers 451 to its first n deliveries; `sink.hold_at = k` makes the server stop before
acknowledging the k-th message (1-based) and every later one, counting them in `sink.held`,
until `sink.release` is set. A held message is kept all the same, as a real server queues a
message once its end of data arrives (the 250 is only the receipt), even if the client is gone;
a client that vanishes before the end of data leaves nothing (aiosmtpd drops the message).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: dict[str, str] = {}
        self.transient: dict[str, int] = {}
        self.hold_at: int | None = None
        self.holding = threading.Event()
        self.release = threading.Event()
        self.data_commands = 0
        self.held = 0  # messages waiting, unacknowledged, at hold_at or after
        self.changed = threading.Condition()
        self.auth_seen: list[str] = []
        self.controller: Controller | None = None

    # aiosmtpd handler hooks -----------------------------------------------------------
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201, N802
        if address in self.refuse:
            return self.refuse[address]
        if self.transient.get(address, 0) > 0:
            self.transient[address] -= 1
            return "451 4.7.1 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        self.data_commands += 1
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        with self.changed:  # kept from its end of data on, as a real server queues it
            self.messages.append(message)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.changed.notify_all()
        if self.hold_at is not None and self.data_commands >= self.hold_at:
            with self.changed:
                self.held += 1
                self.changed.notify_all()
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait)
        return "250 2.0.0 OK queued"

    # helpers -------------------------------------------------------------------------
    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def wait_held(self, count: int, timeout: float = 120.0) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.held >= count, timeout)

    def wait_for(self, count: int, timeout: float = 20.0) -> None:
        with self.changed:
            if not self.changed.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(f"expected {count} messages, got {len(self.messages)}")


def authenticator(users: dict[str, str]):  # noqa: ANN201
    def check(server, session, envelope, mechanism, auth_data):  # noqa: ANN001, ANN202
        if isinstance(auth_data, LoginPassword):
            user = auth_data.login.decode()
            ok = users.get(user) == auth_data.password.decode()
            return AuthResult(success=ok, handled=False)
        return AuthResult(success=False, handled=False)

    return check


def start_sink(sink: SmtpSink, **kwargs) -> Controller:
    """Start aiosmtpd for `sink` on a free loopback port; kwargs go to the controller."""
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    sink.controller = controller
    return controller


def sink_url(controller: Controller, scheme: str = "smtp", auth: str = "", query: str = "") -> str:
    return f"{scheme}://{auth}{controller.hostname}:{controller.port}{query}"
