"""PostgreSQL beside TinyDB in one run: per-answer writes and loop stalls in one big team, and job claim throughput.

Run with `.venv/bin/python bench/postgres.py` (a few minutes; `--quick` for a smoke run). It needs the
PostgreSQL server REFLECT_TEST_DATABASE_URL names (default: the local one), creates a database of its
own and drops it afterwards. Figures go in docs/performance.md.

- Writes: in each store, one team holding 1,000 answers and another holding 100,000 (bulk-loaded,
  untimed); then single `record_answer` calls (new answers and revisions), one to each of the four
  (store, team) pairs in turn, so all four meet the same machine load however it drifts. Each loop
  callback is timed by wall clock and by the loop thread's CPU time: the longest is the worst stall.
- Claims: due jobs taken by three claimer processes at once (`claim_due_jobs`, then `finish_job` for
  each job), each job done exactly once. TinyDB allows one process per data folder, so its three
  claimers are coroutines in one process.
"""

from __future__ import annotations

import argparse
import asyncio
import asyncio.events
import multiprocessing
import os
import random
import secrets
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402  (bench only: it makes and drops its own database)

from adapters.store.documents import Entry, to_raw  # noqa: E402
from adapters.store.postgres.store import PostgresStore  # noqa: E402
from adapters.store.tinydb import TinyDBStore  # noqa: E402
from bot.framework import Level  # noqa: E402
from bot.keys import AssessmentKey, TeamKey, TenantKey  # noqa: E402
from bot.models import Answer, Response, ScheduledJob  # noqa: E402
from bot.store import Store  # noqa: E402

SECTIONS = [f"{phase}{letter}" for phase in range(1, 8) for letter in "abc"]
TENANT = TenantKey("teams", "bench-tenant")
AT = datetime(2026, 6, 1, tzinfo=UTC)
LEASE = timedelta(minutes=5)
CLAIM_BATCH = 20


@dataclass
class Figures:
    """Write latencies (seconds) and the longest loop callback seen while they were taken."""

    writes: list[float] = field(default_factory=list)
    stall_wall: float = 0.0
    stall_cpu: float = 0.0


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@contextmanager
def watch_loop(current: list[Figures]) -> Iterator[None]:
    """Time every loop callback by wall clock and thread CPU, charging it to the store being measured now."""
    original = asyncio.events.Handle._run

    def timed(handle: asyncio.events.Handle) -> None:
        wall, cpu = time.perf_counter(), time.thread_time()
        original(handle)
        figures = current[0]
        figures.stall_wall = max(figures.stall_wall, time.perf_counter() - wall)
        figures.stall_cpu = max(figures.stall_cpu, time.thread_time() - cpu)

    asyncio.events.Handle._run = timed  # type: ignore[method-assign]
    try:
        yield
    finally:
        asyncio.events.Handle._run = original  # type: ignore[method-assign]


def team_of(size: int) -> AssessmentKey:
    """The team holding `size` answers (one assessment)."""
    return AssessmentKey(TeamKey(TENANT, f"team-{size}"), f"a-{size}")


def response_entry(key: AssessmentKey, n: int) -> Entry:
    """Answer n of a team: author n // 21, one of 21 sections."""
    answer = Answer(section=SECTIONS[n % 21], author_id=f"u{n // 21}", rating=Level(1 + n % 4), evidence="x" * 80, at=AT)
    response = Response.first(key.assessment_id, answer)
    raw = to_raw(response)
    assert raw is not None
    return Entry(key.team, Response.table, response.doc_id, raw)


async def entries(sizes: list[int]) -> AsyncIterator[Entry]:
    for size in sizes:
        for n in range(size):
            yield response_entry(team_of(size), n)


def sample_answer(rng: random.Random, people: int) -> Answer:
    """Half revisions of an existing answer, half answers by a new person."""
    author = f"u{rng.randrange(people)}" if rng.random() < 0.5 else f"new-{secrets.token_hex(4)}"
    return Answer(section=rng.choice(SECTIONS), author_id=author, rating=Level(rng.randint(1, 4)), evidence="y" * 80, at=AT)


