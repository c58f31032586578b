"""Virtual monotonic time for code that sleeps (the rate pacer): sleepers wake in time order, and no test waits."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")
_SETTLE_YIELDS = 20


class VirtualTime:
    """`monotonic` and `sleep` for injection; `run` drives awaitables to completion, jumping time between sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._order), woken))
        await woken

    async def run(self, *work: Awaitable[T]) -> list[T]:
        """Run `work` concurrently; whenever every task is asleep, move time to the earliest wake-up."""
        gathered = asyncio.gather(*work)
        while not gathered.done():
            for _ in range(_SETTLE_YIELDS):
                await asyncio.sleep(0)
            self._wake_next()
        return await gathered

    def _wake_next(self) -> None:
        while self._sleepers:
            at, _, woken = heapq.heappop(self._sleepers)
            if not woken.done():
                self.now = max(self.now, at)
                woken.set_result(None)
                return
