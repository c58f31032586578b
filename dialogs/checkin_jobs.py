"""What a check-in's scheduled jobs say, outside any turn: each member's ask, nudges, the summary, the leads' list.

Each handler composes from the check-in as it is when the job runs: a job for a cancelled check-in, a moved deadline,
a member since removed, or someone who has answered composes nothing. Asks and nudges go to each member's direct
conversation (opened once through the group's channel and kept), in the group's working time; the summary goes to
the channel, as a reply in the digest's thread when there is one; late answers update it in place.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.jobs import JobContext, JobHandler, Message, ToConversation, ToPerson, Undelivered, anytime
from bot.models import CheckIn, DigestPost, JobKind, ScheduledJob, SentMessage, Team
from bot.outbound import MessageRef
from bot.services import checkin_schedule, checkins, groups
from bot.services import checkin_timing as timing
from bot.services.checkin_summary import summarise
from bot.services.checkin_timing import NudgeKind
from bot.services.digest_schedule import LATEST
from bot.services.reminder_settings import calendar_for
from dialogs.checkins_cards import leads_card, summary_card
from dialogs.checkins import ask, member_card


def _sent(message: MessageRef) -> SentMessage:
    return SentMessage(conversation_id=message.conversation.conversation_id, message_id=message.message_id)


async def _found(ctx: JobContext, job: ScheduledJob) -> tuple[Team, CheckIn] | None:
    team = await groups.find(ctx.store, job.team)
    checkin = await ctx.store.get(job.team, CheckIn, job.payload.get("checkin", ""))
    if team is None or team.channel_conversation_id is None or checkin is None:
        return None
    return team, checkin


def _to(team: Team, user_id: str) -> ToPerson:
    return ToPerson(user_id, via=ToConversation(str(team.channel_conversation_id)))


async def compose_ask(ctx: JobContext, job: ScheduledJob) -> Message | None:
    """A member's card, in their own working time (the group's, in their zone if Reflect has learned it), while the check-in is open and they still belong."""
    found = await _found(ctx, job)
    user_id = job.payload.get("user", "")
    if found is None or found[1].status != "open" or found[0].role_of(user_id) is None:
        return None
    team, checkin = found
    card = await ask(ctx.store, ctx.framework, job.team, team, checkin, user_id)
    calendar = await calendar_for(ctx.store, job.team, user_id, ctx.calendar)
    return Message(to=_to(team, user_id), view=card, working_time=calendar.next_working_start)


async def asked(ctx: JobContext, job: ScheduledJob, message: MessageRef) -> None:
    found = await _found(ctx, job)
    if found is not None:
        await checkins.messaged(ctx.store, job.team, found[1], job.payload.get("user", ""), ctx.now, _sent(message))


async def unreachable(ctx: JobContext, job: ScheduledJob, why: Undelivered) -> None:
    """Listed for the leads and never retried for this check-in; the rest may then be complete."""
    found = await _found(ctx, job)
    if found is None or why == "uncertain":
        return
    checkin = found[1]
    await checkins.unreachable(ctx.store, job.team, checkin, job.payload.get("user", ""))
    if checkin.status == "open" and checkins.everyone_answered(checkin, await checkins.replies(ctx.store, job.team, checkin)):
        await checkin_schedule.close_now(ctx.store, job.team, checkin, ctx.now, "everyone")


async def compose_nudge(ctx: JobContext, job: ScheduledJob) -> Message | None:
    """A nudge to someone who has not answered, away or unreachable, at a time the nudge rules allow, or nothing."""
    found = await _found(ctx, job)
    user_id = job.payload.get("user", "")
    if found is None or found[1].status != "open" or found[0].role_of(user_id) is None:
        return None
    team, checkin = found
    reply = await checkins.reply(ctx.store, job.team, checkin, user_id)
    if job.payload.get("deadline") != checkin_schedule.deadline_key(checkin) or reply is None or reply.card is None:
        return None
    if reply.responded or reply.away or reply.unreachable:
        return None
    kind = _nudge_kind(job)
    calendar = await calendar_for(ctx.store, job.team, user_id, ctx.calendar)
    at = timing.nudge_time(
        calendar, kind, due=max(job.due_at, ctx.now), deadline=checkin.deadline,
        last_message=reply.last_message_at, snoozed_until=reply.snoozed_until if kind != "snoozed" else None,
    )
    if at is None:
        return None
    card = await member_card(ctx.store, job.team, team, checkin, reply, nudge=kind)
    return Message(to=_to(team, user_id), view=card, working_time=lambda t: max(calendar.next_working_start(t), at))


_NUDGES: dict[str, NudgeKind] = {"halfway": "halfway", "closing": "closing", "snoozed": "snoozed"}


def _nudge_kind(job: ScheduledJob) -> NudgeKind:
    return _NUDGES.get(job.payload.get("nudge", ""), "halfway")


async def nudged(ctx: JobContext, job: ScheduledJob, _message: MessageRef) -> None:
    found = await _found(ctx, job)
    if found is not None:
        await checkins.messaged(ctx.store, job.team, found[1], job.payload.get("user", ""), ctx.now)


def _closes(job: ScheduledJob, checkin: CheckIn) -> bool:
    """The deadline job for the current deadline, or an early close."""
    return "early" in job.payload or job.payload.get("deadline") == checkin_schedule.deadline_key(checkin)


async def _thread(ctx: JobContext, job: ScheduledJob, team: Team) -> tuple[ToConversation, str | None]:
    """The digest's thread of the group's current assessment when there is one, else the channel itself."""
    post = await ctx.store.get(job.team, DigestPost, LATEST)
    if post is None or post.assessment_id != team.assessment_id:
        return ToConversation(str(team.channel_conversation_id)), None
    return ToConversation(post.headline.conversation_id), post.headline.message_id


async def compose_close(ctx: JobContext, job: ScheduledJob) -> Message | None:
    """Close the check-in (the first close job to run wins) and compose its summary for the channel."""
    found = await _found(ctx, job)
    if found is None or (found[1].status == "open" and not _closes(job, found[1])):
        return None
    team, checkin = found
    checkin = await checkins.close(ctx.store, job.team, checkin.id, job.id, ctx.now)
    if checkin.status != "closed" or checkin.closer != job.id or checkin.summary is not None:
        return None
    summary = summarise(team, checkin, await checkins.replies(ctx.store, job.team, checkin))
    to, thread = await _thread(ctx, job, team)
    working = groups.calendar_of(team).next_working_start
    return Message(to=to, view=summary_card(summary, ctx.framework), working_time=working, thread=thread)


async def closed(ctx: JobContext, job: ScheduledJob, message: MessageRef) -> None:
    """Keep the summary's address for late answers, and send each lead the list of who did not answer."""
    found = await _found(ctx, job)
    if found is None:
        return
    team, checkin = found

    def posted(current: CheckIn | None) -> CheckIn:
        assert current is not None
        return current if current.summary is not None else current.model_copy(update={"summary": _sent(message)})

    await ctx.store.update(job.team, CheckIn, checkin.id, posted)
    await checkin_schedule.leads_lists(ctx.store, job.team, checkin, tuple(m.user_id for m in team.leads), ctx.now)


