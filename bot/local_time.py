"""Local wall-clock time in an IANA zone, turned into instants by one documented rule.

Schedules are kept as a local date and time plus a zone and converted to UTC for each occurrence: adding days
in UTC would move a 09:00 reminder to 10:00 after the clocks go forward.

The rule for the two hours a year that are not plain (Python's `fold=0`, as java.time does):
- a time the clocks skip (01:30 on 28 March 2027 in London) is moved forward by the length of the gap, to
  02:30 BST, so a reminder is late by an hour rather than early;
- a time that happens twice (01:30 on 31 October 2027 in London) means its first occurrence, 01:30 BST.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import ReflectError

DEFAULT_ZONE_NAME = "Europe/London"
_ZONE_NAME = re.compile(r"[A-Z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*")


class CalendarSettingError(ReflectError, ValueError):
    """A time zone, quiet-hours span or nation that cannot be used; the message says what is accepted."""


def parse_time_zone(name: str) -> ZoneInfo:
    """The IANA zone called `name`, refusing anything else (including the machine-dependent `localtime`)."""
    if _ZONE_NAME.fullmatch(name):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    raise CalendarSettingError(f"{name!r} is not an IANA time zone name such as {DEFAULT_ZONE_NAME}")


def to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant at which clocks in `zone` read `at` on `day`, by the module's rule for skipped and repeated times."""
    return datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=zone).astimezone(UTC)


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    """The date on the wall calendar in `zone` at `instant` (which must be aware)."""
    if instant.tzinfo is None:
        raise ValueError("an instant must be timezone-aware")
    return instant.astimezone(zone).date()
