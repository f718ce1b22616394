"""A small time-based cache for what anonymous visitors see (listings, API pages).

Each server process keeps its own copy for `seconds` (default 5 s) and drops it at once when a
write happens in the same process. Given `version` (PostgreSQL: the site version row in
`change_counters`, bumped after every vote or comment by any process on any machine), a copy is
used only while the version it was built at is still current, so a write shows at once
everywhere; without it (SQLite: one process) another process's copy could be `seconds` late.
Logged-in users always get fresh data (their own votes must show), so this only spares the
database the identical queries of many anonymous readers of the same day.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")

CACHE_SECONDS = 5.0


class TTLCache:
    """At most `size` values, each kept `seconds`; least recently stored evicted first."""

    def __init__(
        self,
        seconds: float = CACHE_SECONDS,
        size: int = 512,
        *,
        version: Callable[[], int] | None = None,
    ) -> None:
        self.seconds = seconds
        self.size = size
        self.version = version
        self._items: OrderedDict[Hashable, tuple[float, int, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_build(self, key: Hashable, build: Callable[[], T]) -> T:
        now = time.monotonic()
        # Read before building: a write that lands during the build makes the copy stale.
        current = self.version() if self.version is not None else 0
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and now - hit[0] < self.seconds and hit[1] == current:
                return hit[2]  # type: ignore[return-value]
        value = build()  # outside the lock: a slow build must not block other keys
        with self._lock:
            self._items[key] = (time.monotonic(), current, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
