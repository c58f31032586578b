"""A process that claims inbound deliveries in PostgreSQL, for the test that two instances never both take one.

Usage: python -m tests.pg_claimer URL COUNT up|down. It waits for a line on stdin (so two claimers
start together), claims deliveries ev-0 .. ev-(COUNT-1) concurrently, in that order or the reverse
(so two claimers meet head on), and prints `won N` for each it got.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta

from adapters.store.postgres.store import PostgresStore
from bot.keys import TenantKey

TENANT = TenantKey("slack", "T-claims")
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
TTL = timedelta(hours=1)


async def main(url: str, count: int, order: str) -> None:
    numbers = list(range(count)) if order == "up" else list(reversed(range(count)))
    async with PostgresStore(url, pool_size=4) as store:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        won = await asyncio.gather(*(store.claim_delivery(TENANT, f"ev-{n}", NOW, TTL) for n in numbers))
    for n, took in zip(numbers, won):
        if took:
            print(f"won {n}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
