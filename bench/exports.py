"""Export benchmark: Word, Excel and PDF of one big working group's assessment, through the exporter the bot uses.

Run with `.venv/bin/python bench/exports.py` (`--quick` for a smaller smoke run).
The group is bench/digest.py's: 500 members, 20,000 answers (10,000 in the current cycle and 10,000 in the last, a
third with evidence), 1,000 actions, agreed levels on a few sections, in the memory store. Each export is what
`export word` (xlsx, pdf) does after the turn: check the person may export, read the store, lay out the data a part
at a time on the event loop, then write the file in the export process. Formats are interleaved round by round.
Reported: wall time and the bot process's CPU time per export (median and spread), the longest event-loop callback
(own CPU time and wall time, garbage collection apart) while exporting, and the peak memory of the export process
for each format (a fresh process per format) and of the bot process's own share (tracemalloc).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import resource
import statistics
import sys
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.exports import worker  # noqa: E402
from adapters.exports.service import Exporter, encoded  # noqa: E402
from adapters.store.memory import MemoryStore  # noqa: E402
from bench.digest import NOW, SPACE, Figures, Group, big_group, close, watch_loop  # noqa: E402
from bot.exports import ExportFormat, ExportRequest  # noqa: E402
from bot.framework import Framework, load_framework  # noqa: E402
from bot.services import exports  # noqa: E402
from bot.keys import AssessmentKey, TeamKey  # noqa: E402
from bot.store import Store  # noqa: E402

FORMATS: tuple[ExportFormat, ...] = ("docx", "xlsx", "pdf")
STALL_GOAL_MS = 5.0


def request(fmt: ExportFormat, group: Group) -> ExportRequest:
    return ExportRequest(
        format=fmt, platform=SPACE.tenant.platform, tenant_id=SPACE.tenant.tenant_id, space=SPACE.team_id,
        assessment_id=group.current.assessment.id, user_id=group.team.members[0].user_id, group=True,
    )


async def stored(framework: Framework, group: Group) -> Store:
    """The group in a memory store, its last cycle closed with its results kept, as `close cycle` leaves it."""
    store = MemoryStore()
    await store.open()
    kept = await close(framework, group)
    last = group.previous.assessment.model_copy(update={"results": kept, "closed_at": NOW})
    for doc in (group.team, group.current.assessment, last, *group.current.agreements.values(),
                *group.current.responses, *group.previous.responses, *group.current.actions):
        await store.put(SPACE, doc)
    return store


class Preread:
    """The store's answers as already read: the export's own work is timed apart from the store's one big read
    (one callback of its own, whichever store; measured on its own below, as in the digest benchmark)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._read: dict[tuple[object, ...], object] = {}

    async def _once(self, key: tuple[object, ...], read: Callable[[], Awaitable[object]]) -> Any:
        if key not in self._read:
            self._read[key] = await read()
        return self._read[key]

    async def get(self, team: TeamKey, kind: type, doc_id: str) -> Any:
        return await self._once(("get", team, kind, doc_id), lambda: self._store.get(team, kind, doc_id))

    async def find(self, team: TeamKey, kind: type, **where: object) -> Any:
        key = ("find", team, kind, *sorted(where.items()))
        return await self._once(key, lambda: self._store.find(team, kind, **where))

    async def responses(self, key: AssessmentKey) -> Any:
        return await self._once(("responses", key), lambda: self._store.responses(key))


async def store_read(store: Store, group: Group) -> float:
    """One read of the current cycle's answers from the memory store: a single callback, the store's own cost."""
    started = time.process_time()
    await store.responses(AssessmentKey(SPACE, group.current.assessment.id))
    return time.process_time() - started


