"""Copy every record from one store to another and check the counts: `python -m adapters.store.copy SRC DST`.

SRC and DST are each `tinydb:PATH` (a data folder) or a `postgresql://` URL. Stop Reflect first: a
TinyDB folder in use is refused, and a database being written to would be copied half-way through.
The destination must be empty, so two deployments' data never mix. After copying, the destination is
read back and its number of records per table must equal the source's, or the command fails.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import aclosing, asynccontextmanager
from pathlib import Path
from typing import Protocol

from adapters.store.documents import Entry
from adapters.store.tinydb import TinyDBStore
from bot.errors import StoreError

USAGE = "usage: python -m adapters.store.copy SRC DST  (each tinydb:PATH or postgresql://...)"


class Portable(Protocol):
    """A store the copy command can read whole and write whole."""

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    def dump(self) -> AsyncIterator[Entry]: ...

    async def load(self, entries: AsyncIterator[Entry]) -> None: ...


COPY_TEAMS_HELD = 50
"""A copy reads or writes each team once: holding a few keeps its memory flat however big the data folder."""


def open_store(location: str) -> Portable:
    """A store for `tinydb:PATH` or a PostgreSQL URL; psycopg is imported only for the latter."""
    if location.startswith("tinydb:"):
        return TinyDBStore(Path(location.removeprefix("tinydb:")), max_teams=COPY_TEAMS_HELD)
    if location.startswith(("postgresql://", "postgres://")):
        from adapters.store.postgres.store import PostgresStore

        return PostgresStore(location)
    raise StoreError(f"{location!r} is neither tinydb:PATH nor a postgresql:// URL")


@asynccontextmanager
async def opened(location: str) -> AsyncIterator[Portable]:
    store = open_store(location)
    await store.open()
    try:
        yield store
    finally:
        await store.close()


async def counts(store: Portable) -> Counter[str]:
    """Records per table."""
    return Counter([entry.table async for entry in store.dump()])


async def copy(source: str, destination: str) -> Counter[str]:
    """Copy everything, then prove it arrived: the per-table counts read back from the reopened destination must match."""
    copied: Counter[str] = Counter()
    async with opened(source) as reading, opened(destination) as writing:
        async with aclosing(writing.dump()) as existing:
            async for _ in existing:
                raise StoreError("the destination already holds data; copy only into an empty store")
        await writing.load(_counted(reading.dump(), copied))
    async with opened(destination) as reopened:
        arrived = await counts(reopened)
    if arrived != copied:
        raise StoreError(f"counts differ after copying: source {dict(copied)}, destination {dict(arrived)}")
    return copied


async def _counted(entries: AsyncIterator[Entry], tally: Counter[str]) -> AsyncIterator[Entry]:
    async for entry in entries:
        tally[entry.table] += 1
        yield entry


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(USAGE, file=sys.stderr)
        return 2
    try:
        copied = asyncio.run(copy(argv[1], argv[2]))
    except StoreError as exc:
        print(f"Copy failed: {exc}", file=sys.stderr)
        return 2
    for table, count in sorted(copied.items()):
        print(f"{table}: {count}")
    print(f"Copied {sum(copied.values())} records; the destination's counts match the source's.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
