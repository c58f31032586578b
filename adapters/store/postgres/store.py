"""The PostgreSQL Store: the same contract as the TinyDB and memory stores, shared by many Reflect instances.

Why this shape:
- Team documents are JSONB rows keyed by (tenant, team, kind, id). `update` locks the row
  (`SELECT ... FOR UPDATE`) for its read-modify-write, so concurrent turns on different instances
  queue per document and none loses another's change; a commit is durable before it returns.
- Access patterns that need an index have relational tables: the global job table (claims with
  `FOR UPDATE SKIP LOCKED` and a lease), inbound delivery claims (a unique key: a Slack retry or a
  Teams redelivery reaching another instance is still taken once), and memberships by person.
- Tenants are kept apart twice: every query names the tenant, and row-level security, forced and
  applied to the `reflect_app` role every transaction runs as, hides any other tenant's rows even
  from a query that forgot to. The job table is the one deliberate exception (see schema.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from adapters.store.documents import Entry, matcher, same_document, same_kind, to_raw
from adapters.store.postgres import documents, jobs, portable, records
from adapters.store.postgres.atomic import Row, read_modify_write
from adapters.store.postgres.schema import TENANT_TABLES
from adapters.store.postgres.connection import EVERY_TENANT, Database, Transaction, tenant_scope
from bot.errors import StoreError
from bot.keys import TeamKey, TenantKey
from bot.models import Document, ScheduledJob
from bot.records import Delivery, Membership, delivery_id
from bot.store import RecordScope, Store, StoreHealth

D = TypeVar("D", bound=Document)


class PostgresStore(Store):
    """Store over one PostgreSQL database; `open` migrates the schema, then fills the connection pool."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        super().__init__()
        self._db = Database(url, pool_size=pool_size)

    async def open(self) -> None:
        await self._db.open()

    async def close(self) -> None:
        await self._db.close()

    async def health(self) -> StoreHealth:
        try:
            schema = await self._db.schema()
        except StoreError:
            return StoreHealth(ok=False, checks={"database": "unreachable"})
        return StoreHealth(ok=schema.current, checks={"database": "reachable", "migrations": schema.describe()})

    def dump(self) -> AsyncIterator[Entry]:
        """Every row as an entry, across tenants (for the copy command)."""
        return portable.dump(self._db)

    async def load(self, entries: AsyncIterable[Entry]) -> None:
        """Insert entries as they are (for the copy command)."""
        await portable.load(self._db, entries)

    # -- team documents -----------------------------------------------------------------

    async def get(self, team: TeamKey, kind: type[D], doc_id: str) -> D | None:
        async with self._db.transaction(tenant_scope(team.tenant), single=True) as tx:
            return await documents.get_document(tx, tenant_scope(team.tenant), team.team_id, kind, doc_id)

    async def find(self, team: TeamKey, kind: type[D], **where: object) -> list[D]:
        async with self._db.transaction(tenant_scope(team.tenant), single=True) as tx:
            return await documents.find_documents(tx, tenant_scope(team.tenant), team.team_id, kind, where)

    async def update(self, team: TeamKey, kind: type[D], doc_id: str, change: Callable[[D | None], D]) -> D:
        scope = tenant_scope(team.tenant)
        row = documents.DocumentRow(scope, team.team_id, kind, doc_id)
        _, new = await read_modify_write(self._db, scope, row, same_document(kind, doc_id, change))
        assert new is not None
        return new

    async def delete(self, team: TeamKey, kind: type[Document], doc_id: str) -> bool:
        scope = tenant_scope(team.tenant)
        row = documents.DocumentRow(scope, team.team_id, kind, doc_id)
        before, _ = await read_modify_write(self._db, scope, row, lambda _current: None)
        return before is not None

    async def drop_team(self, team: TeamKey) -> int:
        scope = tenant_scope(team.tenant)
        async with self._db.transaction(scope, single=True) as tx:
            cursor = await tx.execute("DELETE FROM documents WHERE tenant = %s AND team_id = %s", (scope, team.team_id))
            return max(cursor.rowcount, 0)

    async def drop_tenant(self, tenant: TenantKey) -> int:
        scope = tenant_scope(tenant)
        count = 0
        async with self._db.transaction(scope) as tx:
            for table in TENANT_TABLES:
                cursor = await tx.execute(f"DELETE FROM {table} WHERE tenant = %s", (scope,))
                count += max(cursor.rowcount, 0)
        return count

    async def put(self, team: TeamKey, doc: Document) -> None:
        """A replacement needs nothing read first: one upsert instead of a locked read-modify-write (the state a
        turn saves, a digest's record), which saves a round trip and a row lock on every turn."""
        async with self._db.transaction(tenant_scope(team.tenant), single=True) as tx:
            await documents.replace_document(tx, tenant_scope(team.tenant), team.team_id, doc)

    # -- records outside the teams ------------------------------------------------------

    async def _get_record(self, scope: RecordScope, kind: type[D], record_id: str) -> D | None:
        async with self._db.transaction(_scope(scope), single=True) as tx:
            found: Any = await _read_record(tx, scope, kind, record_id)
            return found

    async def _change_record(
        self, scope: RecordScope, kind: type[D], record_id: str, change: Callable[[D | None], D | None]
    ) -> tuple[D | None, D | None]:
        where = _scope(scope)
        return await read_modify_write(self._db, where, _record_row(scope, kind, record_id), same_kind(kind, change))

    async def _find_records(self, scope: RecordScope, kind: type[D], **where: object) -> list[D]:
        matches = matcher(kind, where)
        async with self._db.transaction(_scope(scope), single=True) as tx:
            found: list[Any] = await _read_records(tx, scope, kind, where)
        return [record for record in found if matches(to_raw(record) or {})]

    # -- what one SQL statement does better than the generic calls ----------------------

    async def due_jobs(self, before: datetime, *, limit: int = 100) -> list[ScheduledJob]:
        async with self._db.transaction(EVERY_TENANT, single=True) as tx:
            return await jobs.ready_jobs(tx, before, limit)

    async def claim_due_jobs(
        self, *, owner: str, now: datetime, lease: timedelta, limit: int = 100
    ) -> list[ScheduledJob]:
        async with self._db.transaction(EVERY_TENANT) as tx:
            return await jobs.claim_ready_jobs(tx, owner=owner, now=now, lease=lease, limit=limit)

    async def claim_delivery(
        self, tenant: TenantKey, key: str, now: datetime, ttl: timedelta, *, owner: str | None = None
    ) -> bool:
        if ttl <= timedelta(0):
            raise ValueError("a delivery claim needs a positive ttl")
        key_hash = delivery_id(key)
        async with self._db.transaction(tenant_scope(tenant), single=True) as tx:
            claimed = await records.claim_delivery(tx, tenant_scope(tenant), key_hash, now, now + ttl, owner)
        await self._prune_deliveries(tenant, now, ttl)
        return claimed

    async def _prune_deliveries(self, tenant: TenantKey, now: datetime, ttl: timedelta) -> None:
        if now < self._next_prune.get(tenant, now):
            return
        self._next_prune[tenant] = now + ttl
        async with self._db.transaction(tenant_scope(tenant), single=True) as tx:
            await records.prune_deliveries(tx, tenant_scope(tenant), now)