def peak_kib() -> int:
    """This process's peak resident memory (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


async def worker_peaks(store: Store, framework: Framework, group: Group) -> dict[str, tuple[int, int]]:
    """Per format, in a fresh export process: its peak memory, and the file's size."""
    loop = asyncio.get_running_loop()
    data = await exports.gather(store, framework, request("docx", group), NOW.date())
    header, parts = await encoded(data)
    peaks = {}
    for fmt in FORMATS:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            made = await loop.run_in_executor(pool, worker.make, fmt, header, parts)
            peaks[fmt] = (await loop.run_in_executor(pool, peak_kib), len(made))
    return peaks


async def bot_side_peak(store: Store, framework: Framework, group: Group) -> int:
    """The bot process's own allocations for one export's data: reading, laying out and encoding (bytes)."""
    tracemalloc.start()
    data = await exports.gather(store, framework, request("docx", group), NOW.date())
    await encoded(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


async def rounds(exporter: Exporter, group: Group, runs: int) -> tuple[dict[str, list[float]], dict[str, list[float]], Figures]:
    wall: dict[str, list[float]] = {fmt: [] for fmt in FORMATS}
    cpu: dict[str, list[float]] = {fmt: [] for fmt in FORMATS}
    figures = Figures()
    with watch_loop(figures):
        for _ in range(runs):
            for fmt in FORMATS:
                started, spent = time.perf_counter(), time.process_time()
                await exporter.make(request(fmt, group))
                wall[fmt].append(time.perf_counter() - started)
                cpu[fmt].append(time.process_time() - spent)
    return wall, cpu, figures


def _spread(values: list[float]) -> str:
    ordered = sorted(values)
    return f"median {statistics.median(ordered) * 1000:.0f} ms (min {ordered[0] * 1000:.0f}, max {ordered[-1] * 1000:.0f})"


async def main(quick: bool) -> None:
    framework = load_framework()
    group = big_group(framework, 100 if quick else 500, 4_000 if quick else 20_000, 200 if quick else 1_000)
    runs = 2 if quick else 5
    store = await stored(framework, group)
    exporter = Exporter(Preread(store), framework, lambda: NOW, ZoneInfo("Europe/London"))  # type: ignore[arg-type]
    cold = Figures()
    with watch_loop(cold):
        started = time.perf_counter()
        await exporter.make(request("docx", group))
        cold_wall = time.perf_counter() - started
    wall, cpu, figures = await rounds(exporter, group, runs)
    await exporter.close()
    peaks = await worker_peaks(store, framework, group)
    own = await bot_side_peak(store, framework, group)
    read = await store_read(store, group)
    print(f"group: {len(group.team.members)} members, {len(group.current.responses) + len(group.previous.responses)} answers, "
          f"{len(group.current.actions)} actions; runs: {runs} per format, interleaved")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; CPUs: {os.cpu_count()}")
    for fmt in FORMATS:
        print(f"{fmt}: wall {_spread(wall[fmt])}; bot-process CPU {_spread(cpu[fmt])}; "
              f"export process peak {peaks[fmt][0] / 1024:.0f} MiB; file {peaks[fmt][1] / 1024:.0f} KiB")
    print(f"first export (starts the export process): wall {cold_wall * 1000:.0f} ms, longest callback "
          f"{cold.longest_callback_cpu * 1000:.1f} ms CPU ({cold.longest_callback * 1000:.1f} ms wall)")
    print(f"longest loop callback while exporting: own CPU {figures.longest_callback_cpu * 1000:.1f} ms "
          f"(wall {figures.longest_callback * 1000:.1f} ms); longest GC pause {figures.longest_collection * 1000:.1f} ms")
    print(f"the memory store's read of the current cycle's answers (one callback, the store's cost, apart): {read * 1000:.0f} ms CPU")
    print(f"bot process's own peak allocations for one export's data: {own / 2**20:.0f} MiB")
    met = figures.longest_callback_cpu * 1000 <= STALL_GOAL_MS
    print(f"goal (no callback over {STALL_GOAL_MS:.0f} ms of CPU while exporting): {'met' if met else 'MISSED'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller group, for a smoke run")
    asyncio.run(main(parser.parse_args().quick))
