"""The current time as a value that can be passed in, so scheduled work can be tested without waiting.

Everything that asks "what time is it?" takes a `Clock` instead of calling `datetime.now`; production passes
`utc_now`, tests pass a clock they move by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""Returns the current instant, timezone-aware, in UTC."""


def utc_now() -> datetime:
    """The real clock: aware, in UTC, so instants compare and store the same on every machine."""
    return datetime.now(UTC)
