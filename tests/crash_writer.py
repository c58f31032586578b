"""A writer process for crash tests: records answers forever, printing `ack N` after each durable write.

The test kills it with SIGKILL at a random moment; every N it printed must survive.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from adapters.store.tinydb import TinyDBStore
from bot.framework import Level
from bot.keys import AssessmentKey, TeamKey, TenantKey
from bot.models import Answer

KEY = AssessmentKey(TeamKey(TenantKey("teams", "tenant-crash"), "team-crash"), "a-crash")
WORKERS = 8


async def _worker(store: TinyDBStore, worker: int) -> None:
    n = worker
    while True:
        answer = Answer(section="4c", author_id=f"u{n}", rating=Level(1 + n % 4), at=datetime.now(UTC))
        await store.record_answer(KEY, answer)
        sys.stdout.write(f"ack {n}\n")
        sys.stdout.flush()
        n += WORKERS


async def main(root: Path, segment_records: int) -> None:
    async with TinyDBStore(root, segment_records=segment_records) as store:
        await asyncio.gather(*(_worker(store, w) for w in range(WORKERS)))


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2])))
