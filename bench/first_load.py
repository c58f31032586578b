"""First-load benchmark: the first turn into a 20,000-answer team after a restart, and what it does to everyone else.

Run with `.venv/bin/python bench/first_load.py` (about 2 minutes). One data folder is filled once with a team of
20,000 answers (folded into its snapshot, the last few hundred still in the journal) and a small team. Each run is
a fresh process ("after a restart", set up as `python app.py` is): it loads the small team, starts another
conversation (reading the small team's answers every 2 ms: work on the event loop only, no disk), then makes the
first call into the big team. Reported: that first call's wall time, the
other conversation's worst delay beyond its own normal cost, and the longest event-loop callback in wall time and in
the loop thread's CPU time. As a control, the same conversation then runs as long again with nothing else going
on: on a shared machine its worst delay there is the noise floor that preemption alone causes. `--baseline PATH` runs a checkout of the code before this change too, alternating with
the current code (A B A B) for `--rounds` rounds, and a third run of the current code whose worker process was
already started (as it is after any earlier big load or compaction). Figures go in docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import asyncio.events
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIG_ANSWERS = 20_000
SECTIONS = [f"{p}{l}" for p, ls in zip(range(1, 8), ("abcd", "abc", "abc", "abc", "abc", "abc", "abc")) for l in ls]
AT = datetime(2026, 6, 1, tzinfo=UTC)


def keys() -> tuple[Any, Any]:
    from bot.keys import AssessmentKey, TeamKey, TenantKey

    tenant = TenantKey("teams", "tenant-1")
    return AssessmentKey(TeamKey(tenant, "big"), "a-big"), AssessmentKey(TeamKey(tenant, "small"), "a-small")


def answer(author: str, section: str, n: int) -> Any:
    from bot.framework import Level
    from bot.models import Answer

    return Answer(section=section, author_id=author, rating=Level(1 + n % 4), evidence="e" * (1 + n % 150), at=AT + timedelta(seconds=n))


async def fill(root: Path) -> None:
    from adapters.store.documents import Entry
    from adapters.store.tinydb import TinyDBStore
    from bot.models import Response

    big, small = keys()

    async def entries() -> AsyncIterator[Entry]:
        for n in range(BIG_ANSWERS):
            doc = Response.first(big.assessment_id, answer(f"m{n // 22}", SECTIONS[n % 22], n))
            yield Entry(big.team, Response.table, doc.doc_id, doc.model_dump(mode="json"))

    async with TinyDBStore(root) as store:
        await store.load(entries())
        for n in range(20):
            await store.record_answer(small, answer(f"s{n % 3}", SECTIONS[n], n))
        await asyncio.sleep(5)  # let compaction fold the big team's journal into its snapshot


class Watch:
    """Every loop callback's wall and loop-thread CPU time."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    def __enter__(self) -> Watch:
        self.original = asyncio.events.Handle._run

        def timed(handle: asyncio.events.Handle) -> None:
            started, cpu = time.perf_counter(), time.thread_time()
            self.original(handle)
            self.wall = max(self.wall, time.perf_counter() - started)
            self.cpu = max(self.cpu, time.thread_time() - cpu)

        asyncio.events.Handle._run = timed  # type: ignore[method-assign]
        return self

    def __exit__(self, *_: object) -> None:
        asyncio.events.Handle._run = self.original  # type: ignore[method-assign]


async def measure(root: Path, started_worker: bool) -> dict[str, float]:
    import app  # (the whole bot's imports, as the server has them)
    from adapters.store.tinydb import TinyDBStore

    if hasattr(app, "tune_collector"):
        app.tune_collector()  # as `python app.py` does before serving
    big, small = keys()
    async with TinyDBStore(root) as store:
        await store.responses(small)
        if started_worker and hasattr(store, "_worker"):
            await store._worker.run(os.getpid)  # the worker process already running, as after any earlier big load
        normal: list[float] = []
        delays: list[float] = []
        stop = asyncio.Event()

        async def other_conversation(into: list[float]) -> None:
            n = 0
            while not stop.is_set():
                started = time.perf_counter()
                await asyncio.sleep(0.002)
                await store.responses(small)
                await store.get(small.team, _response(), f"{small.assessment_id}/{SECTIONS[n % 20]}/s{n % 20 % 3}")
                into.append(time.perf_counter() - started - 0.002)
                n += 1

        warm = asyncio.create_task(other_conversation(normal))
        await asyncio.sleep(0.5)
        stop.set()
        await warm
        stop.clear()
        with Watch() as watch:
            other = asyncio.create_task(other_conversation(delays))
            await asyncio.sleep(0.05)
            started = time.perf_counter()
            mine = await store.find(big.team, _response(), assessment_id=big.assessment_id, author_id="m42")
            first = time.perf_counter() - started
            await asyncio.sleep(0.05)
            stop.set()
            await other
        stop.clear()
        quiet: list[float] = []
        with Watch() as calm:
            other = asyncio.create_task(other_conversation(quiet))
            await asyncio.sleep(max(0.5, min(first, 3.0)))
            stop.set()
            await other
    assert len(mine) == 22
    usual = statistics.median(normal)
    return {
        "first call ms": first * 1000,
        "other delayed ms": (max(delays) - usual) * 1000,
        "longest callback ms": watch.wall * 1000,
        "longest callback CPU ms": watch.cpu * 1000,
        "control: other delayed ms": (max(quiet) - usual) * 1000,
        "control: longest callback ms": calm.wall * 1000,
    }


def _response() -> Any:
    from bot.models import Response

    return Response


def child(args: argparse.Namespace) -> None:
    sys.path.insert(0, args.code)
    print(json.dumps(asyncio.run(measure(Path(args.root), args.started_worker))))


def run_child(code: Path, root: Path, *extra: str) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", "--code", str(code), "--root", str(root), *extra]
    out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=code).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"


def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "data"
        sys.path.insert(0, str(ROOT))
        asyncio.run(fill(root))
        runs: dict[str, list[dict[str, float]]] = {}
        for _ in range(args.rounds):
            if args.baseline:
                runs.setdefault("before", []).append(run_child(Path(args.baseline), root))
            runs.setdefault("now", []).append(run_child(ROOT, root))
            runs.setdefault("now, worker process already started", []).append(run_child(ROOT, root, "--started-worker"))
    names = list(next(iter(runs.values()))[0])
    print(f"first call into a {BIG_ANSWERS:,}-answer team after a restart; median (min-max) of {args.rounds} runs")
    print("| code | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for label, figures in runs.items():
        print(f"| {label} | " + " | ".join(spread([f[n] for f in figures]) for n in names) + " |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline", help="a checkout of the code before this change")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--code", default=str(ROOT), help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--started-worker", action="store_true", help=argparse.SUPPRESS)
    parsed = parser.parse_args()
    child(parsed) if parsed.child else main(parsed)
