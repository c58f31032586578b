"""Working time and local wall-clock schedules, on dates whose answers were worked out by hand from the UK calendar.

2027: clocks go forward on Sunday 28 March (01:00 GMT becomes 02:00 BST) and back on Sunday 31 October (02:00 BST
becomes 01:00 GMT); Good Friday is 26 March and Easter Monday 29 March.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.local_time import CalendarSettingError, local_date, parse_time_zone, to_utc
from bot.models import QuietHours
from bot.schedules import OnDate, Weekly, WeeklyAfter, WorkingDaysBefore
from bot.working_calendar import Nation, WorkingCalendar, bank_holidays, parse_quiet_hours

LONDON = parse_time_zone("Europe/London")
ENGLAND = WorkingCalendar()
SCOTLAND = WorkingCalendar(nation=Nation.SCOTLAND)
NINE = time(9)
MONDAY = 0


def london(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A London wall-clock reading as an instant (the first one, if the clocks go back through it)."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def occurrences(schedule: Weekly | WeeklyAfter, after: datetime, count: int) -> list[datetime]:
    found: list[datetime] = []
    for _ in range(count):
        following = schedule.next_after(found[-1] if found else after)
        assert following is not None
        found.append(following)
    return found


# Zones and defaults


def test_the_default_calendar_is_london_england_with_quiet_hours_from_eight_to_eight() -> None:
    assert ENGLAND.zone.key == "Europe/London"
    assert ENGLAND.nation is Nation.ENGLAND
    assert (ENGLAND.quiet_hours.start, ENGLAND.quiet_hours.end) == (time(20), time(8))
    assert ENGLAND.closed_days == frozenset()


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "localtime", "", "../etc/passwd", "europe/london", "BST"])
def test_a_name_that_is_not_an_iana_zone_is_refused(name: str) -> None:
    with pytest.raises(CalendarSettingError, match="not an IANA time zone"):
        parse_time_zone(name)


def test_a_refused_zone_is_a_value_error_so_settings_and_models_report_it() -> None:
    with pytest.raises(ValueError):
        parse_time_zone("Nowhere/Town")


def test_iana_zones_including_multi_part_ones_are_accepted() -> None:
    assert [parse_time_zone(name).key for name in ("Europe/London", "UTC", "America/Argentina/Buenos_Aires")] == [
        "Europe/London", "UTC", "America/Argentina/Buenos_Aires",
    ]


def test_a_naive_instant_is_refused_rather_than_read_as_the_servers_local_time() -> None:
    with pytest.raises(ValueError, match="aware"):
        local_date(datetime(2027, 6, 15, 10), LONDON)


# Skipped and repeated local times


def test_a_time_the_clocks_skip_moves_forward_by_the_gap() -> None:
    instant = to_utc(date(2027, 3, 28), time(1, 30), LONDON)

    assert instant == utc(2027, 3, 28, 1, 30)
    assert instant.astimezone(LONDON).time() == time(2, 30)


def test_a_time_that_happens_twice_means_its_first_occurrence_in_summer_time() -> None:
    instant = to_utc(date(2027, 10, 31), time(1, 30), LONDON)

    assert instant == utc(2027, 10, 31, 0, 30)
    assert instant.astimezone(LONDON).tzname() == "BST"


def test_an_ordinary_local_time_converts_with_the_offset_of_its_own_date() -> None:
    assert to_utc(date(2027, 1, 11), NINE, LONDON) == utc(2027, 1, 11, 9)
    assert to_utc(date(2027, 7, 12), NINE, LONDON) == utc(2027, 7, 12, 8)


# Working windows: quiet hours, weekends, closed days


@pytest.mark.parametrize(
    ("instant", "working"),
    [
        (london(2027, 6, 15, 7, 59), False),
        (london(2027, 6, 15, 8, 0), True),
        (london(2027, 6, 15, 19, 59), True),
        (london(2027, 6, 15, 20, 0), False),
        (london(2027, 6, 15, 23, 30), False),
        (london(2027, 6, 16, 0, 30), False),
        (london(2027, 6, 12, 11, 0), False),
        (london(2027, 6, 13, 11, 0), False),
    ],
)
def test_default_quiet_hours_wrap_midnight_and_weekends_are_off(instant: datetime, working: bool) -> None:
    assert ENGLAND.is_working_time(instant) is working


def test_quiet_hours_that_do_not_wrap_leave_both_ends_of_the_day_open() -> None:
    lunch = WorkingCalendar(quiet_hours=parse_quiet_hours("12:00-13:00"))

    assert [lunch.is_working_time(london(2027, 6, 15, hour, 30)) for hour in (0, 11, 12, 13, 23)] == [
        True, True, False, True, True,
    ]


def test_quiet_hours_ending_at_midnight_open_the_day_from_midnight() -> None:
    late = WorkingCalendar(quiet_hours=parse_quiet_hours("22:00-00:00"))

    assert late.windows(date(2027, 6, 15)) == ((utc(2027, 6, 14, 23), utc(2027, 6, 15, 21)),)


def test_inside_quiet_hours_the_next_start_is_the_end_of_quiet_hours() -> None:
    assert ENGLAND.next_working_start(london(2027, 6, 15, 21)) == london(2027, 6, 16, 8)
    assert ENGLAND.next_working_start(london(2027, 6, 16, 6)) == london(2027, 6, 16, 8)


def test_working_time_is_its_own_next_working_start() -> None:
    instant = london(2027, 6, 15, 10, 17)

    assert ENGLAND.next_working_start(instant) == instant


def test_the_next_working_start_is_given_in_utc() -> None:
    assert ENGLAND.next_working_start(london(2027, 6, 15, 10)).tzinfo is UTC


def test_a_reminder_due_on_saturday_moves_to_monday_at_the_start_of_the_window() -> None:
    moved = ENGLAND.next_working_start(london(2027, 6, 12, 9))

    assert moved == utc(2027, 6, 14, 7)
    assert moved.astimezone(LONDON).time() == time(8)


def test_friday_evening_moves_to_monday_morning() -> None:
    assert ENGLAND.next_working_start(london(2027, 6, 11, 20, 30)) == london(2027, 6, 14, 8)


def test_extra_closed_days_are_skipped_like_bank_holidays() -> None:
    away_day = WorkingCalendar(closed_days=frozenset({date(2027, 6, 14), date(2027, 6, 15)}))

    assert not away_day.is_working_time(london(2027, 6, 14, 10))
    assert away_day.next_working_start(london(2027, 6, 12, 9)) == london(2027, 6, 16, 8)
    assert ENGLAND.is_working_time(london(2027, 6, 14, 10))


def test_a_window_opening_in_the_skipped_hour_opens_an_hour_later_like_a_schedule() -> None:
    cairo = WorkingCalendar(zone=parse_time_zone("Africa/Cairo"), quiet_hours=parse_quiet_hours("22:00-00:30"))
    friday_clocks_go_forward_at_midnight = date(2027, 4, 30)

    opens = cairo.windows(friday_clocks_go_forward_at_midnight)[0][0]

    assert opens == utc(2027, 4, 29, 22, 30)
    assert opens.astimezone(cairo.zone).time() == time(1, 30)


def test_quiet_hours_begun_do_not_end_when_the_clocks_go_back() -> None:
    cairo = WorkingCalendar(zone=parse_time_zone("Africa/Cairo"), quiet_hours=parse_quiet_hours("23:30-08:00"))
    first_half_past_eleven = utc(2027, 10, 28, 20, 30)
    second_ten_past_eleven = utc(2027, 10, 28, 21, 10)

    assert cairo.is_working_time(first_half_past_eleven - timedelta(minutes=1))
    assert not cairo.is_working_time(first_half_past_eleven)
    assert not cairo.is_working_time(second_ten_past_eleven)
    assert cairo.next_working_start(second_ten_past_eleven) == utc(2027, 10, 29, 6)


def test_equal_quiet_hour_ends_from_a_stored_team_leave_the_whole_day_open() -> None:
    always_on = WorkingCalendar(quiet_hours=QuietHours(start=time(8), end=time(8)))

    assert always_on.is_working_time(london(2027, 6, 15, 3))
    assert always_on.is_working_time(london(2027, 6, 15, 23, 59))


# Bank holidays by nation


def test_easter_monday_closes_england_and_not_scotland() -> None:
    easter_monday = london(2027, 3, 29, 10)

    assert not ENGLAND.is_working_time(easter_monday)
    assert SCOTLAND.is_working_time(easter_monday)


def test_good_friday_closes_every_nation() -> None:
    good_friday = date(2027, 3, 26)

    assert not any(WorkingCalendar(nation=nation).is_working_day(good_friday) for nation in Nation)


def test_after_the_easter_weekend_england_resumes_on_tuesday_and_scotland_on_monday() -> None:
    thursday_evening = london(2027, 3, 25, 21)

    assert ENGLAND.next_working_start(thursday_evening) == london(2027, 3, 30, 8)
    assert SCOTLAND.next_working_start(thursday_evening) == london(2027, 3, 29, 8)


@pytest.mark.parametrize(
    "scottish_only",
    [date(2026, 11, 30), date(2025, 12, 1), date(2026, 6, 15), date(2026, 8, 3), date(2027, 1, 4)],
    ids=["st-andrews-day", "st-andrews-day-observed", "proclaimed-2026", "summer-bank-holiday", "new-year-observed"],
)
def test_a_scottish_only_bank_holiday_closes_scotland_and_not_england(scottish_only: date) -> None:
    assert not SCOTLAND.is_working_day(scottish_only)
    assert ENGLAND.is_working_day(scottish_only)


def test_northern_ireland_closes_for_st_patricks_day_and_the_boyne_observed() -> None:
    northern_ireland = WorkingCalendar(nation=Nation.NORTHERN_IRELAND)

    assert not northern_ireland.is_working_day(date(2027, 3, 17))
    assert not northern_ireland.is_working_day(date(2026, 7, 13))
    assert ENGLAND.is_working_day(date(2027, 3, 17))


def test_christmas_and_boxing_day_observed_on_the_following_weekdays() -> None:
    for nation in Nation:
        calendar = WorkingCalendar(nation=nation)
        assert calendar.next_working_start(london(2027, 12, 24, 20)) == london(2027, 12, 29, 8)
        assert calendar.next_working_start(london(2026, 12, 24, 20)) == london(2026, 12, 29, 8)


def test_bank_holidays_come_from_the_installed_data_per_nation() -> None:
    assert bank_holidays(Nation.WALES).get(date(2027, 12, 28)) == "Boxing Day (observed)"
    assert bank_holidays(Nation.SCOTLAND) is bank_holidays(Nation.SCOTLAND)


# Quiet hours as text


@pytest.mark.parametrize(
    ("text", "start", "end"), [("20:00-08:00", time(20), time(8)), (" 22:30 - 07:15 ", time(22, 30), time(7, 15))]
)
def test_quiet_hours_are_read_from_24_hour_text(text: str, start: time, end: time) -> None:
    assert parse_quiet_hours(text) == QuietHours(start=start, end=end)


@pytest.mark.parametrize("text", ["8pm-8am", "20:00", "24:00-08:00", "20:60-08:00", "20:00-08:00-09:00", ""])
def test_quiet_hours_that_are_not_two_24_hour_times_are_refused(text: str) -> None:
    with pytest.raises(CalendarSettingError, match="24-hour times"):
        parse_quiet_hours(text)


def test_quiet_hours_that_start_and_end_together_are_refused_as_ambiguous() -> None:
    with pytest.raises(CalendarSettingError, match="different times"):
        parse_quiet_hours("08:00-08:00")


# Working-day arithmetic


def test_end_of_the_second_working_day_from_thursday_afternoon_is_monday_evening() -> None:
    deadline = ENGLAND.end_of_working_day_after(london(2027, 6, 10, 15), 2)

    assert deadline == london(2027, 6, 14, 20)


def test_end_of_working_day_skips_the_easter_weekend_in_england() -> None:
    assert ENGLAND.end_of_working_day_after(london(2027, 3, 25, 15), 2) == london(2027, 3, 31, 20)
    assert SCOTLAND.end_of_working_day_after(london(2027, 3, 25, 15), 2) == london(2027, 3, 30, 20)


def test_end_of_working_day_without_evening_quiet_hours_is_midnight() -> None:
    early_quiet = WorkingCalendar(quiet_hours=parse_quiet_hours("00:00-07:00"))

    assert early_quiet.end_of_working_day_after(london(2027, 6, 10, 15), 1) == london(2027, 6, 12, 0)


def test_end_of_working_day_needs_at_least_one_day() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ENGLAND.end_of_working_day_after(london(2027, 6, 10, 15), 0)


def test_working_days_are_added_forwards_and_backwards_over_holidays() -> None:
    thursday_before_easter = date(2027, 3, 25)

    assert ENGLAND.add_working_days(thursday_before_easter, 2) == date(2027, 3, 31)
    assert ENGLAND.add_working_days(date(2027, 3, 31), -2) == thursday_before_easter
    assert ENGLAND.add_working_days(date(2027, 6, 12), 0) == date(2027, 6, 12)


def test_working_days_between_counts_after_the_first_date_through_the_last() -> None:
    assert ENGLAND.working_days_between(date(2027, 6, 10), date(2027, 6, 14)) == 2
    assert ENGLAND.working_days_between(date(2027, 3, 25), date(2027, 3, 31)) == 2
    assert SCOTLAND.working_days_between(date(2027, 3, 25), date(2027, 3, 31)) == 3
    assert ENGLAND.working_days_between(date(2027, 6, 14), date(2027, 6, 10)) == 0


# Local wall-clock schedules


def test_weekly_nine_oclock_stays_nine_local_across_the_march_change() -> None:
    found = occurrences(Weekly(MONDAY, NINE, LONDON), london(2027, 3, 15, 12), 3)

    assert [moment.astimezone(LONDON).time() for moment in found] == [NINE] * 3
    assert found == [utc(2027, 3, 22, 9), utc(2027, 3, 29, 8), utc(2027, 4, 5, 8)]


def test_weekly_nine_oclock_stays_nine_local_across_the_october_change() -> None:
    found = occurrences(Weekly(MONDAY, NINE, LONDON), london(2027, 10, 18, 12), 3)

    assert [moment.astimezone(LONDON).time() for moment in found] == [NINE] * 3
    assert found == [utc(2027, 10, 25, 8), utc(2027, 11, 1, 9), utc(2027, 11, 8, 9)]


def test_weekly_schedule_includes_today_when_the_time_is_still_ahead() -> None:
    assert Weekly(MONDAY, NINE, LONDON).next_after(london(2027, 3, 22, 8, 59)) == london(2027, 3, 22, 9)
    assert Weekly(MONDAY, NINE, LONDON).next_after(london(2027, 3, 22, 9)) == london(2027, 3, 29, 9)


def test_a_weekly_schedule_keeps_its_local_time_in_another_zone() -> None:
    new_york = parse_time_zone("America/New_York")
    found = occurrences(Weekly(MONDAY, NINE, new_york), utc(2027, 3, 1, 0), 3)

    assert found == [utc(2027, 3, 1, 14), utc(2027, 3, 8, 14), utc(2027, 3, 15, 13)]


@pytest.mark.parametrize("weekday", [-1, 7])
def test_a_weekday_outside_monday_to_sunday_is_refused(weekday: int) -> None:
    with pytest.raises(CalendarSettingError, match="weekday"):
        Weekly(weekday, NINE, LONDON)


def test_on_date_happens_once_at_local_time() -> None:
    due = OnDate(date(2027, 11, 1), NINE, LONDON)

    assert due.next_after(utc(2027, 1, 1, 0)) == utc(2027, 11, 1, 9)
    assert due.next_after(utc(2027, 11, 1, 9)) is None


def test_on_date_in_the_skipped_hour_fires_after_the_gap() -> None:
    assert OnDate(date(2027, 3, 28), time(1, 30), LONDON).next_after(utc(2027, 3, 1, 0)) == london(2027, 3, 28, 2, 30)


def test_on_date_in_the_repeated_hour_fires_once_at_the_first_occurrence() -> None:
    twice = OnDate(date(2027, 10, 31), time(1, 30), LONDON)
    first = twice.next_after(utc(2027, 10, 1, 0))

    assert first == utc(2027, 10, 31, 0, 30)
    assert first is not None and twice.next_after(first) is None


def test_two_working_days_before_a_due_date_skips_the_easter_weekend_by_nation() -> None:
    due_tuesday = date(2027, 3, 30)
    england = WorkingDaysBefore(due_tuesday, 2, NINE, ENGLAND)
    scotland = WorkingDaysBefore(due_tuesday, 2, NINE, SCOTLAND)

    assert england.next_after(utc(2027, 3, 1, 0)) == london(2027, 3, 24, 9)
    assert scotland.next_after(utc(2027, 3, 1, 0)) == london(2027, 3, 25, 9)


def test_a_reminder_ahead_of_a_date_already_past_has_no_occurrence() -> None:
    assert WorkingDaysBefore(date(2027, 6, 14), 2, NINE, ENGLAND).next_after(london(2027, 6, 11, 12)) is None


def test_a_reminder_ahead_of_a_date_needs_at_least_one_working_day() -> None:
    with pytest.raises(CalendarSettingError, match="at least one working day"):
        WorkingDaysBefore(date(2027, 6, 14), 0, NINE, ENGLAND)


def test_weekly_while_overdue_starts_a_week_after_the_due_date_and_keeps_nine_local() -> None:
    found = occurrences(WeeklyAfter(date(2027, 10, 18), NINE, LONDON), london(2027, 10, 18, 9), 3)

    assert found == [london(2027, 10, 25, 9), london(2027, 11, 1, 9), london(2027, 11, 8, 9)]
    assert found[:2] == [utc(2027, 10, 25, 8), utc(2027, 11, 1, 9)]


def test_weekly_while_overdue_resumes_at_the_next_week_after_a_long_outage() -> None:
    overdue = WeeklyAfter(date(2027, 1, 4), NINE, LONDON)

    assert overdue.next_after(london(2027, 6, 14, 9, 1)) == london(2027, 6, 21, 9)
    assert overdue.next_after(london(2027, 6, 14, 8, 59)) == london(2027, 6, 14, 9)


def test_an_occurrence_in_quiet_time_is_delivered_at_the_next_working_start() -> None:
    saturday_digest = Weekly(5, NINE, LONDON).next_after(london(2027, 6, 7, 12))

    assert saturday_digest is not None
    assert ENGLAND.next_working_start(saturday_digest) == london(2027, 6, 14, 8)
