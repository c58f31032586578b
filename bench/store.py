"""Store benchmark: per-answer write and read latency and event-loop stalls, beside a single-file TinyDB baseline.

Run with `make bench` (or `.venv/bin/python bench/store.py`; `--quick` for a smaller smoke run).
Stalls are reported in wall time and in the loop thread's CPU time (see `watch_loop`).
Two scenarios, each in one run against the Reflect store and the baseline:
- scale across teams: 100 answers per team, 10 teams (1k answers) against 1,000 teams (100k);
- a big working group: 200 members x 22 sections plus revisions (about 5,000 answers) in one team.
The baseline is what a naive bot does: one TinyDB JSON file for everyone, called on the event loop.
Figures go in docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import asyncio.events
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tinydb import Query, TinyDB  # noqa: E402  (baseline only; the app itself reaches TinyDB via adapters/)

from adapters.store.tinydb import TinyDBStore  # noqa: E402
from bot.framework import Level  # noqa: E402
from bot.keys import AssessmentKey, TeamKey, TenantKey  # noqa: E402
from bot.models import Answer, Response, response_id  # noqa: E402

SECTIONS = [f"{phase}{letter}" for phase, letters in zip(range(1, 8), ("abcd", "abc", "abc", "abc", "abc", "abc", "abc")) for letter in letters]
AT = datetime(2026, 6, 1, tzinfo=UTC)


@dataclass
class Figures:
    """Latency samples (seconds) and the stalls seen while they were taken."""

    writes: list[float] = field(default_factory=list)
    reads: list[float] = field(default_factory=list)
    longest_callback: float = 0.0
    longest_callback_cpu: float = 0.0
    longest_lag: float = 0.0


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@contextmanager
def watch_loop(figures: Figures) -> Iterator[None]:
    """Time every loop callback, in wall time and in the loop thread's CPU time, and a 1 ms ticker's lateness.

    A callback's CPU time is what the loop itself spent on it: on a shared machine the wall time also counts the
    moments the thread was preempted or waited for the interpreter lock, which are not work the store did.
    """
    original = asyncio.events.Handle._run

    def timed(handle: asyncio.events.Handle) -> None:
        started, cpu = time.perf_counter(), time.thread_time()
        original(handle)
        figures.longest_callback = max(figures.longest_callback, time.perf_counter() - started)
        figures.longest_callback_cpu = max(figures.longest_callback_cpu, time.thread_time() - cpu)

    async def ticker() -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(0.001)
            figures.longest_lag = max(figures.longest_lag, time.perf_counter() - started - 0.001)

    asyncio.events.Handle._run = timed  # type: ignore[method-assign]
    task = asyncio.get_running_loop().create_task(ticker())
    try:
        yield
    finally:
        task.cancel()
        asyncio.events.Handle._run = original  # type: ignore[method-assign]


async def timed_call(samples: list[float], call: Awaitable[Any]) -> None:
    started = time.perf_counter()
    await call
    samples.append(time.perf_counter() - started)


def team_key(n: int) -> AssessmentKey:
    return AssessmentKey(TeamKey(TenantKey("teams", f"tenant-{n % 7}"), f"team-{n}"), f"a-{n}")


def answer(author: str, section: str, rng: random.Random) -> Answer:
    return Answer(section=section, author_id=author, rating=Level(rng.randint(1, 4)), evidence="x" * rng.randint(1, 200), at=AT)


class Baseline:
    """One TinyDB JSON file for every team, with each call made directly on the event loop."""

    def __init__(self, path: Path) -> None:
        self.db = TinyDB(path)
        self.table = self.db.table("responses")

    def preload(self, docs: list[dict[str, Any]]) -> None:
        self.table.insert_multiple(docs)

    async def write(self, doc: dict[str, Any]) -> None:
        self.table.upsert(doc, Query().key == doc["key"])

    async def read(self, key: str) -> None:
        self.table.get(Query().key == key)


def baseline_doc(n: int, author: str, section: str, rng: random.Random) -> dict[str, Any]:
    response = Response.first(f"a-{n}", answer(author, section, rng))
    return {"key": f"teams/tenant-{n % 7}/team-{n}/{response.doc_id}", **response.model_dump(mode="json")}


async def run_sequential(figures: Figures, calls: list[Callable[[], Awaitable[Any]]], into: list[float]) -> None:
    """One call at a time, yielding between calls so each one runs in (and is timed as) its own loop step."""
    with watch_loop(figures):
        for call in calls:
            await asyncio.sleep(0)
            await timed_call(into, call())


async def scale_store(root: Path, teams: int, samples: int, rng: random.Random) -> Figures:
    figures = Figures()
    async with TinyDBStore(root) as store:
        gate = asyncio.Semaphore(32)

        async def fill(n: int) -> None:
            async with gate:
                for i in range(100):
                    await store.record_answer(team_key(n), answer(f"u{i % 5}", SECTIONS[i % 22], rng))

        await asyncio.gather(*(fill(n) for n in range(teams)))
        picks = [(rng.randrange(teams), f"u{rng.randrange(5)}", rng.choice(SECTIONS)) for _ in range(samples)]
        await run_sequential(figures, [lambda p=p: store.record_answer(team_key(p[0]), answer(p[1], p[2], rng)) for p in picks], figures.writes)
        await run_sequential(
            figures,
            [lambda p=p: store.get(team_key(p[0]).team, Response, response_id(f"a-{p[0]}", p[2], p[1])) for p in picks],
            figures.reads,
        )
    return figures


async def scale_baseline(root: Path, teams: int, samples: int, rng: random.Random) -> Figures:
    figures = Figures()
    baseline = Baseline(root / "all.json")
    baseline.preload([baseline_doc(n, f"u{i % 5}", SECTIONS[i % 22], rng) for n in range(teams) for i in range(100)])
    picks = [(rng.randrange(teams), f"u{rng.randrange(5)}", rng.choice(SECTIONS)) for _ in range(samples)]
    await run_sequential(figures, [lambda p=p: baseline.write(baseline_doc(*p, rng)) for p in picks], figures.writes)
    await run_sequential(figures, [lambda p=p: baseline.read(baseline_doc(*p, rng)["key"]) for p in picks], figures.reads)
    baseline.db.close()
    return figures


async def big_group_store(root: Path, members: int, revisits: int, samples: int, rng: random.Random) -> tuple[Figures, Figures]:
    """Fill one team with the whole group answering at once (a worst-case burst), then time single answers into it."""
    burst, steady = Figures(), Figures()
    key = team_key(0)
    async with TinyDBStore(root) as store:

        async def member(m: int) -> None:
            for section in SECTIONS + rng.sample(SECTIONS, revisits):
                await timed_call(burst.writes, store.record_answer(key, answer(f"m{m}", section, rng)))
            for section in rng.sample(SECTIONS, 5):
                await timed_call(burst.reads, store.get(key.team, Response, response_id(key.assessment_id, section, f"m{m}")))

        with watch_loop(burst):
            await asyncio.gather(*(member(m) for m in range(members)))
        picks = [(f"m{rng.randrange(members)}", rng.choice(SECTIONS)) for _ in range(samples)]
        await run_sequential(steady, [lambda p=p: store.record_answer(key, answer(*p, rng)) for p in picks], steady.writes)
        await run_sequential(
            steady, [lambda p=p: store.get(key.team, Response, response_id(key.assessment_id, p[1], p[0])) for p in picks], steady.reads
        )
    return burst, steady


async def big_group_baseline(root: Path, members: int, revisits: int, samples: int, rng: random.Random) -> Figures:
    figures = Figures()
    baseline = Baseline(root / "group.json")
    baseline.preload([baseline_doc(0, f"m{m}", s, rng) for m in range(members) for s in SECTIONS])
    picks = [(0, f"m{rng.randrange(members)}", rng.choice(SECTIONS)) for _ in range(samples)]
    await run_sequential(figures, [lambda p=p: baseline.write(baseline_doc(*p, rng)) for p in picks], figures.writes)
    await run_sequential(figures, [lambda p=p: baseline.read(baseline_doc(*p, rng)["key"]) for p in picks], figures.reads)
    baseline.db.close()
    return figures


def row(label: str, figures: Figures) -> str:
    """One Markdown table row; times in milliseconds."""
    ms = 1000.0
    return (
        f"| {label} | {pct(figures.writes, 0.5) * ms:.2f} | {pct(figures.writes, 0.99) * ms:.2f} "
        f"| {pct(figures.reads, 0.5) * ms:.3f} | {pct(figures.reads, 0.99) * ms:.3f} "
        f"| {figures.longest_callback * ms:.2f} | {figures.longest_callback_cpu * ms:.2f} | {figures.longest_lag * ms:.2f} |"
    )


async def main(quick: bool) -> None:
    rng = random.Random(2026)
    large_teams, samples = (100, 300) if quick else (1000, 2000)
    members, revisits = (40, 3) if quick else (200, 3)
    print(
        "| scenario | write p50 ms | write p99 ms | read p50 ms | read p99 ms | longest callback ms "
        "| longest callback, loop CPU ms | longest loop lag ms |"
    )
    print("|---|---|---|---|---|---|---|---|")
    results: dict[str, Figures] = {}
    for teams in (10, large_teams):
        answers = teams * 100
        with tempfile.TemporaryDirectory() as folder:
            results[f"store {answers}"] = await scale_store(Path(folder), teams, samples, rng)
        print(row(f"Reflect store, {teams} teams ({answers:,} answers)", results[f"store {answers}"]), flush=True)
        with tempfile.TemporaryDirectory() as folder:
            baseline_samples = max(10, min(samples, 2_000_000 // answers))
            figures = await scale_baseline(Path(folder), teams, baseline_samples, rng)
        print(row(f"single-file TinyDB, {answers:,} answers", figures), flush=True)
    with tempfile.TemporaryDirectory() as folder:
        burst, group = await big_group_store(Path(folder), members, revisits, samples, rng)
    held = len(burst.writes)
    print(row(f"Reflect store, one {members}-member group holding {held:,} answers", group), flush=True)
    print(row(f"Reflect store, the same group filled by all {members} members at once (burst)", burst), flush=True)
    with tempfile.TemporaryDirectory() as folder:
        figures = await big_group_baseline(Path(folder), members, revisits, 100, rng)
    print(row(f"single-file TinyDB, one {members}-member group ({members * 22:,} answers)", figures), flush=True)
    small, large = results["store 1000"], results[f"store {large_teams * 100}"]
    print()
    print(f"write p50 ratio, {large_teams * 100:,} vs 1,000 answers: {pct(large.writes, 0.5) / pct(small.writes, 0.5):.2f}x (goal <= 1.2x)")
    print(
        f"big group: write p99 {pct(group.writes, 0.99) * 1000:.2f} ms (goal <= 10); longest callback "
        f"{max(group.longest_callback, burst.longest_callback) * 1000:.2f} ms wall, "
        f"{max(group.longest_callback_cpu, burst.longest_callback_cpu) * 1000:.2f} ms loop CPU, burst included (goal <= 5)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    asyncio.run(main(parser.parse_args().quick))
