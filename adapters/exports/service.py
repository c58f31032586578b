"""The exporter: gather an export's data on the event loop in short steps, then write the file in a separate
process, so neither reading a big group nor laying out its file holds up other turns.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from adapters.exports import worker
from bot import messages as say
from bot.errors import Unavailable
from bot.exports import FORMAT_NAMES, MIME_TYPES, ExportData, ExportRequest, header_of, row_fields
from bot.framework import Framework
from bot.services import exports
from bot.services.tally import PART
from bot.store import Store

log = logging.getLogger("reflect.exports")


@dataclass(frozen=True)
class ExportedFile:
    content: bytes
    filename: str
    mime: str
    title: str


def pdf_installed() -> bool:
    """Is the optional `pdf` extra there? Looked up without importing it."""
    return all(importlib.util.find_spec(name) is not None for name in ("weasyprint", "matplotlib"))


async def encoded(data: ExportData) -> tuple[bytes, dict[str, list[bytes]]]:
    """The data as JSON: the header in one piece, each list of rows a part at a time with the loop free between."""
    parts: dict[str, list[bytes]] = {}
    for name, rows in (("actions", data.actions), ("answers", data.answers), ("revisions", data.revisions)):
        chunks: list[bytes] = []
        for start in range(0, len(rows), PART):
            chunks.append(json.dumps([row_fields(row) for row in rows[start : start + PART]]).encode())
            await asyncio.sleep(0)
        parts[name] = chunks
    return json.dumps(header_of(data)).encode(), parts


def _start(pool: ProcessPoolExecutor, workers: int) -> None:
    """Have every worker process started (each submit starts one while fewer are idle than asked for)."""
    for started in [pool.submit(int) for _ in range(workers)]:
        started.result()


class Exporter:
    """Makes export files for any channel; the worker process starts on first use and stops with the app."""

    def __init__(
        self, store: Store, framework: Framework, clock: Callable[[], datetime], zone: ZoneInfo, *, workers: int = 1,
        pdf_available: Callable[[], bool] | None = None,
    ) -> None:
        self._store, self._framework, self._clock, self._zone = store, framework, clock, zone
        self._workers = workers
        self._pdf_available = pdf_available or pdf_installed
        self._pool: ProcessPoolExecutor | None = None
        self._starting = asyncio.Lock()

    async def make(self, request: ExportRequest) -> ExportedFile:
        """The file, or a `Refusal` to tell the person (not allowed, nothing to export, PDF not installed)."""
        if request.format in ("pdf", "html") and not self._pdf_available():
            raise Unavailable(say.EXPORT_PDF_MISSING)
        data = await exports.gather(self._store, self._framework, request, self._clock().astimezone(self._zone).date())
        subject = data.subject
        header, parts = await encoded(data)
        await asyncio.sleep(0)
        del data  # freed in a step of its own: a big group's rows are tens of thousands of objects
        try:
            pool = await self._executor()
            content = await asyncio.get_running_loop().run_in_executor(pool, worker.make, request.format, header, parts)
        except worker.PdfUnavailable:
            raise Unavailable(say.EXPORT_PDF_MISSING) from None
        log.info("export made: %s, %d bytes", request.format, len(content))
        title = say.EXPORT_CONSENT_DESCRIPTION.format(format=FORMAT_NAMES[request.format], subject=subject)
        return ExportedFile(content, request.filename, MIME_TYPES[request.format], title)

    async def _executor(self) -> ProcessPoolExecutor:
        """Spawned rather than forked (the bot's process has threads, and a fork would copy their locks), and started
        from a helper thread, so that starting a process never runs on the event loop."""
        async with self._starting:
            if self._pool is None:
                pool = ProcessPoolExecutor(self._workers, mp_context=multiprocessing.get_context("spawn"))
                await asyncio.get_running_loop().run_in_executor(None, _start, pool, self._workers)
                self._pool = pool
        return self._pool

    async def close(self) -> None:
        """Stop the worker processes (waiting off the loop for any file still being written)."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await asyncio.get_running_loop().run_in_executor(None, pool.shutdown)

