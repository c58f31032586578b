"""The scheduler: one asyncio loop, started and stopped with the app, that runs due jobs through bot/jobs.py.

Each tick lists at most `batch` due jobs in every tenant (`Store.due_jobs`) and runs them concurrently through the
`JobRunner`; it ticks again at once when the batch was full, else after `poll` seconds or when woken. The store's
leases, not this loop, make a job run once, so two processes (or two loops in tests) over one store are safe.

`RatePacer` keeps sends within the platforms' limits: per conversation (Teams 7 a second, Slack about 1 a second per
channel) and per tenant (Teams: 30 a second of the 50 allowed). Requests are spaced evenly, first by their
conversation's limit and then by their tenant's, in the order they asked; a `Retry-After` pauses that
conversation, and the job itself is retried after it (bot/jobs.py).

Stopping: the loop stops polling, jobs still waiting for the pacer are abandoned before anything is recorded as
sending (their leases free them for the next start), and sends already in flight are allowed `drain` seconds to
finish, so a restart leaves as few jobs as possible uncertain.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from bot.errors import where
from bot.jobs import Abandoned, JobRunner, Outcome
from bot.keys import Platform
from bot.models import ConversationRef, ScheduledJob
from bot.store import Store

log = logging.getLogger("reflect.scheduler")
BATCH = 200
POLL_SECONDS = 5.0
DRAIN_SECONDS = 10.0
LATE_WAKE = 0.2
"""Seconds after its slot a request may still go; later than that, it queues again (see `RatePacer._slot`)."""


@dataclass(frozen=True)
class Limits:
    """Requests per second a platform allows in one conversation, and in one tenant (None: no tenant limit)."""

    per_conversation: float
    per_tenant: float | None = None


PLATFORM_LIMITS: Mapping[Platform, Limits] = {"teams": Limits(7.0, 30.0), "slack": Limits(1.0)}


def scheduler_id() -> str:
    """Names this process's leases: host and pid for the logs, and a random part so a restart is someone new."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


class RatePacer:
    """Evenly spaced slots per conversation and per tenant; `stop` abandons every wait (see module docstring)."""

    def __init__(
        self,
        limits: Mapping[Platform, Limits] = PLATFORM_LIMITS,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._limits, self._monotonic, self._sleep = limits, monotonic, sleep
        self._next: dict[tuple[str, ...], float] = {}
        self._stopped = asyncio.Event()

    async def wait(self, to: ConversationRef) -> None:
        limits = self._limits.get(_platform(to))
        if limits is None:
            return
        await self._slot((to.channel_id, to.tenant_id, to.conversation_id), limits.per_conversation)
        if limits.per_tenant is not None:
            await self._slot((to.channel_id, to.tenant_id), limits.per_tenant)

    def back_off(self, to: ConversationRef, seconds: float) -> None:
        key = (to.channel_id, to.tenant_id, to.conversation_id)
        self._next[key] = max(self._next.get(key, 0.0), self._monotonic() + seconds)

    def stop(self) -> None:
        self._stopped.set()

    async def _slot(self, key: tuple[str, ...], per_second: float) -> None:
        """Reserve the key's next free slot, then wait for it; raises Abandoned once stopped.

        A wait that ends well after its slot (the event loop was held up) takes one fresh slot instead of going at
        once: otherwise every request whose slot passed during the stall would go out together, a burst over the
        limit the slots were spacing them under. Only once, so that a loop that oversleeps every wait still sends.
        """
        for attempt in range(2):
            self._check()
            now = self._monotonic()
            slot = max(now, self._next.get(key, now))
            self._next[key] = slot + 1.0 / per_second
            if slot > now:
                await self._pause(slot - now)
            if attempt or self._monotonic() - slot <= LATE_WAKE:
                break
        self._check()

    async def _pause(self, seconds: float) -> None:
        """Sleep, but wake at once when stopped."""
        sleeping = asyncio.ensure_future(self._sleep(seconds))
        stopping = asyncio.ensure_future(self._stopped.wait())
        try:
            await asyncio.wait((sleeping, stopping), return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeping.cancel()
            stopping.cancel()

    def _check(self) -> None:
        if self._stopped.is_set():
            raise Abandoned("the scheduler is stopping")


def _platform(to: ConversationRef) -> Platform:
    return "slack" if to.channel_id == "slack" else "teams"


class Scheduler:
    """The loop; `tick` runs one batch, `run_now` has the running loop tick and returns what it did (for tests)."""

    def __init__(
        self,
        store: Store,
        runner: JobRunner,
        clock: Callable[[], datetime],
        *,
        pacer: RatePacer,
        batch: int = BATCH,
        poll: float = POLL_SECONDS,
        drain: float = DRAIN_SECONDS,
    ) -> None:
        self._store, self._runner, self._clock, self._pacer = store, runner, clock, pacer
        self._batch, self._poll, self._drain = batch, poll, drain
        self._wakeup = asyncio.Event()
        self._ticked = asyncio.Condition()
        self._started = self._finished = 0
        self._last: list[Outcome] = []
        self._task: asyncio.Task[None] | None = None
        self._tick: asyncio.Future[list[Outcome]] | None = None
        self._stopping = False

    async def tick(self) -> list[Outcome]:
        """Run every job due now, up to one batch, concurrently; each job's fate is in the store."""
        due = await self._store.due_jobs(self._clock(), limit=self._batch)
        return list(await asyncio.gather(*(self._run(job) for job in due)))

    def wake(self) -> None:
        """Tick now rather than at the next poll: a job was just added for now."""
        self._wakeup.set()

    async def run_now(self) -> list[Outcome]:
        """Wake the running loop and return the outcomes of the first tick that starts after this call."""
        if self._task is None:
            raise RuntimeError("the scheduler loop is not running")
        wanted = self._started + 1
        self.wake()
        async with self._ticked:
            await self._ticked.wait_for(lambda: self._finished >= wanted)
        return self._last

    async def lifecycle(self, _app: web.Application) -> AsyncIterator[None]:
        """aiohttp cleanup_ctx: the loop runs while the app does (append it after the store's, so it stops first)."""
        self._task = asyncio.create_task(self._loop(), name="reflect-scheduler")
        yield
        await self.stop()

    async def stop(self) -> None:
        """Stop polling, abandon jobs waiting for the pacer, and give sends in flight `drain` seconds to finish."""
        self._stopping = True
        self._pacer.stop()
        task, self._task = self._task, None
        if task is None:
            return
        current = self._tick
        if current is not None:
            with suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(current), self._drain)
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task

    async def _loop(self) -> None:
        while not self._stopping:
            self._wakeup.clear()
            self._started += 1
            self._tick = asyncio.ensure_future(self._safe_tick())
            outcomes = await self._tick
            self._tick = None
            async with self._ticked:
                self._finished, self._last = self._started, outcomes
                self._ticked.notify_all()
            if len(outcomes) < self._batch:
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), self._poll)

    async def _safe_tick(self) -> list[Outcome]:
        """A store failure while listing jobs costs one tick, not the loop."""
        try:
            return await self.tick()
        except Exception as error:
            log.error("scheduler tick failed: %s at %s", type(error).__name__, where(error))
            return []

    async def _run(self, job: ScheduledJob) -> Outcome:
        """One job; a bug in it is logged and costs only that job, whose lease frees it for a later, bounded try."""
        try:
            return await self._runner.run(job)
        except Exception as error:
            log.error("job %s broke: %s at %s", job.id, type(error).__name__, where(error))
            return "broken"
