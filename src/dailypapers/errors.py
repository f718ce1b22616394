"""Errors users can cause; the CLI and HTTP layers turn them into messages and status codes."""


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
