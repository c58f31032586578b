"""A clock that moves only when a test moves it: scheduled work is tested without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ManualClock:
    """A `bot.clock.Clock` that stands still until `advance` or `set` is called."""

    def __init__(self, start: datetime) -> None:
        self._now = _aware_utc(start)

    def __call__(self) -> datetime:
        return self._now

    def advance(self, by: timedelta) -> None:
        """Move forward; a clock never goes back, so a negative step is a bug in the test."""
        if by < timedelta(0):
            raise ValueError("a clock only moves forward")
        self._now += by

    def set(self, instant: datetime) -> None:
        """Jump forward to `instant`."""
        self.advance(_aware_utc(instant) - self._now)


def _aware_utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("the clock needs an aware datetime, not a naive one")
    return instant.astimezone(UTC)
