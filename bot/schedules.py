"""Schedules kept as local wall-clock time plus a zone; each occurrence is converted to UTC on its own.

Adding seven days in UTC would turn "Mondays at 09:00" into 10:00 after the clocks go forward; computing each
occurrence from its local date keeps it at 09:00 all year. An occurrence is when something is due; the caller
moves it out of quiet hours, weekends and bank holidays with `WorkingCalendar.next_working_start`, and asks for
the next one after the occurrence itself, not after the moved delivery time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import count as counting
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.local_time import CalendarSettingError, local_date, to_utc
from bot.working_calendar import WorkingCalendar


class Schedule(Protocol):
    def next_after(self, instant: datetime) -> datetime | None:
        """The first occurrence strictly after `instant` (aware), in UTC, or None when there are no more."""
        ...


@dataclass(frozen=True)
class Weekly:
    """Every `weekday` (0 is Monday) at `at` local time, such as a group's digest on Mondays at 09:00."""

    weekday: int
    at: time
    zone: ZoneInfo

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise CalendarSettingError("a weekday is a number from 0 (Monday) to 6 (Sunday)")

    def next_after(self, instant: datetime) -> datetime | None:
        first = local_date(instant, self.zone) - timedelta(days=1)
        first += timedelta(days=(self.weekday - first.weekday()) % 7)
        return _first_after(instant, (first + timedelta(weeks=n) for n in counting()), self.at, self.zone)


@dataclass(frozen=True)
class OnDate:
    """Once, on `day` at `at` local time, such as a reminder on an action's due date."""

    day: date
    at: time
    zone: ZoneInfo

    def next_after(self, instant: datetime) -> datetime | None:
        return _first_after(instant, (self.day,), self.at, self.zone)


@dataclass(frozen=True)
class WorkingDaysBefore:
    """Once, `count` working days before `day` at `at` in the calendar's zone: a reminder ahead of a due date."""

    day: date
    count: int
    at: time
    calendar: WorkingCalendar

    def __post_init__(self) -> None:
        if self.count < 1:
            raise CalendarSettingError("a reminder ahead of a date needs at least one working day")

    def next_after(self, instant: datetime) -> datetime | None:
        day = self.calendar.add_working_days(self.day, -self.count)
        return _first_after(instant, (day,), self.at, self.calendar.zone)


@dataclass(frozen=True)
class WeeklyAfter:
    """Every week after `day` at `at` local time (day + 7, day + 14, ...): reminders while an action is overdue.

    It never ends by itself: whoever closes the action cancels it.
    """

    day: date
    at: time
    zone: ZoneInfo

    def next_after(self, instant: datetime) -> datetime | None:
        weeks = max(1, (local_date(instant, self.zone) - timedelta(days=1) - self.day).days // 7)
        return _first_after(instant, (self.day + timedelta(weeks=n) for n in counting(weeks)), self.at, self.zone)


def _first_after(instant: datetime, days: Iterable[date], at: time, zone: ZoneInfo) -> datetime | None:
    """The first of `days` (in date order) whose local `at` comes after `instant`."""
    return next((moment for moment in (to_utc(day, at, zone) for day in days) if moment > instant), None)
