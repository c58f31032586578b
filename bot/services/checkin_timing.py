"""When a check-in closes and when its nudges may go out, measured in the group's working time.

Working time is the group's working windows (no weekends, bank holidays or quiet hours), so "halfway" means halfway
through the hours people can actually answer in, and "less than a working day left" compares those hours with a
full working day. Nudges keep three rules: never within 24 hours of the last message Reflect sent the person,
never after the deadline, and (for the halfway nudge) never when less than a working day is left.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Literal

from bot.local_time import local_date
from bot.working_calendar import Window, WorkingCalendar

DEFAULT_WORKING_DAYS = 2
QUIET_GAP = timedelta(hours=24)
CLOSING_MARGIN = timedelta(hours=1)
"""A closing-day nudge later than this before the deadline would leave no time to answer."""
NudgeKind = Literal["halfway", "closing", "snoozed"]


def default_deadline(calendar: WorkingCalendar, now: datetime) -> datetime:
    """The end of the second working day after today, in the group's zone."""
    return calendar.end_of_working_day_after(now, DEFAULT_WORKING_DAYS)


def deadline_on(calendar: WorkingCalendar, day: date) -> datetime:
    """The end of the last working window of `day`, or of the next working day when `day` is not one."""
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return calendar.windows(day)[-1][1]


def _windows_between(calendar: WorkingCalendar, start: datetime, end: datetime) -> Iterator[Window]:
    day = local_date(start, calendar.zone) - timedelta(days=1)
    while day <= local_date(end, calendar.zone):
        for low, high in calendar.windows(day):
            if high > start and low < end:
                yield max(low, start), min(high, end)
        day += timedelta(days=1)


def working_time(calendar: WorkingCalendar, start: datetime, end: datetime) -> timedelta:
    """How much of the span from `start` to `end` is working time."""
    return sum((high - low for low, high in _windows_between(calendar, start, end)), timedelta())


def working_day(calendar: WorkingCalendar, around: datetime) -> timedelta:
    """The length of a full working day near `around` (the next working day's windows together)."""
    day = local_date(around, calendar.zone)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return sum((high - low for low, high in calendar.windows(day)), timedelta())


def halfway(calendar: WorkingCalendar, start: datetime, deadline: datetime) -> datetime:
    """The instant when half of the working time from `start` to the deadline has passed."""
    left = working_time(calendar, start, deadline) / 2
    for low, high in _windows_between(calendar, start, deadline):
        if high - low >= left:
            return low + left
        left -= high - low
    return deadline


def closing_day_start(calendar: WorkingCalendar, deadline: datetime) -> datetime:
    """The first working moment of the deadline's own day."""
    first = calendar.windows(local_date(deadline, calendar.zone))
    return first[0][0] if first else deadline


def nudge_time(
    calendar: WorkingCalendar,
    kind: NudgeKind,
    *,
    due: datetime,
    deadline: datetime,
    last_message: datetime | None,
    snoozed_until: datetime | None,
) -> datetime | None:
    """When a nudge due at `due` may go out under the rules above, or None when it should not go at all."""
    earliest = max(t for t in (due, snoozed_until, last_message and last_message + QUIET_GAP) if t is not None)
    at = calendar.next_working_start(earliest)
    if at >= deadline - CLOSING_MARGIN:
        return None
    if kind == "halfway" and working_time(calendar, at, deadline) < working_day(calendar, at):
        return None
    if kind == "closing" and local_date(at, calendar.zone) != local_date(deadline, calendar.zone):
        return None
    return at
