"""Digest periods: which listing days a digest sent on a given day covers, and its key.

A daily digest goes out on weekdays and covers the listing days since the previous weekday's
digest: Tuesday's covers Monday; Monday's covers Friday, Saturday and Sunday. A weekly digest
covers the seven days before the day it is sent. The key ("2026-11-26", "2026-W48") names the
period: one digest per subscriber and key, however often the job runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dailypapers.errors import InvalidInput

PERIODS = ("daily", "weekly")


@dataclass(frozen=True, slots=True)
class PeriodWindow:
    period: str
    key: str
    start: date  # first listing day covered (inclusive)
    end: date  # last listing day covered (inclusive)
    sent_on: date

    @property
    def label(self) -> str:
        if self.start == self.end:
            return self.start.strftime("%A %-d %B %Y")
        return f"{self.start.strftime('%-d %b')} – {self.end.strftime('%-d %b %Y')}"


class NotADigestDay(InvalidInput):
    """Daily digests go out on weekdays only."""


def period_window(period: str, today: date) -> PeriodWindow:
    """The window a `period` digest sent on `today` covers (NotADigestDay on a weekend)."""
    if period == "daily":
        if today.weekday() >= 5:
            raise NotADigestDay(
                f"{today} is a {today.strftime('%A')}: daily digests go out on weekdays"
            )
        back = 3 if today.weekday() == 0 else 1  # Monday looks back over the weekend
        return PeriodWindow(
            "daily",
            today.isoformat(),
            today - timedelta(days=back),
            today - timedelta(days=1),
            today,
        )
    if period == "weekly":
        year, week, _ = today.isocalendar()
        return PeriodWindow(
            "weekly",
            f"{year}-W{week:02d}",
            today - timedelta(days=7),
            today - timedelta(days=1),
            today,
        )
    raise InvalidInput(f"period is daily or weekly, not {period!r}")
