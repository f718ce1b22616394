"""One digest run at a time per database, released by the OS or the server if the run dies.

With the lock held, a delivery left "sending" can only belong to a run that is gone, so the
new run may safely send it again. SQLite: an advisory `flock` on a file beside the database.
PostgreSQL: a session advisory lock on a connection held for the run. Neither outlives a
killed process (the kernel drops the flock, the server the connection's locks).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from dailypapers.errors import DailyPapersError
from dailypapers.store.db import Store

PG_WAIT = "10s"


class AlreadyRunning(DailyPapersError):
    """Another digest run holds the lock."""


def _key(name: str) -> int:
    return int.from_bytes(
        hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True
    )


@contextmanager
def run_lock(store: Store, name: str, *, wait: bool = True) -> Iterator[None]:
    """Hold the lock `name` for the block, or raise AlreadyRunning.

    PostgreSQL waits up to PG_WAIT for it (unless `wait` is False); SQLite never waits: the
    kernel drops a dead process's flock at once.
    """
    if store.is_sqlite:
        database = store.engine.url.database or ""
        folder = (
            Path(database).parent
            if database and database != ":memory:"
            else Path(store.settings.data_dir)
        )
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f".{name}.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise AlreadyRunning(f"another {name} run is in progress") from None
            yield
        finally:
            os.close(fd)  # closing drops the flock
        return
    with store.engine.connect() as conn:
        key = _key(name)
        # Wait a little: a killed run's lock goes when the server notices its connection closed.
        if wait:
            conn.execute(text("SELECT set_config('lock_timeout', :ms, false)"), {"ms": PG_WAIT})
            try:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            except OperationalError:
                conn.rollback()
                raise AlreadyRunning(f"another {name} run is in progress") from None
        elif not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            conn.rollback()
            raise AlreadyRunning(f"another {name} run is in progress")
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            conn.commit()
