"""Talking politely to remote sources: one delay between calls, retries with backoff, safe XML.

arXiv asks every API and OAI-PMH client to leave 3 seconds between calls and answers bursts with
503 + Retry-After. `PoliteClient` enforces the delay (through a limiter shared by every client of
the same base URL in this process, so the web submit form and a harvest do not add up), retries
timeouts, transport errors, 429 and 5xx with exponential backoff (or the server's Retry-After),
and turns the last failure into a `RemoteSourceError` a user can read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
from lxml import etree

from dailypapers import __version__
from dailypapers.config import Settings
from dailypapers.errors import RemoteSourceError, RemoteUnreachable

Clock = Callable[[], float]
Sleep = Callable[[float], None]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_BACKOFF = 120.0  # seconds; also the cap on a server's Retry-After


class RateLimiter:
    """At least `interval` seconds between the starts of consecutive calls (thread-safe)."""

    def __init__(
        self, interval: float, *, clock: Clock = time.monotonic, sleep: Sleep = time.sleep
    ) -> None:
        self.interval = interval
        self.clock = clock
        self.sleep = sleep
        self._last: float | None = None
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until the next call may start, then mark it as started."""
        with self._lock:
            if self._last is not None:
                remaining = self.interval - (self.clock() - self._last)
                if remaining > 0:
                    self.sleep(remaining)
            self._last = self.clock()


_shared: dict[str, RateLimiter] = {}
_shared_lock = threading.Lock()


def shared_limiter(base_url: str, interval: float) -> RateLimiter:
    """The process-wide limiter for one remote base URL."""
    host = httpx.URL(base_url).host or base_url
    with _shared_lock:
        limiter = _shared.get(host)
        if limiter is None:
            limiter = _shared[host] = RateLimiter(interval)
        limiter.interval = interval
        return limiter


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


class PoliteClient:
    """GET requests to one base URL with the delay, retries and backoff arXiv asks for."""

    def __init__(
        self,
        base_url: str,
        *,
        name: str,
        delay: float = 3.0,
        retries: int = 4,
        timeout: float | httpx.Timeout = 30.0,
        backoff: float = 3.0,  # first retry waits this, then it doubles
        limiter: RateLimiter | None = None,
        sleep: Sleep | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url
        self.name = name
        self.retries = max(1, retries)
        self.backoff = backoff
        self.limiter = limiter or shared_limiter(base_url, delay)
        self.sleep = sleep or self.limiter.sleep
        self._http = httpx.Client(
            timeout=timeout,
            follow_redirects=True,
            transport=transport,
            headers={"User-Agent": f"dailypapers/{__version__} (self-hosted paper feed)"},
        )

    @classmethod
    def from_settings(cls, settings: Settings, base_url: str, *, name: str) -> PoliteClient:
        return cls(
            base_url,
            name=name,
            delay=settings.harvest_delay,
            retries=settings.harvest_retries,
            timeout=settings.harvest_timeout,
        )

    @classmethod
    def interactive(cls, settings: Settings, base_url: str, *, name: str) -> PoliteClient:
        """For a person waiting on a page: a short connect timeout and no retries."""
        quick = settings.submit_timeout
        return cls(
            base_url,
            name=name,
            delay=settings.harvest_delay,
            retries=1,
            timeout=httpx.Timeout(quick * 3, connect=quick),
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, params: Mapping[str, str | int]) -> httpx.Response:
        """GET base_url?params; retries transient failures, returns any other response."""
        problem = ""
        unreachable = False
        for attempt in range(1, self.retries + 1):
            self.limiter.wait()
            wait: float | None = None
            try:
                response = self._http.get(self.base_url, params=dict(params))
            except httpx.TimeoutException:
                problem, unreachable = "timed out", True
            except httpx.TransportError as exc:
                problem, unreachable = f"network error ({exc.__class__.__name__}: {exc})", True
            else:
                unreachable = False
                if response.status_code not in RETRY_STATUSES:
                    return response
                problem = f"HTTP {response.status_code} {response.reason_phrase}"
                wait = retry_after_seconds(response.headers.get("Retry-After"))
            if attempt == self.retries:
                break
            if wait is None:
                wait = self.backoff * 2 ** (attempt - 1)
            self.sleep(min(wait, MAX_BACKOFF))
        raise (RemoteUnreachable if unreachable else RemoteSourceError)(
            f"{self.name} at {self.base_url} failed after {self.retries} attempt"
            f"{'s' if self.retries != 1 else ''}: {problem}"
        )


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def parse_xml(content: bytes, *, what: str) -> etree._Element:
    """Parse a response body without entity expansion or network access."""
    try:
        return etree.fromstring(content, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise RemoteSourceError(f"{what} answered with malformed XML: {exc}") from None


@dataclass(slots=True)
class HarvestSummary:
    """What a harvest did: counts as the import summary states them, plus problems to report."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: int = 0
    deleted: int = 0  # marked withdrawn because the source reports them deleted
    pages: int = 0
    fetched: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        text = (
            f"{self.new:,} new, {self.changed:,} changed, {self.unchanged:,} unchanged, "
            f"{self.skipped:,} skipped"
        )
        if self.deleted:
            text += f", {self.deleted:,} marked withdrawn"
        return text
