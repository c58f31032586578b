"""A worker process for JSON-heavy store work (loading a big team, compaction), started on first use.

Parsing and serialising JSON holds the interpreter lock, so in a thread it still stalls the
event loop; in another process it does not. The process is spawned from a thread (spawning
takes a while), runs at a lower CPU priority than the bot, and exits if the bot dies.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)
WORKER_NICENESS = 10
"""On a machine with as many busy processes as cores, a big load must not take CPU time from the turns in flight."""


class WorkerProcess:
    """One spawned process running submitted functions in order."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._submitter: ThreadPoolExecutor | None = None

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` in the worker; a worker that died (killed, out of memory) is replaced once."""
        try:
            return await self._run_once(function, *args)
        except BrokenProcessPool:
            log.warning("the store's worker process died; starting another")
            await asyncio.to_thread(self._drop_pool)
        return await self._run_once(function, *args)

    def shutdown(self) -> None:
        self._drop_pool()
        if self._submitter is not None:
            self._submitter.shutdown(wait=True)
            self._submitter = None

    async def _run_once(self, function: Callable[..., T], *args: Any) -> T:
        if self._submitter is None:
            self._submitter = ThreadPoolExecutor(max_workers=1, initializer=_lower_priority)
        loop = asyncio.get_running_loop()
        job: Future[T] = await loop.run_in_executor(self._submitter, partial(self._submit, function, *args))
        return await asyncio.wrap_future(job)

    def _drop_pool(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None

    def _submit(self, function: Callable[..., T], *args: Any) -> Future[T]:
        """Runs in a thread: the first submit spawns the process, which must not stall the loop."""
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_worker,
                    initargs=(os.getpid(),),
                )
            return self._pool.submit(function, *args)


def _lower_priority() -> None:
    """For the thread that spawns the worker: on Linux a thread has its own niceness, and a child inherits it.

    So the worker starts (imports and all) at the lower priority, not only once its initializer runs.
    """
    os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICENESS)


def _start_worker(parent_pid: int) -> None:
    """Background work yields the CPU to the bot's event loop, and never outlives a killed bot.

    A half-done snapshot left by a killed worker is a harmless temp file.
    """
    os.setpriority(os.PRIO_PROCESS, 0, max(WORKER_NICENESS, os.getpriority(os.PRIO_PROCESS, 0)))

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
