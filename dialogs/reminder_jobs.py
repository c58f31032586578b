"""What an action's reminder jobs say, outside any turn (planning: bot/services/reminders.py).

- `reminder`: the owner's reminder in their direct chat, opened through the action's group channel (or the
  creator's chat) for someone who never wrote; at 09:00 in the owner's zone as now known, moved into their working
  time. A reminder for an action since closed, moved or switched off says nothing. An overdue one plans next week's.
- `reminder_outcome`: a sent reminder updated in place to show that its action is done or dropped.
- `reminder_unreachable`: whoever assigned the action hears, once, that its owner cannot be reached.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.jobs import JobContext, JobHandler, Message, ToConversation, ToPerson, Undelivered, anytime
from bot.local_time import local_date
from bot.models import Action, JobKind, ScheduledJob, SentMessage, Team
from bot.outbound import MessageRef
from bot.services import reminders
from bot.services.reminder_settings import calendar_for, setting_for
from bot.services.reminders import CLOSED
from dialogs import typed
from dialogs.reminders_cards import outcome_card, reminder_card, unreachable_card


def _via(job: ScheduledJob) -> ToConversation | ToPerson:
    via = job.payload.get("via", "")
    return ToPerson(via) if job.payload.get("via_kind") == "person" else ToConversation(via)


async def _still_wanted(ctx: JobContext, job: ScheduledJob) -> Action | None:
    """The action, while it is open, still due on the day the job was planned for, and reminders are on."""
    action = await _found(ctx, job)
    if action is None or action.status in CLOSED or action.due.isoformat() != job.payload.get("due"):
        return None
    setting = await setting_for(ctx.store, job.team, action.owner_id)
    return action if setting.enabled else None


async def _found(ctx: JobContext, job: ScheduledJob) -> Action | None:
    """The job's action, naming the partition it lives in (older actions do not), so its buttons find it."""
    action = await ctx.store.get(job.team, Action, job.payload.get("action", ""))
    if action is None or action.space is not None:
        return action
    return action.model_copy(update={"space": job.team.team_id})


async def compose_reminder(ctx: JobContext, job: ScheduledJob) -> Message | None:
    """The reminder card, to the owner, in their working time; an overdue one first plans the next week's."""
    action = await _still_wanted(ctx, job)
    if action is None:
        return None
    calendar = await calendar_for(ctx.store, job.team, action.owner_id, ctx.calendar)
    day = date.fromisoformat(job.payload["day"])
    stage = reminders.stage_of(job)
    if stage == "overdue":
        following = reminders.following_job(job, action, day, calendar)
        if following is not None:
            await reminders.add_planned(ctx.store, job.team, following)
    own_time = reminders.intended(day, calendar)

    def working_time(instant: datetime) -> datetime:
        return calendar.next_working_start(max(instant, own_time))

    card = reminder_card(action, stage, late=ctx.late)
    return Message(to=ToPerson(action.owner_id, via=_via(job)), view=card, working_time=working_time)


async def reminder_sent(ctx: JobContext, job: ScheduledJob, sent: MessageRef) -> None:
    """Keep where it went, so closing the action can show the outcome there; its buttons can be typed in reply too."""
    action_id = job.payload.get("action", "")
    where = SentMessage(conversation_id=sent.conversation.conversation_id, message_id=sent.message_id)
    await reminders.remember_sent(ctx.store, job.team, action_id, where)
    action = await _found(ctx, job)
    if action is not None:
        card = reminder_card(action, reminders.stage_of(job), late=ctx.late)
        await typed.shown_without_a_turn(ctx.store, job.team.tenant, sent.conversation, card, ctx.now)


async def reminder_undelivered(ctx: JobContext, job: ScheduledJob, why: Undelivered) -> None:
    """An owner who cannot be reached is shown as such to whoever gave them the action, once."""
    action = await _found(ctx, job)
    by = None if action is None else reminders.assigner(action)
    if why != "unreachable" or action is None or by is None or by == action.owner_id:
        return
    action_id = action.id
    if not await reminders.note_unreachable(ctx.store, job.team, action_id):
        return
    payload = {"action": action_id, "by": by, "via_kind": job.payload.get("via_kind", ""), "via": job.payload.get("via", "")}
    note = ScheduledJob(id=f"reminder_unreachable:{action_id}", team=job.team, kind="reminder_unreachable", due_at=ctx.now, payload=payload)
    await ctx.store.add_job(note)


async def compose_unreachable(ctx: JobContext, job: ScheduledJob) -> Message | None:
    """To whoever assigned the action, in their working time; nothing if it has closed meanwhile."""
    action = await ctx.store.get(job.team, Action, job.payload.get("action", ""))
    by = job.payload.get("by", "")
    if action is None or action.status in CLOSED or not by:
        return None
    group = await ctx.store.get(job.team, Team, job.team.team_id)
    member = None if group is None else group.member(action.owner_id)
    calendar = await calendar_for(ctx.store, job.team, by, ctx.calendar)
    card = unreachable_card(action, None if member is None else member.name)
    return Message(to=ToPerson(by, via=_via(job)), view=card, working_time=calendar.next_working_start)


async def compose_outcome(ctx: JobContext, job: ScheduledJob) -> Message | None:
    """The sent reminder rendered again with the action's outcome, replacing it in place (no notification)."""
    action = await ctx.store.get(job.team, Action, job.payload.get("action", ""))
    if action is None or action.status not in CLOSED:
        return None
    calendar = await calendar_for(ctx.store, job.team, action.owner_id, ctx.calendar)
    sent = SentMessage(conversation_id=job.payload["conversation"], message_id=job.payload["message"])
    card = outcome_card(action, local_date(action.updated_at, calendar.zone))
    return Message(to=ToPerson(action.owner_id), view=card, working_time=anytime, replaces=sent)


HANDLERS: dict[JobKind, JobHandler] = {
    "reminder": JobHandler(compose=compose_reminder, sent=reminder_sent, undelivered=reminder_undelivered),
    "reminder_outcome": JobHandler(compose=compose_outcome),
    "reminder_unreachable": JobHandler(compose=compose_unreachable),
}
