"""The real clock gives aware UTC instants; the test clock moves only forward, and only when told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.clock import Clock, utc_now
from tests.manual_clock import ManualClock

START = datetime(2027, 3, 28, 0, 30, tzinfo=UTC)


def test_the_real_clock_is_aware_and_in_utc() -> None:
    before = datetime.now(UTC)
    now = utc_now()

    assert now.tzinfo is UTC
    assert before <= now <= datetime.now(UTC)


def test_the_manual_clock_stands_still_until_advanced() -> None:
    clock: Clock = ManualClock(START)

    assert clock() == clock() == START


def test_the_manual_clock_advances_and_jumps_forward() -> None:
    clock = ManualClock(START)

    clock.advance(timedelta(hours=1))
    first = clock()
    clock.set(datetime(2027, 3, 29, 9, tzinfo=timezone(timedelta(hours=1))))

    assert (first, clock()) == (datetime(2027, 3, 28, 1, 30, tzinfo=UTC), datetime(2027, 3, 29, 8, tzinfo=UTC))
    assert clock().tzinfo is UTC


def test_the_manual_clock_refuses_to_go_back() -> None:
    clock = ManualClock(START)

    with pytest.raises(ValueError, match="forward"):
        clock.set(START - timedelta(seconds=1))
    assert clock() == START


def test_the_manual_clock_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError, match="aware"):
        ManualClock(datetime(2027, 3, 28, 0, 30))
