"""What several server processes share through the database: rate-limit counts and the site
version that outdates every process's page cache."""

from __future__ import annotations

import pytest

from dailypapers.errors import RateLimited
from dailypapers.feed.cache import TTLCache
from dailypapers.store.changes import bump_site_version, site_version
from dailypapers.store.db import Store
from dailypapers.web.ratelimit import SharedLimiter


def test_two_limiters_on_one_database_count_together(store: Store) -> None:
    clock = [1_000_000.0]
    one = SharedLimiter(store, 3, 60, clock=lambda: clock[0])
    two = SharedLimiter(store, 3, 60, clock=lambda: clock[0])  # another process
    one.hit("ip:1")
    two.hit("ip:1")
    one.hit("ip:1")
    with pytest.raises(RateLimited) as refused:
        two.hit("ip:1")
    assert 1 <= refused.value.retry_after <= 60
    two.hit("ip:2")  # other keys are counted apart
    clock[0] += 60  # the next window
    one.hit("ip:1")
    one.reset()
    for _ in range(3):
        two.hit("ip:1")


def test_a_bumped_site_version_outdates_every_cache(store: Store) -> None:
    def version() -> int:
        with store.session() as session:
            return site_version(session)

    here, there = TTLCache(version=version), TTLCache(version=version)
    built = []
    assert here.get_or_build("day", lambda: built.append("here") or 1) == 1
    assert there.get_or_build("day", lambda: built.append("there") or 1) == 1
    assert here.get_or_build("day", lambda: built.append("again") or 2) == 1  # still current
    with store.session() as session:
        bump_site_version(session)  # a vote in a third process
    assert there.get_or_build("day", lambda: 2) == 2
    assert here.get_or_build("day", lambda: 2) == 2
    assert built == ["here", "there"]
