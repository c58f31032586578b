"""Acknowledge first, then work: Slack allows 3 s for the answer to any request (S3, SL-4).

The empty 200 goes on the wire before the bot starts; the work runs as a task, and `drain` waits for all of it, so
a shutdown never drops what Slack was told we accepted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from adapters.slack.payloads import SlackRequest

log = logging.getLogger("reflect.slack")


class AckThenRun:
    """Runs `handle` for each acknowledged request, and knows which are still running."""

    def __init__(self, handle: Callable[[SlackRequest], Awaitable[None]]) -> None:
        self._handle = handle
        self._tasks: set[asyncio.Task[None]] = set()

    async def ack_then_run(self, request: web.Request, work: SlackRequest) -> web.Response:
        """Put an empty 200 on the wire, then start the work, so slow work never delays the ack.

        The work starts even if writing the ack failed: Slack retries only events, and the delivery claim catches those.
        """
        ack = web.Response()
        try:
            await ack.prepare(request)
            await ack.write_eof()
        except ConnectionError:
            log.info("Slack hung up before the acknowledgement of a %s was sent", work.kind)
        finally:
            task = asyncio.create_task(self._run(work), name=f"slack-{work.kind}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return ack

    async def drain(self) -> None:
        """Wait for acknowledged work still running."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _run(self, work: SlackRequest) -> None:
        """Run the bot for one request; a failure reaching this far is logged by type only."""
        try:
            await self._handle(work)
        except Exception as error:
            log.error("Slack %s handling failed: %s (team %s)", work.kind, type(error).__name__, work.team_id)
