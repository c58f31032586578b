"""Audit trail benchmark: what the extra audit write costs a rating, and what a lead's `audit` page costs to read.

Run with `.venv/bin/python bench/audit.py` (`--quick` for a smoke run). On the TinyDB store, in one team that already
holds a big working group's cycle (200 members x 22 sections, so about 4,400 answers and as many audit entries):
- a rating without the audit entry (`Store.record_answer`) and with it (`services.assessments.rate`), interleaved
  one by one so both see the same machine load; wall and CPU time per rating, median and spread (p10-p90);
- the leads' first `audit` page (the head and the newest bucket or two), repeated.
Figures go in docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.store.tinydb import TinyDBStore  # noqa: E402
from bot.framework import Level  # noqa: E402
from bot.keys import AssessmentKey, TeamKey, TenantKey  # noqa: E402
from bot.models import Answer  # noqa: E402
from bot.services import assessments, audit  # noqa: E402

SECTIONS = [f"{phase}{letter}" for phase, letters in zip(range(1, 8), ("abcd", "abc", "abc", "abc", "abc", "abc", "abc")) for letter in letters]
KEY = AssessmentKey(TeamKey(TenantKey("teams", "bench"), "19:group"), "a-bench")
AT = datetime(2026, 6, 1, tzinfo=UTC)
Sample = tuple[float, float]


async def _timed(work: Callable[[], Awaitable[object]]) -> Sample:
    wall, cpu = time.perf_counter(), time.process_time()
    await work()
    return time.perf_counter() - wall, time.process_time() - cpu


def _summary(samples: list[Sample], index: int) -> str:
    values = sorted(sample[index] * 1000 for sample in samples)
    p10, p90 = values[len(values) // 10], values[(9 * len(values)) // 10]
    return f"median {statistics.median(values):.2f} ms (p10 {p10:.2f}, p90 {p90:.2f})"


async def _fill(store: TinyDBStore, members: int) -> None:
    """A cycle's answers and their audit entries, written in batches so their journal writes group."""
    for start in range(0, members, 20):
        await asyncio.gather(*(
            assessments.rate(store, KEY, f"u{m}", code, Level.DEVELOPING, AT)
            for m in range(start, min(start + 20, members)) for code in SECTIONS
        ))


async def run(members: int, ratings: int, reads: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with TinyDBStore(Path(folder) / "data") as store:
            await _fill(store, members)
            plain: list[Sample] = []
            audited: list[Sample] = []
            for n in range(ratings):
                at, code, user = AT + timedelta(seconds=n), SECTIONS[n % len(SECTIONS)], f"u{n % members}"
                answer = Answer(section=code, author_id=user, rating=Level.MATURING if n % 2 else Level.EMERGING, at=at)
                plain.append(await _timed(lambda: store.record_answer(KEY, answer)))
                audited.append(await _timed(lambda: assessments.rate(store, KEY, user, code, Level.THRIVING, at)))
            pages = [await _timed(lambda: _first_page(store)) for _ in range(reads)]
            entries = sum(len(held.entries) for held in await audit.buckets(store, KEY.team))
    print(f"team of {members} members, {members * len(SECTIONS)} answers, {entries} audit entries at the end")
    print(f"rating without audit entry: wall {_summary(plain, 0)}; cpu {_summary(plain, 1)}")
    print(f"rating with audit entry:    wall {_summary(audited, 0)}; cpu {_summary(audited, 1)}")
    print(f"first audit page:           wall {_summary(pages, 0)}; cpu {_summary(pages, 1)}")


async def _first_page(store: TinyDBStore) -> None:
    await audit.page(store, KEY.team, 1, 12)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    quick = parser.parse_args().quick
    asyncio.run(run(members=20 if quick else 200, ratings=50 if quick else 400, reads=5 if quick else 30))


if __name__ == "__main__":
    main()
