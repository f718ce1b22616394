"""A small sliding-window rate limiter, kept in memory per server process.

Each process counts on its own, so with N workers a client may get up to N × the limit; that is
acceptable for slowing password guessing and spam on one machine. Several machines behind a load
balancer would want a shared counter (Redis, or the database) instead.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from dailypapers.errors import RateLimited


class SlidingWindowLimiter:
    """At most `limit` hits per key within any `window` seconds."""

    def __init__(
        self, limit: int, window: float = 60.0, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._last_sweep = clock()

    def hit(self, key: str, what: str = "requests") -> None:
        """Count one hit for `key`, or raise RateLimited (not counted) when over the limit."""
        now = self.clock()
        with self._lock:
            self._sweep(now)
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                retry = max(1, math.ceil(hits[0] + self.window - now))
                raise RateLimited(
                    f"too many {what}; try again in {retry} seconds", retry_after=retry
                )
            hits.append(now)

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()

    def _sweep(self, now: float) -> None:
        # Forget idle keys now and then so memory stays bounded by the active clients.
        if now - self._last_sweep < self.window:
            return
        self._last_sweep = now
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]:
            del self._hits[key]
