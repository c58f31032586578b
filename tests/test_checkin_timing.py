"""When a check-in closes and when its nudges may go, worked out by hand in London's working time (08:00-20:00)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.services import checkin_timing as timing
from bot.working_calendar import WorkingCalendar

LONDON = WorkingCalendar()
MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
WEDNESDAY_CLOSE = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0, month: int = 11, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_the_default_deadline_is_the_end_of_the_second_working_day_after_today() -> None:
    assert timing.default_deadline(LONDON, MONDAY) == WEDNESDAY_CLOSE
    assert timing.default_deadline(LONDON, at(27, 16)) == at(1, 20, month=12)


def test_a_deadline_on_a_day_off_moves_to_the_end_of_the_next_working_day() -> None:
    assert timing.deadline_on(LONDON, date(2026, 11, 27)) == at(27, 20)
    assert timing.deadline_on(LONDON, date(2026, 12, 25)) == at(29, 20, month=12)


def test_halfway_is_half_of_the_working_time_not_of_the_clock() -> None:
    assert timing.working_time(LONDON, MONDAY, WEDNESDAY_CLOSE) == timedelta(hours=34, minutes=30)
    assert timing.halfway(LONDON, MONDAY, WEDNESDAY_CLOSE) == at(24, 14, 45)


def test_a_nudge_waits_24_hours_after_the_last_message_and_for_working_time() -> None:
    found = timing.nudge_time(
        LONDON, "halfway", due=at(24, 14, 45), deadline=at(27, 20), last_message=at(24, 10), snoozed_until=None
    )
    evening = timing.nudge_time(
        LONDON, "halfway", due=at(24, 21), deadline=at(27, 20), last_message=None, snoozed_until=None
    )

    assert found == at(25, 10)
    assert evening == at(25, 8)


def test_no_halfway_nudge_with_less_than_a_working_day_left_nor_any_nudge_in_the_last_hour() -> None:
    assert timing.nudge_time(
        LONDON, "halfway", due=at(25, 9), deadline=WEDNESDAY_CLOSE, last_message=None, snoozed_until=None
    ) is None
    assert timing.nudge_time(
        LONDON, "closing", due=at(25, 19, 30), deadline=WEDNESDAY_CLOSE, last_message=None, snoozed_until=None
    ) is None


def test_the_closing_day_nudge_only_goes_on_the_closing_day_and_not_while_snoozed() -> None:
    assert timing.nudge_time(
        LONDON, "closing", due=at(25, 8), deadline=WEDNESDAY_CLOSE, last_message=at(24, 14, 45), snoozed_until=None
    ) == at(25, 14, 45)
    assert timing.nudge_time(
        LONDON, "closing", due=at(25, 8), deadline=WEDNESDAY_CLOSE, last_message=at(25, 9), snoozed_until=None
    ) is None
    assert timing.nudge_time(
        LONDON, "closing", due=at(25, 8), deadline=WEDNESDAY_CLOSE, last_message=None, snoozed_until=at(25, 12)
    ) == at(25, 12)
