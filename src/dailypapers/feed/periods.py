"""Periods a feed can show: a day (YYYY-MM-DD), an ISO week (YYYY-Www) or a month (YYYY-MM)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from dailypapers.errors import InvalidInput
from dailypapers.timeutil import FIRST_DAY, LAST_DAY, in_range

_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_RANGE = f"dates go from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"


@dataclass(frozen=True, slots=True)
class Period:
    """Calendar dates `start` … `end` (both included)."""

    kind: str  # "day" | "week" | "month"
    start: date
    end: date

    @property
    def key(self) -> str:
        """The canonical text form, as used in URLs."""
        if self.kind == "day":
            return self.start.isoformat()
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.start.year}-{self.start.month:02d}"

    @property
    def label(self) -> str:
        if self.kind == "day":
            return self.start.strftime("%A, %B %-d, %Y")
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"Week {week} of {year} ({self.start:%b %-d} – {self.end:%b %-d})"
        return self.start.strftime("%B %Y")

    def previous(self) -> Period:
        if self.kind == "day":
            return day_period(self.start - timedelta(days=1))
        if self.kind == "week":
            return week_of(self.start - timedelta(days=7))
        return month_of((self.start - timedelta(days=1)).replace(day=1))

    def following(self) -> Period:
        if self.kind == "day":
            return day_period(self.end + timedelta(days=1))
        if self.kind == "week":
            return week_of(self.start + timedelta(days=7))
        return month_of(self.end + timedelta(days=1))


def day_period(day: date) -> Period:
    return Period("day", day, day)


def week_of(day: date) -> Period:
    start = day - timedelta(days=day.weekday())
    return Period("week", start, start + timedelta(days=6))


def month_of(day: date) -> Period:
    start = day.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return Period("month", start, following - timedelta(days=1))


def parse_day(text: str) -> date:
    """A YYYY-MM-DD date, or InvalidInput."""
    match = _DAY.match(text or "")
    if match:
        try:
            day = date(*map(int, match.groups()))
        except ValueError:
            pass
        else:
            return _within(day, text)
    raise InvalidInput(f"not a date (expected YYYY-MM-DD): {text[:40]!r}")


def parse_week(text: str) -> Period:
    """A YYYY-Www ISO week, or InvalidInput."""
    match = _WEEK.match(text or "")
    if match:
        try:
            monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError:
            pass
        else:
            return week_of(_within(monday, text))
    raise InvalidInput(f"not an ISO week (expected YYYY-Www, e.g. 2025-W07): {text[:40]!r}")


def parse_month(text: str) -> Period:
    """A YYYY-MM month, or InvalidInput."""
    match = _MONTH.match(text or "")
    if match and 1 <= int(match[2]) <= 12 and int(match[1]) >= 1:
        return month_of(_within(date(int(match[1]), int(match[2]), 1), text))
    raise InvalidInput(f"not a month (expected YYYY-MM): {text[:40]!r}")


def _within(day: date, text: str) -> date:
    if not in_range(day):
        raise InvalidInput(f"{text[:40]!r} is out of range: {_RANGE}")
    return day
