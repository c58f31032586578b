"""The real clock gives aware UTC instants; the test clock stands still until a test moves it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import Clock, utc_now
from tests.manual_clock import ManualClock

START = datetime(2027, 3, 28, 0, 30, tzinfo=UTC)


def test_the_real_clock_is_aware_and_in_utc() -> None:
    before = datetime.now(UTC)
    now = utc_now()

    assert now.tzinfo is UTC
    assert before <= now <= datetime.now(UTC)


def test_the_test_clock_is_a_clock_that_moves_only_when_advanced() -> None:
    manual = ManualClock(START)
    clock: Clock = manual

    assert clock() == clock() == START
    manual.advance(timedelta(hours=1))
    assert clock() == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