async def compose_leads(ctx: JobContext, job: ScheduledJob) -> Message | None:
    """Who did not answer, was away or could not be reached: to one lead in their own chat, never the channel."""
    found = await _found(ctx, job)
    user_id = job.payload.get("user", "")
    if found is None or found[0].role_of(user_id) != "lead" or found[1].status != "closed":
        return None
    team, checkin = found
    summary = summarise(team, checkin, await checkins.replies(ctx.store, job.team, checkin))
    return Message(to=_to(team, user_id), view=leads_card(summary), working_time=groups.calendar_of(team).next_working_start)


async def compose_refresh(ctx: JobContext, job: ScheduledJob) -> Message | None:
    """The summary rendered again with late answers, to update it in place."""
    found = await _found(ctx, job)
    if found is None or found[1].summary is None:
        return None
    team, checkin = found
    summary = summarise(team, checkin, await checkins.replies(ctx.store, job.team, checkin))
    local = ctx.now.astimezone(ZoneInfo(team.time_zone))
    card = summary_card(summary, ctx.framework, updated=f"{local:%a %H:%M}")
    channel = ToConversation(str(team.channel_conversation_id))
    return Message(to=channel, view=card, replaces=found[1].summary, working_time=anytime)


HANDLERS: dict[JobKind, JobHandler] = {
    "checkin_ask": JobHandler(compose=compose_ask, sent=asked, undelivered=unreachable),
    "checkin_nudge": JobHandler(compose=compose_nudge, sent=nudged),
    "checkin_close": JobHandler(compose=compose_close, sent=closed),
    "checkin_leads": JobHandler(compose=compose_leads),
    "checkin_refresh": JobHandler(compose=compose_refresh),
}
