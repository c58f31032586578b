"""The global job table: one row per scheduled job, with the columns the scheduler needs beside the JSON job.

`ready_at` is the model's own `ScheduledJob.ready_at` (the due time of a pending job, the lease end of
a held one, NULL once finished), stored on every write, so "which jobs are ready" is one indexed range
scan and never a second copy of the rules. Claiming many at once locks the ready rows with
`FOR UPDATE SKIP LOCKED`, so concurrent claimers on any instance take disjoint jobs and none waits
for another; each locked job then goes through `ScheduledJob.claimed`, the rule every store applies.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from psycopg.types.json import Jsonb

from adapters.store.documents import from_raw, to_raw
from adapters.store.postgres.connection import Transaction, tenant_scope
from adapters.store.postgres.documents import containing
from bot.models import ScheduledJob

_READY = """
SELECT doc FROM jobs WHERE ready_at <= %s ORDER BY ready_at, record_id COLLATE "C" LIMIT %s
"""
_LOCK_READY = """
SELECT record_id, doc FROM jobs WHERE ready_at <= %s ORDER BY ready_at, record_id COLLATE "C" LIMIT %s
FOR UPDATE SKIP LOCKED
"""


class JobRow:
    """One job, by the id the Store gives it in the global table."""

    def __init__(self, record_id: str) -> None:
        self._record_id = record_id

    async def lock(self, tx: Transaction) -> Any:
        cursor = await tx.execute("SELECT doc FROM jobs WHERE record_id = %s FOR UPDATE", (self._record_id,))
        row = await cursor.fetchone()
        return from_raw(ScheduledJob, row[0] if row else None)

    async def write(self, tx: Transaction, before: ScheduledJob | None, after: ScheduledJob | None) -> None:
        if after is None:
            await tx.execute("DELETE FROM jobs WHERE record_id = %s", (self._record_id,))
        elif before is None:
            await tx.execute(
                "INSERT INTO jobs (record_id, tenant, team_id, job_id, status, ready_at, doc) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (self._record_id, tenant_scope(after.team.tenant), after.team.team_id, after.id, after.status, after.ready_at, _doc(after)),
            )
        else:
            await update_job(tx, self._record_id, after)


_UPDATE = "UPDATE jobs SET status = %s, ready_at = %s, doc = %s, version = version + 1 WHERE record_id = %s"


async def update_job(tx: Transaction, record_id: str, job: ScheduledJob) -> None:
    await tx.execute(_UPDATE, (job.status, job.ready_at, _doc(job), record_id))


async def get_job(tx: Transaction, record_id: str) -> ScheduledJob | None:
    cursor = await tx.execute("SELECT doc FROM jobs WHERE record_id = %s", (record_id,))
    row = await cursor.fetchone()
    return from_raw(ScheduledJob, row[0] if row else None)


async def find_jobs(tx: Transaction, where: dict[str, object]) -> list[ScheduledJob]:
    """Jobs containing `where`; containment also matches sub-objects, so the caller applies the matcher."""
    cursor = await tx.execute(
        'SELECT doc FROM jobs WHERE doc @> %s ORDER BY record_id COLLATE "C"', (containing(where),)
    )
    return [ScheduledJob.model_validate(raw) for (raw,) in await cursor.fetchall()]


async def ready_jobs(tx: Transaction, before: datetime, limit: int) -> list[ScheduledJob]:
    """Ready at `before`, oldest first, ties broken by id as every store breaks them."""
    cursor = await tx.execute(_READY, (before, limit))
    return [ScheduledJob.model_validate(raw) for (raw,) in await cursor.fetchall()]


async def claim_ready_jobs(
    tx: Transaction, *, owner: str, now: datetime, lease: timedelta, limit: int
) -> list[ScheduledJob]:
    """Lock up to `limit` ready jobs no other claimer holds, apply the claim rule to each, and write the changed ones."""
    cursor = await tx.execute(_LOCK_READY, (now, limit))
    changed: list[tuple[str, ScheduledJob]] = []
    for record_id, raw in await cursor.fetchall():
        job = ScheduledJob.model_validate(raw)
        claimed = job.claimed(owner, now, lease)
        if claimed != job:
            changed.append((record_id, claimed))
    if changed:
        await tx.executemany(_UPDATE, [(j.status, j.ready_at, _doc(j), rid) for rid, j in changed])
    return [job for _, job in changed]


def _doc(job: ScheduledJob) -> Jsonb:
    return Jsonb(to_raw(job))