def _scope(scope: RecordScope) -> str:
    return EVERY_TENANT if scope is None else tenant_scope(scope)


async def _read_record(tx: Transaction, scope: RecordScope, kind: type[Document], record_id: str) -> Any:
    if kind is ScheduledJob and scope is None:
        return await jobs.get_job(tx, record_id)
    if kind is Membership and scope is not None:
        return await records.get_membership(tx, tenant_scope(scope), record_id)
    if kind is Delivery and scope is not None:
        return await records.get_delivery(tx, tenant_scope(scope), record_id)
    return await documents.get_record(tx, _scope(scope), kind, record_id)


async def _read_records(
    tx: Transaction, scope: RecordScope, kind: type[Document], where: dict[str, object]
) -> list[Any]:
    """Candidates for `_find_records`, narrowed by the database where it can; the caller applies the matcher."""
    if kind is ScheduledJob and scope is None:
        return await jobs.find_jobs(tx, where)
    if kind is Membership and scope is not None:
        return await records.find_memberships(tx, tenant_scope(scope))
    if kind is Delivery and scope is not None:
        return await records.find_deliveries(tx, tenant_scope(scope))
    return await documents.find_records(tx, _scope(scope), kind, where)


def _record_row(scope: RecordScope, kind: type[Document], record_id: str) -> Row[Any]:
    """Which table holds a record: jobs, memberships and deliveries have their own; any other kind is JSONB."""
    if kind is ScheduledJob and scope is None:
        return jobs.JobRow(record_id)
    if kind is Membership and scope is not None:
        return records.MembershipRow(tenant_scope(scope), record_id)
    if kind is Delivery and scope is not None:
        return records.DeliveryRow(tenant_scope(scope), record_id)
    return documents.RecordRow(_scope(scope), kind, record_id)
