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


class RemoteSourceError(DailyPapersError):
    """A remote source (the arXiv API, an OAI-PMH endpoint) failed or answered with an error."""


class OaiPmhError(RemoteSourceError):
    """An OAI-PMH `<error code=...>` answer; `code` is the protocol's error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"OAI-PMH error {code}: {message}" if message else f"OAI-PMH error {code}")
        self.code = code


class BadQuery(DailyPapersError):
    """A search query that cannot be understood (an unclosed quote, a bad date, …)."""
