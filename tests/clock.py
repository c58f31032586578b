"""A clock that moves only when a test moves it, so nothing in a test sleeps to let time pass."""

from __future__ import annotations

from datetime import datetime, timedelta


class ManualClock:
    """Callable like `datetime.now(UTC)`; `advance` moves it forward."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by
