"""Rate limiters: in memory for one SQLite process, in the database for many processes.

`SlidingWindowLimiter` counts in the process (SQLite mode serves from one process). On
PostgreSQL every `serve` process on every machine counts in the `rate_limit_hits` table
(`SharedLimiter`): a fixed-window counter per key, incremented by one
`INSERT … ON CONFLICT DO UPDATE … RETURNING`, so N processes give a client the limit once,
not N times. A fixed window lets a client spend up to twice the limit across a window
boundary; that is the usual price of one row per key, and still bounds guessing and spam.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from dailypapers.errors import RateLimited
from dailypapers.store.db import Store
from dailypapers.store.models import RateLimitHit


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


class SharedLimiter:
    """At most `limit` hits per key per fixed `window` of seconds, counted in the database."""

    def __init__(
        self,
        store: Store,
        limit: int,
        window: float = 60.0,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.limit = limit
        self.window = int(window)
        self.clock = clock  # wall time: every process and machine must agree on the window
        self._last_sweep = 0.0

    def hit(self, key: str, what: str = "requests") -> None:
        """Count one hit for `key`, or raise RateLimited when over the limit."""
        now = self.clock()
        start = int(now // self.window) * self.window
        insert = sqlite_insert if self.store.is_sqlite else pg_insert
        statement = insert(RateLimitHit).values(key=key[:200], window_start=start, hits=1)
        statement = statement.on_conflict_do_update(
            index_elements=[RateLimitHit.key, RateLimitHit.window_start],
            set_={"hits": RateLimitHit.hits + 1},
        ).returning(RateLimitHit.hits)
        with self.store.session() as session:
            hits = session.execute(statement).scalar_one()
            if now - self._last_sweep >= self.window:
                # Forget old windows now and then so the table stays as small as the traffic.
                self._last_sweep = now
                session.execute(
                    delete(RateLimitHit).where(RateLimitHit.window_start < start - self.window)
                )
        if hits > self.limit:
            retry = max(1, math.ceil(start + self.window - now))
            raise RateLimited(f"too many {what}; try again in {retry} seconds", retry_after=retry)

    def reset(self) -> None:
        with self.store.session() as session:
            session.execute(delete(RateLimitHit))
