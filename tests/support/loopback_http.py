"""A real HTTP server on 127.0.0.1 for tests of the clients that talk to arXiv.

A test gives a handler `(Request) -> Reply`; the server runs it on its own thread per request and
logs every request, so the client's real HTTP code path (httpx, sockets, timeouts) is exercised.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass
class Request:
    path: str
    params: dict[str, str]  # the last value of each query parameter
    headers: dict[str, str]


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/xml; charset=utf-8"


Handler = Callable[[Request], Reply]


class LoopbackServer:
    """Serves `handler` on 127.0.0.1 (a free port) until `stop()`."""

    def __init__(self, handler: Handler, path: str = "/api/query") -> None:
        self.handler = handler
        self.path = path
        self.requests: list[Request] = []
        # Handlers that must never answer (to provoke a client timeout) wait on this.
        self.release = threading.Event()
        owner = self

        class _Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                split = urlsplit(self.path)
                params = {k: v[-1] for k, v in parse_qs(split.query).items()}
                request = Request(split.path, params, dict(self.headers))
                owner.requests.append(request)
                reply = owner.handler(request)
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(reply.body)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(reply.body)
                except OSError:  # the client gave up (a timeout test): nothing to answer
                    pass

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{self.path}"

    def hang(self) -> Reply:
        """Never answer in time: block until the server stops, then send a 503."""
        self.release.wait(30)
        return Reply(503)

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def loopback() -> Iterator[Callable[..., LoopbackServer]]:
    """Start loopback servers: `loopback(handler, path=...)`; all stop after the test."""
    servers: list[LoopbackServer] = []

    def start(handler: Handler, path: str = "/api/query") -> LoopbackServer:
        server = LoopbackServer(handler, path)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


class FakeClock:
    """A monotonic clock that only moves when something sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def scripted(*replies: Reply | Callable[[Request], Reply]) -> Handler:
    """A handler answering with `replies` in order (the last one repeats)."""
    queue = list(replies)
    lock = threading.Lock()

    def handler(request: Request) -> Reply:
        with lock:
            reply = queue.pop(0) if len(queue) > 1 else queue[0]
        return reply(request) if callable(reply) else reply

    return handler
