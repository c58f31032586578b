"""The purge job: after an uninstall's grace period, the scope's data is deleted (bot/services/uninstall.py).

It sends nothing: composing it does the purge and answers None, so the job ends done.
"""

from __future__ import annotations

from bot.jobs import JobContext, JobHandler, Message
from bot.models import JobKind, ScheduledJob
from bot.services import uninstall


async def _purge(ctx: JobContext, job: ScheduledJob) -> Message | None:
    await uninstall.purge(ctx.store, job, ctx.now)
    return None


HANDLERS: dict[JobKind, JobHandler] = {"purge": JobHandler(compose=_purge)}
