"""Errors users can cause; the CLI and HTTP layers turn them into messages and status codes."""

import errno


class DailyPapersError(Exception):
    """Base of every error a user can read."""


class BadArxivId(DailyPapersError):
    """Not an arXiv identifier or URL."""


class NotFound(DailyPapersError):
    """The thing asked for does not exist."""


class MalformedRecord(DailyPapersError):
    """An input record that cannot be imported."""


class UnknownFormat(DailyPapersError):
    """An input file whose format cannot be told."""


class RemoteSourceError(DailyPapersError):
    """A remote source (the arXiv API, an OAI-PMH endpoint) failed or answered with an error."""


class RemoteUnreachable(RemoteSourceError):
    """The remote source could not be reached at all (refused, timed out, no network)."""


class OaiPmhError(RemoteSourceError):
    """An OAI-PMH `<error code=...>` answer; `code` is the protocol's error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"OAI-PMH error {code}: {message}" if message else f"OAI-PMH error {code}")
        self.code = code


class InvalidInput(DailyPapersError):
    """A value a user typed that cannot be accepted (a short password, a bad date, …)."""


class Conflict(DailyPapersError):
    """The thing would clash with one that exists (a taken user name)."""


class Forbidden(DailyPapersError):
    """The user may not do this (someone else's comment, an admin-only action)."""


class RateLimited(DailyPapersError):
    """Too many attempts in a short time; `retry_after` says how many seconds to wait."""

    def __init__(self, message: str, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BadQuery(DailyPapersError):
    """A search query that cannot be understood (an unclosed quote, a bad date, …)."""


def is_disk_full(exc: BaseException) -> bool:
    """True when `exc` (or what caused it) says the disk or the database's storage is full.

    An OSError with ENOSPC or EDQUOT, SQLite's SQLITE_FULL ("database or disk is full") and
    PostgreSQL's disk_full (SQLSTATE 53100) all count, however a library wrapped them.
    """
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if getattr(current, "sqlstate", None) == "53100":
            return True
        text = str(current).lower()
        if "database or disk is full" in text or "no space left on device" in text:
            return True
        todo += [current.__cause__, current.__context__, getattr(current, "orig", None)]
    return False
