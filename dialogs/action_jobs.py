"""What Reflect says outside a turn about actions: the direct message that tells a new owner about their action.

The message is composed from the action as it is when the job runs, so an action reassigned again, finished or
dropped in the meantime sends nothing; it goes out in working hours only (the group's, or Reflect's defaults for
someone's own space), and a person who never wrote to the bot is reached through the conversation where the action
was given them.
"""

from __future__ import annotations

from bot.jobs import JobContext, JobHandler, Message, ToConversation, ToPerson
from bot.models import Action, JobKind, Person, ScheduledJob
from bot.outbound import MessageRef
from bot.services import groups
from bot.views import Card
from bot.working_calendar import WorkingCalendar
from dialogs import typed
from dialogs.actions_cards import assigned_card


async def compose_assigned(ctx: JobContext, job: ScheduledJob) -> Message | None:
    """The action's card, with its buttons, to its owner, if they still own it and it is still to do."""
    stored = await ctx.store.get(job.team, Action, job.payload.get("action", ""))
    owner = job.payload.get("owner", "")
    if stored is None or stored.owner_id != owner or not stored.active:
        return None
    action = stored if stored.space else stored.model_copy(update={"space": job.team.team_id})
    by = Person(user_id=job.payload.get("by", "unknown"), name=job.payload.get("by_name") or None)
    team = await groups.find(ctx.store, job.team)
    calendar = WorkingCalendar() if team is None else groups.calendar_of(team)
    channel = job.payload.get("via")
    to = ToPerson(owner, via=ToConversation(channel) if channel else ToPerson(by.user_id))
    return Message(to=to, view=assigned_card(action, by, late=ctx.late), working_time=calendar.next_working_start)


async def assigned(ctx: JobContext, job: ScheduledJob, sent: MessageRef) -> None:
    """The message's buttons can be typed in reply too (`done`, `snooze`), as on any card shown in a turn."""
    message = await compose_assigned(ctx, job)
    if message is not None and isinstance(message.view, Card):
        await typed.shown_without_a_turn(ctx.store, job.team.tenant, sent.conversation, message.view, ctx.now)


HANDLERS: dict[JobKind, JobHandler] = {
    "action_assigned": JobHandler(compose=compose_assigned, sent=assigned),
}
