"""An in-memory Store for fast dialog and service tests, held to the same contract as TinyDB.

Like aiogram's memory storage it is a dict of records, but it keeps each document in the
same JSON form as the TinyDB store (so every read is a fresh copy and `find` matches alike),
and its data lives in a `MemoryBacking` that outlives the store: open a new MemoryStore
over the same backing to test what survives a restart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from adapters.store.documents import PartitionKey, Raw, from_raw, matcher, same_document, same_kind, to_raw
from adapters.store.ready_jobs import first_ready
from bot.errors import StoreError
from bot.keys import TeamKey, TenantKey
from bot.models import Document, ScheduledJob
from bot.store import RecordScope, Store

D = TypeVar("D", bound=Document)
Tables = dict[str, dict[str, Raw]]


class MemoryBacking:
    """The data behind a MemoryStore; what a folder is to the TinyDB store."""

    def __init__(self) -> None:
        self.partitions: dict[PartitionKey, Tables] = {}


class MemoryStore(Store):
    """Store over a MemoryBacking; a change holds its partition's lock from read to write."""

    def __init__(self, backing: MemoryBacking | None = None) -> None:
        super().__init__()
        self._backing = backing if backing is not None else MemoryBacking()
        self._locks: dict[PartitionKey, asyncio.Lock] = {}
        self._open = False

    async def open(self) -> None:
        self._open = True

    async def close(self) -> None:
        self._open = False

    async def get(self, team: TeamKey, kind: type[D], doc_id: str) -> D | None:
        return from_raw(kind, self._table(team, kind).get(doc_id))

    async def find(self, team: TeamKey, kind: type[D], **where: object) -> list[D]:
        return self._select(team, kind, where)

    async def update(self, team: TeamKey, kind: type[D], doc_id: str, change: Callable[[D | None], D]) -> D:
        _, new = await self._change(team, kind, doc_id, same_document(kind, doc_id, change))
        assert new is not None
        return new

    async def delete(self, team: TeamKey, kind: type[Document], doc_id: str) -> bool:
        before, _ = await self._change(team, kind, doc_id, lambda _current: None)
        return before is not None

    async def drop_team(self, team: TeamKey) -> int:
        return self._drop(lambda key: key == team)

    async def drop_tenant(self, tenant: TenantKey) -> int:
        return self._drop(lambda key: key == tenant or (isinstance(key, TeamKey) and key.tenant == tenant))

    def _drop(self, chosen: Callable[[PartitionKey], bool]) -> int:
        if not self._open:
            raise StoreError("the store is not open")
        gone = [key for key in self._backing.partitions if chosen(key)]
        return sum(len(docs) for key in gone for docs in self._backing.partitions.pop(key).values())

    async def _get_record(self, scope: RecordScope, kind: type[D], record_id: str) -> D | None:
        return from_raw(kind, self._table(scope, kind).get(record_id))

    async def _change_record(
        self, scope: RecordScope, kind: type[D], record_id: str, change: Callable[[D | None], D | None]
    ) -> tuple[D | None, D | None]:
        return await self._change(scope, kind, record_id, same_kind(kind, change))

    async def _find_records(self, scope: RecordScope, kind: type[D], **where: object) -> list[D]:
        return self._select(scope, kind, where)

    async def due_jobs(self, before: datetime, *, limit: int = 100) -> list[ScheduledJob]:
        """As `Store.due_jobs`, loading only the jobs it returns (adapters/store/ready_jobs.py)."""
        return await first_ready(self._table(None, ScheduledJob), before, limit)

    def _table(self, key: PartitionKey, kind: type[Document]) -> dict[str, Raw]:
        if not self._open:
            raise StoreError("the store is not open")
        return self._backing.partitions.setdefault(key, {}).setdefault(kind.table, {})

    def _select(self, key: PartitionKey, kind: type[D], where: dict[str, object]) -> list[D]:
        matches = matcher(kind, where)
        return [kind.model_validate(raw) for raw in self._table(key, kind).values() if matches(raw)]

    async def _change(
        self, key: PartitionKey, kind: type[D], doc_id: str, change: Callable[[D | None], D | None]
    ) -> tuple[D | None, D | None]:
        """Read, change and write under the partition's lock; an unchanged result writes nothing.

        It yields once before writing, as a store doing real I/O would, so that tests of callers
        meet the interleavings they will meet in production; the lock keeps the change atomic.
        """
        async with self._locks.setdefault(key, asyncio.Lock()):
            table = self._table(key, kind)
            current = from_raw(kind, table.get(doc_id))
            new = change(current)
            if new != current:
                await asyncio.sleep(0)
                _write(table, doc_id, to_raw(new))
            return current, new


def _write(table: dict[str, Raw], doc_id: str, raw: Raw | None) -> None:
    if raw is None:
        table.pop(doc_id, None)
    else:
        table[doc_id] = raw
