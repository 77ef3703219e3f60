"""The one clock of the process, replaceable by tests (a fixed date for reminders and notice periods).

Dates that people read (effective dates, audit due dates) are Europe/Paris calendar dates.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().astimezone(PARIS).date()


class FixedClock(Clock):
    """A clock that only moves when told to; `advance` simulates days passing in tests."""

    def __init__(self, at: datetime) -> None:
        self._at = at if at.tzinfo else at.replace(tzinfo=UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at if at.tzinfo else at.replace(tzinfo=UTC)

    def advance(self, **delta: float) -> None:
        self._at += timedelta(**delta)


_clock: Clock = Clock()


def clock() -> Clock:
    return _clock


def set_clock(new: Clock) -> None:
    global _clock
    _clock = new


def start_of_day(day: date) -> datetime:
    """Midnight in Paris of `day`, as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, tzinfo=PARIS).astimezone(UTC)
