"""The fake Bot Connector with Teams' rate limits enforced: a request over a limit gets 429 with Retry-After.

Limits are counted over sliding windows of real time, as Teams counts them: per conversation (7 a second, 8 in
2 seconds) and per tenant (50 a second). `scale` multiplies every limit, so a test can check that the bot keeps to
them without spending minutes of real time; the bot's own pacer is scaled the same way by the test.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from typing import Any

from aiohttp import web

from tests.fakes.connector import FakeConnector, _CannedFailure

PER_CONVERSATION = ((7, 1.0), (8, 2.0))
PER_TENANT = ((50, 1.0),)
TENANT = "tenant"


class RateLimitedConnector(FakeConnector):
    """Answers 429 (Retry-After: 1) to any request that would exceed a limit; counts them in `limited`."""

    def __init__(self, *args: Any, scale: float = 1.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scale = scale
        self.limited = 0
        self._seen: defaultdict[str, deque[float]] = defaultdict(deque)

    async def _answer(
        self, request: web.Request, kind: str | None, success: dict[str, Any] | None, refusal: tuple[int, str] | None = None
    ) -> web.Response:
        if kind in ("send", "update", "create") and self._over_limit(request.match_info.get("cid")):
            self.limited += 1
            self._failures.appendleft(_CannedFailure(429, "TooManyRequests", None, 1.0))
        return await super()._answer(request, kind, success, refusal)

    def _over_limit(self, conversation: str | None) -> bool:
        """Record this request in its windows; True when any window already holds its limit's worth."""
        now = time.monotonic()
        keys = [(TENANT, PER_TENANT)] + ([(conversation, PER_CONVERSATION)] if conversation else [])
        over = False
        for key, limits in keys:
            seen = self._seen[key]
            longest = max(window for _count, window in limits)
            while seen and seen[0] <= now - longest:
                seen.popleft()
            over |= any(sum(t > now - window for t in seen) >= count * self.scale for count, window in limits)
            seen.append(now)
        return over


class CountingConnector(RateLimitedConnector):
    """For a benchmark that serves the fake from its own process: `GET /counts` answers how many requests were
    refused and how many cards reached direct conversations, so the bot's event loop never skews its clock."""

    async def _unknown(self, request: web.Request) -> web.Response:
        if request.method == "GET" and request.path == "/counts":
            direct = sum(
                1 for r in self.requests
                if r.kind == "send" and r.status == 200 and r.path.startswith("/v3/conversations/a:")
            )
            return web.json_response({"limited": self.limited, "direct_cards": direct})
        return await super()._unknown(request)


async def serve_forever() -> None:
    """Serve a CountingConnector on a free loopback port; its URL is the first line printed."""
    async with CountingConnector() as connector:
        print(connector.url, flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(serve_forever())
