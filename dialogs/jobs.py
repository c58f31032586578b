"""THE job table: which handler composes each kind of scheduled job.

The scheduler (adapters/scheduler.py) runs every due job through `bot.jobs.JobRunner`, which asks the handler
listed here for the message and sends it; see bot/jobs.py for the handler interface and the cycle. Add a kind to
`bot.models.JobKind` and its handler here; a kind with no handler is recorded as failed, never retried.
"""

from __future__ import annotations

from bot.jobs import JobHandler
from bot.models import JobKind
from dialogs import action_jobs, checkin_jobs, group_jobs, privacy_jobs, reminder_jobs

HANDLERS: dict[JobKind, JobHandler] = {
    **group_jobs.HANDLERS,
    **action_jobs.HANDLERS,
    **privacy_jobs.HANDLERS,
    **reminder_jobs.HANDLERS,
    **checkin_jobs.HANDLERS,
}
