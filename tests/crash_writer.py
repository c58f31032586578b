"""A writer process for crash tests: writes forever, printing `ack N` after each durable write.

In `answers` mode write N is an answer by author uN; in `claims` mode it is job-N added and
claimed, then delivery event-N claimed. The test kills it with SIGKILL at a random moment;
every N it printed must survive.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.store.tinydb import TinyDBStore
from bot.framework import Level
from bot.keys import AssessmentKey, TeamKey, TenantKey
from bot.models import Answer, ScheduledJob

KEY = AssessmentKey(TeamKey(TenantKey("teams", "tenant-crash"), "team-crash"), "a-crash")
WORKERS = 8
OWNER = "crash-worker"
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LEASE = timedelta(hours=1)
TTL = timedelta(hours=1)
Write = Callable[[TinyDBStore, int], Awaitable[None]]


async def _answer(store: TinyDBStore, n: int) -> None:
    await store.record_answer(KEY, Answer(section="4c", author_id=f"u{n}", rating=Level(1 + n % 4), at=NOW))


async def _claims(store: TinyDBStore, n: int) -> None:
    await store.add_job(ScheduledJob(id=f"job-{n}", team=KEY.team, kind="reminder", due_at=NOW))
    if await store.claim_job(KEY.team, f"job-{n}", owner=OWNER, now=NOW, lease=LEASE) is None:
        raise SystemExit(f"job-{n} could not be claimed")
    if not await store.claim_delivery(KEY.team.tenant, f"event-{n}", NOW, TTL):
        raise SystemExit(f"event-{n} was already claimed")


async def _worker(store: TinyDBStore, worker: int, write: Write) -> None:
    n = worker
    while True:
        await write(store, n)
        sys.stdout.write(f"ack {n}\n")
        sys.stdout.flush()
        n += WORKERS


async def main(root: Path, segment_records: int, write: Write) -> None:
    async with TinyDBStore(root, segment_records=segment_records) as store:
        await asyncio.gather(*(_worker(store, w, write) for w in range(WORKERS)))


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2]), {"answers": _answer, "claims": _claims}[sys.argv[3]]))
