"""Due jobs read from the stored JSON of the global job table, for the stores that keep it in memory.

Listing due jobs runs on every scheduler tick. Loading every job to test it would hold the event loop in proportion
to all the jobs there are (a morning of reminders is thousands); reading only each job's status and ready time, and
loading just the oldest `limit` of those ready, a few at a time with the loop free in between, keeps a tick's listing
short. The order and the readiness rule are `Store.due_jobs`'s own: by ready time, then by the job's key in the
table; a job is ready when pending and due, or leased with its lease run out. The list is a set of candidates, as it
is in every store: a job changed meanwhile is settled by its atomic claim.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.models import ScheduledJob

READY_AT_FIELD = {"pending": "due_at", "claimed": "lease_until", "sending": "lease_until"}
"""The stored time at which a job in each ready status becomes ready (see `ScheduledJob.ready_at`)."""
LOADED_AT_ONCE = 50


async def first_ready(table: Mapping[str, Mapping[str, Any]], before: datetime, limit: int) -> list[ScheduledJob]:
    """The oldest `limit` jobs ready at `before`, oldest first; only those are loaded as models."""
    ready: list[tuple[datetime, str]] = []
    for key, raw in table.items():
        field = READY_AT_FIELD.get(raw.get("status", ""))
        stored = raw.get(field) if field is not None else None
        if isinstance(stored, str):
            at = datetime.fromisoformat(stored)
            if at <= before:
                ready.append((at, key))
    oldest = [key for _, key in heapq.nsmallest(limit, ready)]
    jobs: list[ScheduledJob] = []
    for start in range(0, len(oldest), LOADED_AT_ONCE):
        if start:
            await asyncio.sleep(0)
        loaded = (ScheduledJob.model_validate(table[key]) for key in oldest[start : start + LOADED_AT_ONCE] if key in table)
        jobs.extend(job for job in loaded if job.is_ready(before))
    return jobs
