"""Time is explicit: store UTC, and decide a paper's daily date in one place."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

# The calendar dates the site can list, filter and search by. Wide for arXiv (1991 on), but far
# enough inside what `date` (years 1–9999) and the keyword index (1677–2262) can hold that a
# period's neighbours and a day's end never overflow.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)


def in_range(day: date) -> bool:
    """True for a date in FIRST_DAY … LAST_DAY."""
    return FIRST_DAY <= day <= LAST_DAY


def utcnow() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def daily_date(moment: datetime, zone: ZoneInfo) -> date:
    """The calendar date, in the configured zone, on which `moment` falls."""
    return as_utc(moment).astimezone(zone).date()


def parse_datetime(text: str) -> datetime:
    """Parse ISO 8601 (with `Z`) or RFC 2822 into an aware UTC datetime."""
    text = text.strip()
    try:
        return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        pass
    try:
        return as_utc(parsedate_to_datetime(text))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"not a date-time: {text!r}") from exc
