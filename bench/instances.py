"""Many instances: turn latency through /api/messages with 50 conversations at once, on TinyDB (one instance) and on
PostgreSQL (one instance, then two behind a round-robin balancer), interleaved, with every process's CPU time.

Run with `.venv/bin/python bench/instances.py` (a few minutes; `--quick` for a smoke run). It needs the PostgreSQL
server REFLECT_TEST_DATABASE_URL names (default: the local one) and makes and drops databases of its own. Figures go
in docs/performance.md.

The people are bench/turns.py's: each in a personal chat, saying hi, starting, tapping the scope buttons and a phase,
then rating and moving on, following the cards the bot sent. 50 of them take turns at once (closed loop: each sends
its next turn when the last was answered). With two instances each turn goes to the next instance in turn, as a
load balancer without affinity would send it, so one person's turns land on both.

Blocks of turns are interleaved (A B C, then B C A, ...), so a busy spell on this shared 2-core machine lands on
every set-up. Per block: turn latency, turns per second, and the CPU seconds of each bot process, of the database
server's backends serving it, and of this load generator (which also runs the fake connectors).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import tempfile
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402
import psycopg  # noqa: E402

from bench.connector import BenchConnector  # noqa: E402
from bench.postgres import bench_database  # noqa: E402
from bench.processes import ROOT, ServedBot, cpu_seconds, free_port, local_env, machine_load, served  # noqa: E402
from bench.turns import TURNS_PER_PERSON, Person, pct  # noqa: E402

CONCURRENCY = 50


@dataclass
class SetUp:
    """One or more bot processes behind a round-robin balancer, their store, and the people taking turns."""

    name: str
    bots: list[ServedBot]
    connector: BenchConnector
    session: aiohttp.ClientSession
    database_url: str | None
    idle: deque[Person] = field(default_factory=deque)
    people: int = 0
    _next: Iterator[ServedBot] = field(init=False)

    def __post_init__(self) -> None:
        self._next = itertools.cycle(self.bots)

    async def turn(self) -> float | None:
        """One turn by an idle person (or a new one) at the next instance; its latency, or None unless 2xx."""
        person = self.idle.popleft() if self.idle else self._newcomer()
        body = person.reflect_body(self.connector.url)
        started = time.perf_counter()
        try:
            async with self.session.post(f"{next(self._next).url}/api/messages", json=body) as reply:
                await reply.read()
                ok = 200 <= reply.status < 300
        except aiohttp.ClientError:
            ok = False
        elapsed = time.perf_counter() - started
        person.card = self.connector.take_card(body["conversation"]["id"])
        person.turn += 1
        if person.turn < TURNS_PER_PERSON:
            self.idle.append(person)
        return elapsed if ok else None

    def _newcomer(self) -> Person:
        self.people += 1
        return Person(f"29:{self.name.replace(' ', '-')}-{self.people}", self.people)

    def database(self) -> tuple[float, int]:
        """CPU seconds so far of the server backends connected to this set-up's database, and the transactions it
        has committed (as the statistics last flushed them); (0, 0) for TinyDB."""
        if self.database_url is None:
            return 0.0, 0
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            pids = [row[0] for row in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")]
            commits = conn.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()").fetchone()
        return sum(_cpu_or_zero(pid) for pid in pids), int(commits[0]) if commits else 0


def _cpu_or_zero(pid: int) -> float:
    try:
        return cpu_seconds(pid)
    except (FileNotFoundError, ProcessLookupError):
        return 0.0


@dataclass(frozen=True)
class Block:
    """A closed-loop block: latencies, failures, wall seconds, and CPU seconds per bot, database and generator."""

    latencies: list[float]
    failures: int
    seconds: float
    bot_cpu: list[float]
    database_cpu: float
    commits: int
    generator_cpu: float

    @property
    def turns_per_second(self) -> float:
        return len(self.latencies) / self.seconds


async def block(setup: SetUp, turns: int) -> Block:
    """`turns` turns, CONCURRENCY at a time."""
    results: list[float | None] = []
    bots, (database, commits), generator = [b.cpu() for b in setup.bots], setup.database(), time.process_time()
    started = time.perf_counter()

    async def worker() -> None:
        while len(results) < turns:
            slot = len(results)
            results.append(None)
            results[slot] = await setup.turn()

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    seconds = time.perf_counter() - started
    latencies = [r for r in results if r is not None]
    database_after, commits_after = setup.database()
    return Block(
        latencies, len(results) - len(latencies), seconds, [b.cpu() - before for b, before in zip(setup.bots, bots)],
        database_after - database, commits_after - commits, time.process_time() - generator,
    )


@asynccontextmanager
async def set_ups(folder: Path, pool: int | None) -> AsyncIterator[list[SetUp]]:
    """TinyDB with one instance; PostgreSQL with one; PostgreSQL with two sharing one database."""
    async with AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)))
        found = []
        for name, count, postgres in (("TinyDB x1", 1, False), ("PostgreSQL x1", 1, True), ("PostgreSQL x2", 2, True)):
            url = stack.enter_context(bench_database()) if postgres else None
            extra = {"REFLECT_DATABASE_URL": url} if url else {}
            if url and pool is not None:
                extra["REFLECT_DATABASE_POOL_SIZE"] = str(pool)
            bots = [
                await stack.enter_async_context(
                    served(f"{name} #{n}", ROOT / "app.py", [], local_env(free_port(), folder / name / "data", **extra), folder / f"{name}-{n}")
                )
                for n in range(count)
            ]
            connector = await stack.enter_async_context(BenchConnector(keep_cards=True))
            found.append(SetUp(name, bots, connector, session, url))
        yield found


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def report(blocks: dict[str, list[Block]], turns: int) -> None:
    """Per set-up, the median (and range) over rounds of each block's figures, then the goals."""
    print(f"\n{machine_load()} after the run; {len(next(iter(blocks.values())))} rounds of {turns} turns per set-up")
    print("| set-up | turn p50 ms | turn p95 ms | turns/s | CPU s per bot process | database CPU s | commits per turn "
          "| generator CPU s | non-2xx |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, found in blocks.items():
        p50 = [pct(b.latencies, 0.5) for b in found]
        p95 = [pct(b.latencies, 0.95) for b in found]
        rate = [b.turns_per_second for b in found]
        bots = " / ".join(f"{statistics.median(b.bot_cpu[n] for b in found):.1f}" for n in range(len(found[0].bot_cpu)))
        print(
            f"| {name} | {_ms(statistics.median(p50))} ({_ms(min(p50))}-{_ms(max(p50))}) "
            f"| {_ms(statistics.median(p95))} | {statistics.median(rate):.1f} ({min(rate):.1f}-{max(rate):.1f}) "
            f"| {bots} | {statistics.median(b.database_cpu for b in found):.1f} "
            f"| {statistics.median(b.commits / (len(b.latencies) + b.failures) for b in found):.1f} "
            f"| {statistics.median(b.generator_cpu for b in found):.1f} | {sum(b.failures for b in found)} |"
        )
    _goals(blocks)


def _goals(blocks: dict[str, list[Block]]) -> None:
    def ratios(top: str, bottom: str, figure: str) -> list[float]:
        pick = {"p50": lambda b: pct(b.latencies, 0.5), "rate": lambda b: b.turns_per_second}[figure]
        return [pick(a) / pick(b) for a, b in zip(blocks[top], blocks[bottom])]

    latency = ratios("PostgreSQL x1", "TinyDB x1", "p50")
    scaling = ratios("PostgreSQL x2", "PostgreSQL x1", "rate")
    print(f"turn p50, PostgreSQL x1 / TinyDB x1, per round: {', '.join(f'{r:.2f}' for r in latency)}; "
          f"median {statistics.median(latency):.2f} (goal <= 1.2)")
    print(f"turns/s, PostgreSQL x2 / PostgreSQL x1, per round: {', '.join(f'{r:.2f}' for r in scaling)}; "
          f"median {statistics.median(scaling):.2f} (goal >= 1.3)")


async def main(quick: bool, pool: int | None) -> None:
    rounds, turns = (2, 100) if quick else (5, 400)
    with tempfile.TemporaryDirectory(prefix="reflect-instances-") as folder:
        async with set_ups(Path(folder), pool) as found:
            print(f"{machine_load()} before the run; pool size {pool or 'default'} per PostgreSQL instance", flush=True)
            for setup in found:
                await block(setup, CONCURRENCY)
            blocks: dict[str, list[Block]] = {setup.name: [] for setup in found}
            for number in range(rounds):
                for setup in found[number % len(found):] + found[: number % len(found)]:
                    done = await block(setup, turns)
                    blocks[setup.name].append(done)
                    print(f"  round {number + 1} {setup.name}: p50 {_ms(pct(done.latencies, 0.5))} ms, "
                          f"{done.turns_per_second:.1f} turns/s", flush=True)
            report(blocks, turns)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="two short rounds, for a smoke run")
    parser.add_argument("--pool", type=int, help="REFLECT_DATABASE_POOL_SIZE for each PostgreSQL instance")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.quick, arguments.pool))
