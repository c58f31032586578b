"""Slack event deliveries in flight or done, remembered for a while, so Slack's retries do not repeat work (S4, S5).

A retry of a delivery whose handling failed runs again (SL-5). Kept in memory: a retry after a restart is not
recognised here.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

DEDUPE_TTL_SECONDS = 15 * 60
DEDUPE_MAX_EVENTS = 10_000


class Deliveries:
    """Event ids with their expiry, oldest first, bounded in number."""

    def __init__(self, clock: Callable[[], float], ttl: float = DEDUPE_TTL_SECONDS, limit: int = DEDUPE_MAX_EVENTS) -> None:
        self._clock = clock
        self._ttl = ttl
        self._limit = limit
        self._expiry: OrderedDict[str, float] = OrderedDict()

    def claim(self, event_id: str) -> bool:
        """True if this delivery should run: the id is new, or every earlier attempt at it failed."""
        now = self._clock()
        while self._expiry and next(iter(self._expiry.values())) <= now:
            self._expiry.popitem(last=False)
        if event_id in self._expiry:
            return False
        self._expiry[event_id] = now + self._ttl
        while len(self._expiry) > self._limit:
            self._expiry.popitem(last=False)
        return True

    def release(self, event_id: str) -> None:
        """Forget a delivery whose handling failed, so Slack's retry of it is the one that runs."""
        self._expiry.pop(event_id, None)
