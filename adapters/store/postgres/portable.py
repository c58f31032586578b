"""Every row as an Entry and back: what the copy command needs from the PostgreSQL store.

Entries name tables as the TinyDB store does (a document's kind, or `jobs`, `memberships`,
`deliveries`), so a data folder and a database hold the same entries. Reading spans tenants, so
it runs as `reflect_maintenance`; writing runs as the app does, one tenant's scope at a time.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

from psycopg.types.json import Jsonb

from adapters.store.documents import Entry, PartitionKey, Raw, to_raw
from adapters.store.postgres.connection import EVERY_TENANT, Database, tenant_scope
from bot.keys import TeamKey, TenantKey
from bot.models import ScheduledJob
from bot.records import Delivery, Membership

LOAD_BATCH = 1000
_INSERT_DOCUMENT = (
    "INSERT INTO documents (tenant, team_id, kind, doc_id, doc) VALUES (%s, %s, %s, %s, %s) "
    "ON CONFLICT (tenant, team_id, kind, doc_id) DO UPDATE SET doc = EXCLUDED.doc"
)
_INSERT_JOB = (
    "INSERT INTO jobs (record_id, tenant, team_id, job_id, status, ready_at, doc) VALUES (%s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (record_id) DO UPDATE SET status = EXCLUDED.status, ready_at = EXCLUDED.ready_at, doc = EXCLUDED.doc"
)
_INSERT_MEMBERSHIP = (
    "INSERT INTO memberships (tenant, user_id, team_id, role) VALUES (%s, %s, %s, %s) "
    "ON CONFLICT (tenant, user_id, team_id) DO UPDATE SET role = EXCLUDED.role"
)
_INSERT_DELIVERY = (
    "INSERT INTO deliveries (tenant, key_hash, expires_at, owner) VALUES (%s, %s, %s, %s) "
    "ON CONFLICT (tenant, key_hash) DO UPDATE SET expires_at = EXCLUDED.expires_at, owner = EXCLUDED.owner"
)
_INSERT_RECORD = (
    "INSERT INTO records (tenant, kind, record_id, doc) VALUES (%s, %s, %s, %s) "
    "ON CONFLICT (tenant, kind, record_id) DO UPDATE SET doc = EXCLUDED.doc"
)
_DUMPS = {
    "documents": 'SELECT tenant, team_id, kind, doc_id, doc FROM documents ORDER BY tenant, team_id, seq',
    "records": 'SELECT tenant, kind, record_id, doc FROM records ORDER BY tenant, kind, record_id COLLATE "C"',
    "jobs": 'SELECT record_id, doc FROM jobs ORDER BY record_id COLLATE "C"',
    "memberships": 'SELECT tenant, user_id, team_id, role FROM memberships ORDER BY tenant, user_id, team_id',
    "deliveries": 'SELECT tenant, key_hash, expires_at, owner FROM deliveries ORDER BY tenant, key_hash',
}


async def dump(db: Database) -> AsyncIterator[Entry]:
    """Every row of every table, as entries."""
    for table, query in _DUMPS.items():
        async with db.maintenance() as tx:
            rows = await (await tx.execute(query)).fetchall()
        for entry in _ENTRIES[table](rows):
            yield entry


async def load(db: Database, entries: AsyncIterable[Entry]) -> None:
    """Insert entries (replacing rows with the same key), a batch at a time, one transaction per scope."""
    batch: list[Entry] = []
    async for entry in entries:
        batch.append(entry)
        if len(batch) >= LOAD_BATCH:
            await _load_batch(db, batch)
            batch = []
    await _load_batch(db, batch)


async def _load_batch(db: Database, batch: list[Entry]) -> None:
    for scope, entries in itertools.groupby(sorted(batch, key=_entry_scope), key=_entry_scope):
        rows: dict[str, list[tuple[Any, ...]]] = {}
        for entry in entries:
            for statement, params in _rows(scope, entry):
                rows.setdefault(statement, []).append(params)
        async with db.transaction(scope) as tx:
            for statement, params_list in rows.items():
                await tx.executemany(statement, params_list)


def _rows(scope: str, entry: Entry) -> list[tuple[str, tuple[Any, ...]]]:
    """The INSERTs that store one entry: a membership is a row per team, anything else one row."""
    if isinstance(entry.partition, TeamKey):
        return [(_INSERT_DOCUMENT, (scope, entry.partition.team_id, entry.table, entry.doc_id, Jsonb(entry.doc)))]
    if entry.partition is None and entry.table == ScheduledJob.table:
        job = ScheduledJob.model_validate(entry.doc)
        team, tenant = job.team, tenant_scope(job.team.tenant)
        return [(_INSERT_JOB, (entry.doc_id, tenant, team.team_id, job.id, job.status, job.ready_at, Jsonb(entry.doc)))]
    if entry.partition is not None and entry.table == Membership.table:
        person = Membership.model_validate(entry.doc)
        return [(_INSERT_MEMBERSHIP, (scope, person.user_id, team_id, role)) for team_id, role in person.teams.items()]
    if entry.partition is not None and entry.table == Delivery.table:
        delivery = Delivery.model_validate(entry.doc)
        return [(_INSERT_DELIVERY, (scope, delivery.key_hash, delivery.expires_at, delivery.owner))]
    return [(_INSERT_RECORD, (scope, entry.table, entry.doc_id, Jsonb(entry.doc)))]


def _entry_scope(entry: Entry) -> str:
    return _scope_of(entry.partition)


def _scope_of(partition: PartitionKey) -> str:
    if partition is None:
        return EVERY_TENANT
    return tenant_scope(partition if isinstance(partition, TenantKey) else partition.tenant)


def _tenant(scope: str) -> TenantKey | None:
    """`tenant_scope` read backwards; the global scope is None."""
    if scope == EVERY_TENANT:
        return None
    platform, _, tenant_id = scope.partition(":")
    return TenantKey(platform=platform, tenant_id=tenant_id)  # type: ignore[arg-type]


def _documents(rows: list[tuple[Any, ...]]) -> list[Entry]:
    return [Entry(TeamKey(_tenant(tenant), team_id), kind, doc_id, doc) for tenant, team_id, kind, doc_id, doc in rows]  # type: ignore[arg-type]


def _records(rows: list[tuple[Any, ...]]) -> list[Entry]:
    return [Entry(_tenant(tenant), kind, record_id, doc) for tenant, kind, record_id, doc in rows]


def _jobs(rows: list[tuple[Any, ...]]) -> list[Entry]:
    return [Entry(None, ScheduledJob.table, record_id, doc) for record_id, doc in rows]


def _memberships(rows: list[tuple[Any, ...]]) -> list[Entry]:
    people: dict[tuple[str, str], dict[str, str]] = {}
    for tenant, user_id, team_id, role in rows:
        people.setdefault((tenant, user_id), {})[team_id] = role
    return [
        Entry(_tenant(tenant), Membership.table, user_id, _raw(Membership(user_id=user_id, teams=teams)))  # type: ignore[arg-type]
        for (tenant, user_id), teams in people.items()
    ]


def _deliveries(rows: list[tuple[Any, ...]]) -> list[Entry]:
    return [
        Entry(_tenant(tenant), Delivery.table, key_hash, _raw(Delivery(key_hash=key_hash, expires_at=expires_at, owner=owner)))
        for tenant, key_hash, expires_at, owner in rows
    ]


def _raw(doc: Membership | Delivery) -> Raw:
    raw = to_raw(doc)
    assert raw is not None
    return raw


_ENTRIES = {
    "documents": _documents,
    "records": _records,
    "jobs": _jobs,
    "memberships": _memberships,
    "deliveries": _deliveries,
}