async def measure_writes(stores: dict[str, Store], sizes: list[int], samples: int) -> dict[tuple[str, int], Figures]:
    """Round after round, one write to each store's team of each size, in an order that turns each round."""
    rng = random.Random(2026)
    figures = {(name, size): Figures() for name in stores for size in sizes}
    targets = list(figures)
    current = [figures[targets[0]]]
    with watch_loop(current):
        for i in range(samples):
            for name, size in targets[i % len(targets) :] + targets[: i % len(targets)]:
                current[0] = figures[name, size]
                answer = sample_answer(rng, size // 21)
                await asyncio.sleep(0)
                started = time.perf_counter()
                await stores[name].record_answer(team_of(size), answer)
                figures[name, size].writes.append(time.perf_counter() - started)
    return figures


async def scale(tinydb: TinyDBStore, postgres: PostgresStore, sizes: list[int], samples: int) -> list[str]:
    await asyncio.gather(tinydb.load(entries(sizes)), postgres.load(entries(sizes)))
    figures = await measure_writes({"TinyDB": tinydb, "PostgreSQL": postgres}, sizes, samples)
    return [write_row(name, size, figures[name, size]) for size in sizes for name in ("TinyDB", "PostgreSQL")]


def write_row(name: str, size: int, figures: Figures) -> str:
    ms = 1000.0
    return (
        f"| {name} | {size:,} | {pct(figures.writes, 0.5) * ms:.2f} | {pct(figures.writes, 0.99) * ms:.2f} "
        f"| {figures.stall_wall * ms:.2f} | {figures.stall_cpu * ms:.2f} |"
    )


def job(n: int) -> ScheduledJob:
    team = TeamKey(TenantKey("teams", f"tenant-{n % 5}"), f"team-{n % 50}")
    return ScheduledJob(id=f"job-{n}", team=team, kind="reminder", due_at=AT)


async def claim_all(store: Store, owner: str) -> int:
    """Claim and finish due jobs until none is left; returns how many this claimer did."""
    done = 0
    while batch := await store.claim_due_jobs(owner=owner, now=AT, lease=LEASE, limit=CLAIM_BATCH):
        for claimed in batch:
            await store.finish_job(claimed.team, claimed.id, owner=owner)
        done += len(batch)
    return done


def claimer_process(url: str, owner: str, start: float, results: multiprocessing.Queue[tuple[str, int, float, float]]) -> None:
    """One PostgreSQL claimer: waits for the shared start time, then reports its count, end time and CPU seconds."""

    async def run() -> int:
        async with PostgresStore(url, pool_size=2) as store:
            await asyncio.sleep(max(0.0, start - time.time()))
            return await claim_all(store, owner)

    done = asyncio.run(run())
    results.put((owner, done, time.time(), time.process_time()))


async def add_jobs(store: Store, count: int) -> None:
    for start in range(0, count, 100):
        await asyncio.gather(*(store.add_job(job(n)) for n in range(start, min(count, start + 100))))


async def postgres_claims(url: str, count: int) -> str:
    async with PostgresStore(url) as store:
        await add_jobs(store, count)
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue[tuple[str, int, float, float]] = context.Queue()
    start = time.time() + 3.0
    workers = [context.Process(target=claimer_process, args=(url, f"p{n}", start, results)) for n in range(3)]
    for worker in workers:
        worker.start()
    reports = [await asyncio.to_thread(results.get) for _ in workers]
    for worker in workers:
        worker.join()
    async with PostgresStore(url) as store:
        assert await store.due_jobs(AT + LEASE * 10) == []
    total, elapsed = sum(r[1] for r in reports), max(r[2] for r in reports) - start
    assert total == count, f"{total} claims for {count} jobs"
    split = " / ".join(str(r[1]) for r in sorted(reports))
    cpu = " / ".join(f"{r[3]:.1f}" for r in sorted(reports))
    return f"| PostgreSQL, 3 processes | {count:,} | {elapsed:.2f} | {count / elapsed:.0f} | {split} | {cpu} |"


async def tinydb_claims(root: Path, count: int) -> str:
    async with TinyDBStore(root) as store:
        await add_jobs(store, count)
        started, cpu = time.perf_counter(), time.process_time()
        done = await asyncio.gather(*(claim_all(store, f"c{n}") for n in range(3)))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert sum(done) == count
    split = " / ".join(str(d) for d in done)
    return f"| TinyDB, 3 coroutines in 1 process | {count:,} | {elapsed:.2f} | {count / elapsed:.0f} | {split} | {cpu:.1f} (all) |"


@contextmanager
def bench_database() -> Iterator[str]:
    server = os.environ.get("REFLECT_TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
    name = f"reflect_bench_{secrets.token_hex(4)}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def main(quick: bool) -> None:
    sizes, samples, jobs = ([1_000, 10_000], 200, 600) if quick else ([1_000, 100_000], 1_000, 3_000)
    with tempfile.TemporaryDirectory() as folder, bench_database() as url:
        async with TinyDBStore(Path(folder) / "data") as tinydb, PostgresStore(url) as postgres:
            write_rows = await scale(tinydb, postgres, sizes, samples)
        print("| store | answers in the team | write p50 ms | write p99 ms | longest callback ms (wall) | longest callback ms (loop CPU) |")
        print("|---|---|---|---|---|---|")
        print("\n".join(write_rows), end="\n\n", flush=True)
        claim_rows = [await tinydb_claims(Path(folder) / "jobs", jobs), await postgres_claims(url, jobs)]
    print("| claimers | jobs | seconds | jobs/s | jobs per claimer | CPU s per claimer |")
    print("|---|---|---|---|---|---|")
    print("\n".join(claim_rows))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes for a smoke run")
    asyncio.run(main(parser.parse_args().quick))
