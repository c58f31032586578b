"""Acknowledge first, then work: Slack allows 3 s for the answer to any request (S3, SL-4).

The empty 200 goes on the wire before the bot starts; the work runs as a task, and `drain` waits for all of it, so
a shutdown never drops what Slack was told we accepted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from adapters.slack.deliveries import Deliveries
from adapters.slack.payloads import SlackRequest

log = logging.getLogger("reflect.slack")


class AckThenRun:
    """Runs `handle` for each acknowledged request; a failed event is released for Slack's retry."""

    def __init__(self, handle: Callable[[SlackRequest], Awaitable[None]], deliveries: Deliveries) -> None:
        self._handle = handle
        self._deliveries = deliveries
        self._tasks: set[asyncio.Task[None]] = set()

    async def ack_then_run(self, request: web.Request, work: SlackRequest, event_id: str | None) -> web.Response:
        """Put an empty 200 on the wire, then start the work, so slow work never delays the ack.

        The work starts even if writing the ack failed: Slack retries only events, and those the dedupe catches.
        """
        ack = web.Response()
        try:
            await ack.prepare(request)
            await ack.write_eof()
        except ConnectionError:
            log.info("Slack hung up before the acknowledgement of a %s was sent", work.kind)
        finally:
            task = asyncio.create_task(self._run(work, event_id), name=f"slack-{work.kind}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return ack

    async def drain(self) -> None:
        """Wait for acknowledged work still running."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _run(self, work: SlackRequest, event_id: str | None) -> None:
        """Run the bot for one request; a failure is logged by type only and frees the event for Slack's retry."""
        succeeded = False
        try:
            await self._handle(work)
            succeeded = True
        except Exception as error:
            log.error(
                "Slack %s handling failed: %s (team %s, event %s)",
                work.kind, type(error).__name__, work.team_id, event_id,
            )
        finally:
            if event_id is not None and not succeeded:
                self._deliveries.release(event_id)
