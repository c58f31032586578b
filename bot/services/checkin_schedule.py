"""The jobs a check-in runs on: one ask per member, nudges, the close at the deadline, the leads' lists, refreshes.

Job ids name the check-in, the person and (for the close and nudges) the deadline they were made for, so scheduling
twice adds nothing, and a job made before the deadline moved is recognised and dropped when it fires.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.keys import TeamKey
from bot.models import CheckIn, JobKind, ScheduledJob
from bot.services import checkin_timing as timing
from bot.store import Store
from bot.working_calendar import WorkingCalendar

REFRESH_SLOT = timedelta(minutes=5)


def _job(space: TeamKey, kind: JobKind, job_id: str, due: datetime, **payload: str) -> ScheduledJob:
    return ScheduledJob(id=f"{kind}:{job_id}", team=space, kind=kind, due_at=due, payload=payload)


def deadline_key(checkin: CheckIn) -> str:
    return f"{checkin.deadline:%Y%m%dT%H%M}"


async def schedule_asks(store: Store, space: TeamKey, checkin: CheckIn, now: datetime) -> None:
    """One direct message per member, due now: the scheduler moves each into working time and paces the sends."""
    for user_id in checkin.members:
        await store.add_job(_job(space, "checkin_ask", f"{checkin.id}:{user_id}", now, checkin=checkin.id, user=user_id))


async def schedule_deadline(store: Store, space: TeamKey, checkin: CheckIn, calendar: WorkingCalendar) -> None:
    """The close at the deadline, and each member's nudges for it (the closing-day one only on the active profile)."""
    key = deadline_key(checkin)
    await store.add_job(_job(space, "checkin_close", f"{checkin.id}:{key}", checkin.deadline, checkin=checkin.id, deadline=key))
    nudges = {"halfway": timing.halfway(calendar, checkin.opened_at or checkin.created_at, checkin.deadline)}
    if checkin.profile == "active":
        nudges["closing"] = timing.closing_day_start(calendar, checkin.deadline)
    for user_id in checkin.members:
        for kind, due in nudges.items():
            await store.add_job(_job(
                space, "checkin_nudge", f"{checkin.id}:{user_id}:{kind}:{key}", due,
                checkin=checkin.id, user=user_id, nudge=kind, deadline=key,
            ))


async def schedule_snoozed(store: Store, space: TeamKey, checkin: CheckIn, user_id: str, until: datetime) -> None:
    """The reminder a member asked for with Snooze, subject to the same rules as any nudge when it fires."""
    key = deadline_key(checkin)
    await store.add_job(_job(
        space, "checkin_nudge", f"{checkin.id}:{user_id}:snoozed:{until:%Y%m%dT%H%M}", until,
        checkin=checkin.id, user=user_id, nudge="snoozed", deadline=key,
    ))


async def close_now(store: Store, space: TeamKey, checkin: CheckIn, now: datetime, why: str) -> None:
    """Close before the deadline: everyone has answered, or a lead closed it."""
    await store.add_job(_job(space, "checkin_close", f"{checkin.id}:{why}", now, checkin=checkin.id, early=why))


async def leads_lists(store: Store, space: TeamKey, checkin: CheckIn, leads: tuple[str, ...], now: datetime) -> None:
    for user_id in leads:
        await store.add_job(_job(space, "checkin_leads", f"{checkin.id}:{user_id}", now, checkin=checkin.id, user=user_id))


async def refresh_summary(store: Store, space: TeamKey, checkin: CheckIn, now: datetime) -> None:
    """A late answer updates the posted summary at the end of the current five-minute slot: one update per burst."""
    minutes = REFRESH_SLOT // timedelta(minutes=1)
    slot = now.replace(minute=now.minute - now.minute % minutes, second=0, microsecond=0)
    await store.add_job(_job(
        space, "checkin_refresh", f"{checkin.id}:{slot:%Y%m%dT%H%M}", slot + REFRESH_SLOT, checkin=checkin.id
    ))
