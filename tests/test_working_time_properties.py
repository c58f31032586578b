"""Properties of working time that must hold for any instant, zone, nation, quiet hours and closed days.

The zones include ones whose clocks change at midnight (America/Santiago, Africa/Cairo) or by half an hour
(Australia/Lord_Howe), so the skipped and repeated hours meet quiet-hour boundaries and day boundaries. The suite
runs the same examples each time; REFLECT_FUZZ_EXAMPLES=N runs N random ones per property.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from hypothesis import given
from hypothesis import strategies as st

from bot.local_time import local_date, parse_time_zone, to_utc
from bot.models import QuietHours
from bot.schedules import Weekly
from bot.working_calendar import Nation, WorkingCalendar
from tests.fuzz import fuzz_settings

ZONES = (
    "Europe/London", "Europe/Dublin", "America/New_York", "America/Santiago", "Africa/Cairo", "Australia/Lord_Howe",
)
SUBDIVISIONS = {Nation.ENGLAND: "ENG", Nation.WALES: "WLS", Nation.SCOTLAND: "SCT", Nation.NORTHERN_IRELAND: "NIR"}
BANK_HOLIDAYS = {nation: holidays.country_holidays("GB", subdiv=code) for nation, code in SUBDIVISIONS.items()}
EXAMPLES = fuzz_settings(100)


def clock_changes(zone: ZoneInfo) -> list[datetime]:
    """The hours in 2026-2028 just after the zone's clocks changed, found by looking at every hour."""
    hours = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=n) for n in range(3 * 365 * 24)]
    offsets = [hour.astimezone(zone).utcoffset() for hour in hours]
    return [hours[n] for n in range(1, len(hours)) if offsets[n] != offsets[n - 1]]


CLOCK_CHANGES = {name: clock_changes(parse_time_zone(name)) for name in ZONES}
minutes = st.builds(time, st.integers(0, 23), st.integers(0, 59))
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))
uniform_instants = st.datetimes(datetime(2024, 1, 1), datetime(2030, 12, 31), timezones=st.just(UTC))


def instants_in(zone: ZoneInfo) -> st.SearchStrategy[datetime]:
    """Any instant, or one within a day either side of a clock change, to the minute, where the bugs hide."""
    near = st.tuples(st.sampled_from(CLOCK_CHANGES[zone.key]), st.integers(-26 * 60, 26 * 60))
    return uniform_instants | near.map(lambda change: change[0] + timedelta(minutes=change[1]))


zones = st.sampled_from(ZONES).map(parse_time_zone)
calendars = st.builds(
    WorkingCalendar,
    zone=zones,
    nation=st.sampled_from(list(Nation)),
    quiet_hours=st.builds(QuietHours, start=minutes, end=minutes),
    closed_days=st.frozensets(days, max_size=20),
)


def in_quiet_hours(at: time, quiet: QuietHours) -> bool:
    """Written apart from the code under test, from the plain meaning of a span that may wrap midnight."""
    if quiet.start < quiet.end:
        return quiet.start <= at < quiet.end
    return quiet.start > quiet.end and (at >= quiet.start or at < quiet.end)


def far_from_clock_changes(instant: datetime, calendar: WorkingCalendar) -> bool:
    offsets = {(instant + timedelta(hours=h)).astimezone(calendar.zone).utcoffset() for h in (-3, 0, 3)}
    return len(offsets) == 1


@EXAMPLES
@given(calendar=calendars, data=st.data(), fraction=st.floats(0, 1, exclude_max=True))
def test_next_working_start_is_the_first_working_instant_at_or_after(
    calendar: WorkingCalendar, data: st.DataObject, fraction: float
) -> None:
    instant = data.draw(instants_in(calendar.zone))
    start = calendar.next_working_start(instant)
    earlier = min(instant + (start - instant) * fraction, start - timedelta(microseconds=1))

    assert start >= instant
    assert calendar.is_working_time(start)
    assert start == instant or not calendar.is_working_time(earlier)


@EXAMPLES
@given(calendar=calendars, instant=uniform_instants)
def test_away_from_clock_changes_working_time_is_a_working_day_outside_quiet_hours(
    calendar: WorkingCalendar, instant: datetime
) -> None:
    local = instant.astimezone(calendar.zone)
    bank_holiday = local.date() in BANK_HOLIDAYS[calendar.nation]
    open_day = local.weekday() < 5 and not bank_holiday and local.date() not in calendar.closed_days
    expected = open_day and not in_quiet_hours(local.time(), calendar.quiet_hours)

    assert not far_from_clock_changes(instant, calendar) or calendar.is_working_time(instant) is expected


@EXAMPLES
@given(calendar=calendars, day=days, count=st.integers(0, 30))
def test_adding_working_days_lands_on_a_working_day_that_many_working_days_away(
    calendar: WorkingCalendar, day: date, count: int
) -> None:
    later = calendar.add_working_days(day, count)

    assert calendar.working_days_between(day, later) == count
    assert count == 0 or calendar.is_working_day(later)
    assert calendar.add_working_days(later, -count) == day or not calendar.is_working_day(day)


@EXAMPLES
@given(calendar=calendars, data=st.data(), count=st.integers(1, 10))
def test_end_of_working_day_is_the_close_of_that_many_working_days_later(
    calendar: WorkingCalendar, data: st.DataObject, count: int
) -> None:
    instant = data.draw(instants_in(calendar.zone))
    end = calendar.end_of_working_day_after(instant, count)
    last_moment = end - timedelta(microseconds=1)

    assert end > instant
    assert calendar.is_working_time(last_moment)
    first_day, last_day = local_date(instant, calendar.zone), local_date(last_moment, calendar.zone)
    assert calendar.working_days_between(first_day, last_day) == count


@EXAMPLES
@given(zone=zones, weekday=st.integers(0, 6), at=minutes, data=st.data())
def test_a_weekly_schedule_is_the_first_local_occurrence_after_the_instant(
    zone: ZoneInfo, weekday: int, at: time, data: st.DataObject
) -> None:
    instant = data.draw(instants_in(zone))
    following = Weekly(weekday, at, zone).next_after(instant)

    assert following is not None and following > instant
    day = local_date(following, zone)
    assert day.weekday() == weekday
    assert to_utc(day, at, zone) == following
    assert to_utc(day - timedelta(weeks=1), at, zone) <= instant
