"""An action's reminders: planned as jobs whenever the action changes, cancelled when it closes.

The owner hears about an open action three ways, each at 09:00 in their own local time, moved out of quiet hours,
weekends and bank holidays to the start of their next working window:
- `before`: the setting's lead (default 2 working days) before the due date;
- `due`: on the due date;
- `overdue`: every week after it while the action stays open (each one plans the next as it goes out).

A reminder job's id names the action, its owner, its due date, the stage and the local day, so planning again after
any change adds nothing twice, a moved due date or a new owner leaves the old reminders to be cancelled, and one
already sent is never sent again. What was planned and what was sent are kept per action (`ActionReminders`), so closing the action cancels
what is pending and updates every sent reminder in place to show the outcome.

`after_change` is the one call the actions service makes after an action is created or changed (in its one write,
`actions._saved`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import ClassVar, Literal

from bot.keys import TeamKey
from bot.local_time import local_date, to_utc
from bot.models import Action, Document, Id, ScheduledJob, SentMessage, Team
from bot.schedules import OnDate, Schedule, WeeklyAfter, WorkingDaysBefore
from bot.services.reminder_settings import ReminderSetting, calendar_for, setting_for
from bot.store import Store
from bot.working_calendar import WorkingCalendar

REMINDER_AT = time(9, 0)
LOOK_BACK = timedelta(days=14)
"""How far back an occurrence may lie and still be waiting for its working time (a bank holiday weekend and more)."""
GRACE = timedelta(minutes=15)
CLOSED = ("done", "dropped")
SPEAKS_FIRST = ("teams", "slack")
"""Platforms Reflect can message outside a turn; the console cannot, so its actions get no reminders."""
SENT_KEPT = 12
"""Sent reminders kept per action for updating in place: a quarter of weekly overdue reminders, and the first ones."""
PLANNED_KEPT = 10
"""Planned ids kept per action: a long-overdue action's weekly chain would otherwise grow without end (the oldest,
already sent, need no cancelling)."""
Stage = Literal["before", "due", "overdue"]
ViaKind = Literal["person", "conversation"]


class ActionReminders(Document):
    """What is planned for one action (job ids) and what was sent (to update in place once it closes)."""

    table: ClassVar[str] = "action_reminders"
    action_id: Id
    planned: tuple[Id, ...] = ()
    sent: tuple[SentMessage, ...] = ()
    told_unreachable: bool = False

    @property
    def doc_id(self) -> str:
        return self.action_id


@dataclass(frozen=True)
class Planned:
    """One reminder: its stage, the local day it is for, and when it may go (its 09:00, moved into working time)."""

    stage: Stage
    day: date
    at: datetime


def plan(action: Action, setting: ReminderSetting, calendar: WorkingCalendar, now: datetime) -> list[Planned]:
    """The reminders still to be delivered after `now` for an open action; none for a closed one or reminders off."""
    if action.status in CLOSED or not setting.enabled:
        return []
    schedules: tuple[tuple[Stage, Schedule], ...] = (
        ("before", WorkingDaysBefore(action.due, setting.lead_days, REMINDER_AT, calendar)),
        ("due", OnDate(action.due, REMINDER_AT, calendar.zone)),
        ("overdue", WeeklyAfter(action.due, REMINDER_AT, calendar.zone)),
    )
    found = []
    for stage, schedule in schedules:
        moment = _upcoming(schedule, calendar, now)
        if moment is not None:
            found.append(Planned(stage, local_date(moment, calendar.zone), calendar.next_working_start(moment)))
    return found


def _upcoming(schedule: Schedule, calendar: WorkingCalendar, now: datetime) -> datetime | None:
    """The first occurrence whose delivery (moved into working time) is still to come.

    Judged by delivery, not by the occurrence itself: a due-date reminder on a Saturday, waiting for Monday, must
    survive an edit of the action on the Sunday. `GRACE` keeps one the scheduler is just about to send.
    """
    moment = schedule.next_after(now - LOOK_BACK)
    while moment is not None and calendar.next_working_start(moment) < now - GRACE:
        moment = schedule.next_after(moment)
    return moment


def next_overdue(action: Action, day: date, calendar: WorkingCalendar) -> Planned | None:
    """The weekly overdue reminder after the one for `day`, at 09:00 local whatever the clocks did in between."""
    moment = WeeklyAfter(action.due, REMINDER_AT, calendar.zone).next_after(to_utc(day, REMINDER_AT, calendar.zone))
    if moment is None:
        return None
    return Planned("overdue", local_date(moment, calendar.zone), calendar.next_working_start(moment))


def stage_of(job: ScheduledJob) -> Stage:
    """A reminder job's stage, as planned."""
    stage = job.payload.get("stage")
    return "before" if stage == "before" else "overdue" if stage == "overdue" else "due"


def following_job(job: ScheduledJob, action: Action, day: date, calendar: WorkingCalendar) -> ScheduledJob | None:
    """Next week's overdue reminder after this one, addressed as this one was."""
    following = next_overdue(action, day, calendar)
    if following is None:
        return None
    via: tuple[ViaKind, str] = ("person" if job.payload.get("via_kind") == "person" else "conversation", job.payload.get("via", ""))
    return reminder_job(job.team, action, following, via)


def intended(day: date, calendar: WorkingCalendar) -> datetime:
    """A reminder's own time in the recipient's current zone (which may have been learned since it was planned)."""
    return to_utc(day, REMINDER_AT, calendar.zone)


