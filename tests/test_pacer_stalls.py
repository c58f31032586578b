"""The pacer after a stalled event loop: requests whose slots passed during the stall do not go out in one burst."""

from __future__ import annotations

import asyncio

import pytest

from adapters.scheduler import LATE_WAKE, Limits, RatePacer
from tests.test_scheduler import send_times, to
from tests.virtual_time import VirtualTime

STALL = 0.7
TEAMS_TENANT_LIMIT = 50
"""What Teams allows one app in one tenant per second; the pacer plans for 30, leaving room for a short stall."""


class StallingTime(VirtualTime):
    """Virtual time that jumps STALL seconds before waking anyone the first time, as when the event loop is held up
    by other work: every sleeper whose time passed meanwhile then wakes at the same moment."""

    def __init__(self) -> None:
        super().__init__()
        self.stalled = False

    def _wake_next(self) -> None:
        if not self.stalled:
            self.stalled = True
            self.now += STALL
        super()._wake_next()


def _most_in_one_second(times: list[float]) -> int:
    return max(sum(start <= t < start + 1.0 for t in times) for start in times)


async def test_a_stall_does_not_release_a_burst_over_the_tenants_rate() -> None:
    """Without re-queueing, the 21 requests whose slots passed during the stall would go with the next 30: 50 in a
    second. Only those late by no more than LATE_WAKE go at once; the rest queue again at the back."""
    time = StallingTime()
    pacer = RatePacer({"teams": Limits(7.0, 30.0)}, monotonic=time.monotonic, sleep=time.sleep)

    times = await send_times(time, pacer, [to(f"a:{n}") for n in range(120)])

    assert _most_in_one_second(times) <= 30 * (1 + LATE_WAKE) + 1 < TEAMS_TENANT_LIMIT
    assert len(times) == 120


async def test_without_a_stall_the_slots_are_kept_exactly() -> None:
    time = VirtualTime()
    pacer = RatePacer({"teams": Limits(7.0, 30.0)}, monotonic=time.monotonic, sleep=time.sleep)

    times = await send_times(time, pacer, [to(f"a:{n}") for n in range(60)])

    assert sorted(times) == pytest.approx([n / 30 for n in range(60)])


class OversleepingTime(VirtualTime):
    """Virtual time in which every sleep ends half a second late: a machine too busy to wake anyone on time."""

    async def sleep(self, seconds: float) -> None:
        await super().sleep(seconds + 0.5)


async def test_a_loop_that_oversleeps_every_wait_still_sends_everything() -> None:
    time = OversleepingTime()
    pacer = RatePacer({"teams": Limits(7.0, 30.0)}, monotonic=time.monotonic, sleep=time.sleep)

    async with asyncio.timeout(10):
        times = await send_times(time, pacer, [to(f"a:{n}") for n in range(60)])

    assert len(times) == 60
