"""When people may be messaged: working days (no weekends, bank holidays or closed days) outside quiet hours.

A day's working windows are its open spans of local wall-clock time turned into instants with
`bot.local_time.to_utc`, so they follow the same rule for skipped and repeated times as every schedule does: on
the night the clocks go back, quiet hours end once, at their first occurrence, and do not start again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from itertools import count as counting
from zoneinfo import ZoneInfo

import holidays

from bot.local_time import DEFAULT_ZONE_NAME, CalendarSettingError, local_date, parse_time_zone, to_utc
from bot.models import QuietHours

_QUIET_HOURS = re.compile(r"(?P<start>[01]\d|2[0-3]):(?P<sm>[0-5]\d)\s*-\s*(?P<end>[01]\d|2[0-3]):(?P<em>[0-5]\d)")
_SATURDAY = 5
Window = tuple[datetime, datetime]
"""A working window: from its first instant up to, not including, its end (both in UTC)."""


class Nation(StrEnum):
    """The UK nation whose bank holidays apply; the values are what settings and teams store."""

    ENGLAND = "england"
    WALES = "wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern_ireland"


_SUBDIVISIONS = {Nation.ENGLAND: "ENG", Nation.WALES: "WLS", Nation.SCOTLAND: "SCT", Nation.NORTHERN_IRELAND: "NIR"}


@cache
def bank_holidays(nation: Nation) -> holidays.HolidayBase:
    """The nation's bank holidays from the installed `holidays` data: observed and proclaimed days, no network."""
    return holidays.country_holidays("GB", subdiv=_SUBDIVISIONS[nation])


def parse_quiet_hours(text: str) -> QuietHours:
    """Read `HH:MM-HH:MM` in 24-hour time, such as `20:00-08:00`; a start after the end wraps midnight."""
    found = _QUIET_HOURS.fullmatch(text.strip())
    if found is None:
        raise CalendarSettingError(f"{text!r} is not a span of 24-hour times such as 20:00-08:00")
    start, end = time(int(found["start"]), int(found["sm"])), time(int(found["end"]), int(found["em"]))
    if start == end:
        raise CalendarSettingError("quiet hours must start and end at different times")
    return QuietHours(start=start, end=end)


def _open_spans(quiet: QuietHours) -> tuple[tuple[time, time | None], ...]:
    """The parts of a day outside quiet hours, in order; an end of None is the end of the day.

    Equal start and end (which `parse_quiet_hours` refuses but a stored team may hold) leave the whole day open.
    """
    if quiet.start > quiet.end:
        return ((quiet.end, quiet.start),)
    spans: tuple[tuple[time, time | None], ...] = ((time(0), quiet.start), (quiet.end, None))
    return tuple(span for span in spans if span[0] != span[1])


DEFAULT_QUIET_HOURS = QuietHours(start=time(20), end=time(8))


@dataclass(frozen=True)
class WorkingCalendar:
    """A team's (or a person's) working time: zone, nation for bank holidays, quiet hours and extra closed days."""

    zone: ZoneInfo = parse_time_zone(DEFAULT_ZONE_NAME)
    nation: Nation = Nation.ENGLAND
    quiet_hours: QuietHours = DEFAULT_QUIET_HOURS
    closed_days: frozenset[date] = frozenset()

    def windows(self, day: date) -> tuple[Window, ...]:
        """The working windows of a local date, earliest first; none on a weekend, bank holiday or closed day."""
        if day.weekday() >= _SATURDAY or day in self.closed_days or day in bank_holidays(self.nation):
            return ()
        spans = ((self._instant(day, start), self._instant(day, end)) for start, end in _open_spans(self.quiet_hours))
        return tuple((start, end) for start, end in spans if start < end)

    def is_working_day(self, day: date) -> bool:
        return bool(self.windows(day))

    def is_working_time(self, instant: datetime) -> bool:
        """True when `instant` falls inside one of the working windows.

        The neighbouring dates count too: where clocks go back across midnight, a reading of one date can fall in
        the next date's window.
        """
        day = local_date(instant, self.zone)
        nearby = (day - timedelta(days=1), day, day + timedelta(days=1))
        return any(start <= instant < end for near in nearby for start, end in self.windows(near))

    def next_working_start(self, instant: datetime) -> datetime:
        """`instant` itself if it is working time, else the start of the next working window (in UTC).

        The search ends: closed days are finitely many and bank holidays never close more than a few days running.
        """
        windows = self._windows_from(local_date(instant, self.zone) - timedelta(days=1))
        start = next(start for start, end in windows if end > instant)
        return max(start, instant.astimezone(UTC))

    def add_working_days(self, day: date, count: int) -> date:
        """The date `count` working days after `day` (before it when `count` is negative); `day` is not counted."""
        step = timedelta(days=1 if count >= 0 else -1)
        for _ in range(abs(count)):
            day += step
            while not self.is_working_day(day):
                day += step
        return day

    def working_days_between(self, after: date, through: date) -> int:
        """How many working days fall after `after`, up to and including `through` (2 from a Thursday to Monday)."""
        return sum(self.is_working_day(after + timedelta(days=n)) for n in range(1, (through - after).days + 1))

    def end_of_working_day_after(self, instant: datetime, count: int) -> datetime:
        """When the last window closes on the `count`th working day after `instant`'s local date (count >= 1).

        With the default quiet hours that is 20:00 local: a deadline people can still meet during the day.
        """
        if count < 1:
            raise ValueError("count must be at least 1")
        day = self.add_working_days(local_date(instant, self.zone), count)
        return self.windows(day)[-1][1]

    def _windows_from(self, day: date) -> Iterator[Window]:
        """Every working window from the local date `day` onwards, in order."""
        for offset in counting():
            yield from self.windows(day + timedelta(days=offset))

    def _instant(self, day: date, at: time | None) -> datetime:
        return to_utc(day, at, self.zone) if at is not None else to_utc(day + timedelta(days=1), time(0), self.zone)