async def via_of(store: Store, team: TeamKey) -> tuple[ViaKind, str]:
    """A conversation through which the owner's direct chat can be opened if they never wrote.

    A person's own space: their own chat. A working group: its channel, whose roster names the owner.
    """
    if team.team_id.startswith("user:"):
        return "person", team.team_id.removeprefix("user:")
    group = await store.get(team, Team, team.team_id)
    if group is not None and group.channel_conversation_id is not None:
        return "conversation", group.channel_conversation_id
    return "conversation", team.team_id


def assigner(action: Action) -> str | None:
    """Whoever gave the action its current owner (the last reassignment, else its creator): they are told if the
    owner cannot be reached."""
    given = next((entry.by for entry in reversed(action.history) if entry.what == "owner"), None)
    return given or action.creator_id


def reminder_job(team: TeamKey, action: Action, planned: Planned, via: tuple[ViaKind, str]) -> ScheduledJob:
    """The job for one planned reminder; its payload names the owner it is addressed to (so erasing them stops it)."""
    payload = {
        "action": action.id, "owner": action.owner_id, "stage": planned.stage, "day": planned.day.isoformat(),
        "due": action.due.isoformat(), "via_kind": via[0], "via": via[1],
    }
    job_id = f"reminder:{action.id}:{action.owner_id}:{action.due.isoformat()}:{planned.stage}:{planned.day.isoformat()}"
    return ScheduledJob(id=job_id, team=team, kind="reminder", due_at=planned.at, payload=payload)


def outcome_job(team: TeamKey, action: Action, sent: SentMessage, now: datetime) -> ScheduledJob:
    """Show a closed action's outcome on a reminder sent earlier, in place."""
    payload = {"action": action.id, "conversation": sent.conversation_id, "message": sent.message_id}
    job_id = f"reminder_outcome:{action.id}:{sent.message_id}:{action.status}:{action.updated_at.isoformat()}"
    return ScheduledJob(id=job_id, team=team, kind="reminder_outcome", due_at=now, payload=payload)


async def after_change(
    store: Store, team: TeamKey, action: Action, now: datetime, *, defaults: WorkingCalendar | None = None
) -> None:
    """Bring an action's reminders in line with it: plan what is ahead and cancel the rest; closed, update the sent."""
    if team.tenant.platform not in SPEAKS_FIRST:
        return
    record = await store.get(team, ActionReminders, action.id) or ActionReminders(action_id=action.id)
    jobs: list[ScheduledJob] = []
    if action.status in CLOSED:
        for sent in record.sent:
            await store.add_job(outcome_job(team, action, sent, now))
    else:
        setting = await setting_for(store, team, action.owner_id)
        calendar = await calendar_for(store, team, action.owner_id, defaults or WorkingCalendar())
        via = await via_of(store, team)
        jobs = [reminder_job(team, action, planned, via) for planned in plan(action, setting, calendar, now)]
    wanted = {job.id for job in jobs}
    for stale in record.planned:
        if stale not in wanted:
            await store.cancel_job(team, stale)
    for job in jobs:
        await schedule(store, job)
    await _record(store, team, action.id, planned=tuple(wanted), replace=True)


async def schedule(store: Store, job: ScheduledJob) -> None:
    """Add a reminder once; one cancelled earlier (the due date moved away and back) is revived, one still pending
    moves to its new time (the owner's zone changed), a sent one is never touched."""
    stored = await store.add_job(job)
    if stored.status == "cancelled" or (stored.status == "pending" and stored.due_at != job.due_at):
        await store.reschedule_job(job.team, job.id, job.due_at)


async def add_planned(store: Store, team: TeamKey, job: ScheduledJob) -> None:
    """Schedule a follow-up reminder (next week's overdue one) and remember it, so closing the action cancels it."""
    await schedule(store, job)
    await _record(store, team, job.payload["action"], planned=(job.id,))


async def remember_sent(store: Store, team: TeamKey, action_id: str, sent: SentMessage) -> None:
    """Keep where a reminder went, to show the action's outcome there later."""

    def add(current: ActionReminders | None) -> ActionReminders:
        base = current or ActionReminders(action_id=action_id)
        return base.model_copy(update={"sent": (*base.sent, sent)[-SENT_KEPT:]})

    await store.update(team, ActionReminders, action_id, add)


async def note_unreachable(store: Store, team: TeamKey, action_id: str) -> bool:
    """True the first time an action's owner turns out unreachable, so whoever assigned it is told once."""
    record = await store.get(team, ActionReminders, action_id)
    if record is not None and record.told_unreachable:
        return False

    def mark(current: ActionReminders | None) -> ActionReminders:
        return (current or ActionReminders(action_id=action_id)).model_copy(update={"told_unreachable": True})

    await store.update(team, ActionReminders, action_id, mark)
    return True


async def _record(store: Store, team: TeamKey, action_id: str, *, planned: Iterable[str], replace: bool = False) -> None:
    def apply(current: ActionReminders | None) -> ActionReminders:
        base = current or ActionReminders(action_id=action_id)
        ids = tuple(sorted(set(planned) if replace else {*base.planned, *planned}))[-PLANNED_KEPT:]
        return base.model_copy(update={"planned": ids})

    await store.update(team, ActionReminders, action_id, apply)
