"""What a working group's scheduled jobs say, outside any turn: the digest, its thread, its refreshes, invitations.

Each handler composes one message from the group as it is when the job runs; a job made for an old schedule, an
earlier cycle, a replaced digest or a person since removed composes nothing. A digest is a chain of jobs, so each
message is sent (and paced, retried or reported) like any other: the headline's job, once sent, records the post
and starts the thread's first reply and one private message per lead; each reply starts the next, keeping the
thread in order. A refresh updates the headline in place, then each reply in turn.
"""

from __future__ import annotations

from datetime import datetime

from bot import messages as say
from bot.jobs import JobContext, JobHandler, Message, ToConversation, ToPerson, anytime
from bot.models import Assessment, DigestPost, JobKind, ScheduledJob, SentMessage, Team
from bot.outbound import MessageRef
from bot.services import digest_schedule, groups
from bot.services.digest_schedule import HEADLINE, LATEST, refresh_job
from bot.views import Card
from dialogs import typed
from dialogs.digest import local_now, measured
from dialogs.digest_cards import headline_card, non_responders_card, thread_cards
from dialogs.groups_cards import invite_card

THREAD_PARTS = 3


def _why(team: Team, asked_by: str | None) -> str:
    if asked_by is not None:
        return say.DIGEST_WHY_ASKED
    return say.DIGEST_WHY_WEEKLY.format(day=say.WEEKDAYS[team.digest.weekday], time=f"{team.digest.at:%H:%M}")


def _sent(message: MessageRef) -> SentMessage:
    return SentMessage(conversation_id=message.conversation.conversation_id, message_id=message.message_id)


def _follow(job: ScheduledJob, kind: JobKind, key: str, due: datetime, **payload: str) -> ScheduledJob:
    return ScheduledJob(id=f"{kind}:{key}", team=job.team, kind=kind, due_at=due, payload=payload)


async def _linked(ctx: JobContext, job: ScheduledJob) -> Team | None:
    """The group, if it still has a channel and a current assessment to report on."""
    team = await groups.find(ctx.store, job.team)
    if team is None or team.channel_conversation_id is None or team.assessment_id is None:
        return None
    return team


async def compose_digest(ctx: JobContext, job: ScheduledJob) -> Message | None:
    """The headline, in the group's working hours; a weekly job first schedules next week's, whatever happens."""
    team = await groups.find(ctx.store, job.team)
    asked_by = job.payload.get("asked_by")
    if team is None or (asked_by is None and not digest_schedule.still_wanted(job, team)):
        return None
    if asked_by is None:
        await digest_schedule.schedule_weekly(ctx.store, job.team, team, max(ctx.now, job.due_at))
    if await _linked(ctx, job) is None:
        return None
    found = await measured(ctx.store, ctx.framework, job.team, team, ctx.now)
    headline = headline_card(found.digest, _why(team, asked_by), asked=asked_by is not None)
    working = anytime if asked_by else groups.calendar_of(team).next_working_start
    return Message(to=ToConversation(str(team.channel_conversation_id)), view=headline, working_time=working)


async def digest_posted(ctx: JobContext, job: ScheduledJob, headline: MessageRef) -> None:
    """Record the post (refreshes and the next digest measure from it), then start its thread and the leads' lists."""
    team = await groups.find(ctx.store, job.team)
    if team is None or team.assessment_id is None:
        return
    found = await measured(ctx.store, ctx.framework, job.team, team, ctx.now)
    asked_by = job.payload.get("asked_by")
    post = DigestPost(
        assessment_id=team.assessment_id, headline=_sent(headline), posted_at=ctx.now, since=found.period.since,
        first=found.period.first, baseline=dict(found.period.baseline), levels=found.digest.levels,
        reason="asked" if asked_by else "weekly", asked_by=asked_by,
    )
    await ctx.store.put(job.team, post)
    root = headline.message_id
    await ctx.store.add_job(_follow(job, "digest_reply", f"{root}:0", ctx.now, headline=root, part="0"))
    for lead in team.leads:
        await ctx.store.add_job(_follow(job, "digest_leads", f"{root}:{lead.user_id}", ctx.now, headline=root, user=lead.user_id))


async def _current_post(ctx: JobContext, job: ScheduledJob) -> tuple[Team, DigestPost] | None:
    """The group and its latest digest, only while that is still the digest this job was made for."""
    team = await _linked(ctx, job)
    post = await ctx.store.get(job.team, DigestPost, LATEST)
    if team is None or post is None or post.headline.message_id != job.payload.get("headline"):
        return None
    return (team, post) if post.assessment_id == team.assessment_id else None


async def _thread_card(ctx: JobContext, job: ScheduledJob, team: Team, part: int) -> Card:
    found = await measured(ctx.store, ctx.framework, job.team, team, ctx.now, kept=True)
    return thread_cards(found.digest, first=found.period.first)[part]


async def compose_reply(ctx: JobContext, job: ScheduledJob) -> Message | None:
    """One reply in the digest's thread, measured over the period its headline was."""
    current = await _current_post(ctx, job)
    if current is None:
        return None
    team, post = current
    card = await _thread_card(ctx, job, team, int(job.payload.get("part", "0")))
    return Message(to=ToConversation(post.headline.conversation_id), view=card, thread=post.headline.message_id)


async def reply_posted(ctx: JobContext, job: ScheduledJob, reply: MessageRef) -> None:
    """Keep the reply's address for refreshes, and start the next reply, so the thread reads in order."""
    root, part = job.payload.get("headline", ""), int(job.payload.get("part", "0"))

    def add(current: DigestPost | None) -> DigestPost:
        assert current is not None
        if current.headline.message_id != root or len(current.replies) != part:
            return current
        return current.model_copy(update={"replies": (*current.replies, _sent(reply))})

    post = await ctx.store.get(job.team, DigestPost, LATEST)
    if post is None or post.headline.message_id != root:
        return
    await ctx.store.update(job.team, DigestPost, LATEST, add)
    if part + 1 < THREAD_PARTS:
        await ctx.store.add_job(_follow(job, "digest_reply", f"{root}:{part + 1}", ctx.now, headline=root, part=str(part + 1)))


async def compose_leads(ctx: JobContext, job: ScheduledJob) -> Message | None:
    """Who has not answered, to one lead in their own chat, never to the channel."""
    current = await _current_post(ctx, job)
    user_id = job.payload.get("user", "")
    if current is None or current[0].role_of(user_id) != "lead":
        return None
    team, post = current
    found = await measured(ctx.store, ctx.framework, job.team, team, ctx.now, kept=True)
    to = ToPerson(user_id, via=ToConversation(post.headline.conversation_id))
    return Message(to=to, view=non_responders_card(found.digest), working_time=groups.calendar_of(team).next_working_start)


async def compose_refresh(ctx: JobContext, job: ScheduledJob) -> Message | None:
    """The headline (or one reply) rendered again with the answers that arrived since, to update it in place."""
    current = await _current_post(ctx, job)
    if current is None:
        return None
    team, post = current
    channel = ToConversation(post.headline.conversation_id)
    part = job.payload.get("part", HEADLINE)
    if part != HEADLINE:
        number = int(part)
        if number >= len(post.replies):
            return None
        card = await _thread_card(ctx, job, team, number)
        return Message(to=channel, view=card, replaces=post.replies[number])
    found = await measured(ctx.store, ctx.framework, job.team, team, ctx.now, kept=True)
    updated = f"{local_now(team, ctx.now):%a %H:%M}"
    view = headline_card(found.digest, _why(team, post.asked_by), asked=post.reason == "asked", updated=updated)
    return Message(to=channel, view=view, replaces=post.headline)


async def refreshed(ctx: JobContext, job: ScheduledJob, _message: MessageRef) -> None:
    """Refresh the next message of the thread, in order."""
    part = job.payload.get("part", HEADLINE)
    following = 0 if part == HEADLINE else int(part) + 1
    if following < THREAD_PARTS:
        headline, slot = job.payload.get("headline", ""), job.payload.get("slot", "")
        await ctx.store.add_job(refresh_job(job.team, headline, slot, str(following), ctx.now))


async def compose_invite(ctx: JobContext, job: ScheduledJob) -> Message | None:
    """One member's invitation to rate the group's current assessment, if they still belong and it is still open."""
    team = await _linked(ctx, job)
    assessment = await ctx.store.get(job.team, Assessment, job.payload.get("assessment", ""))
    user_id = job.payload.get("user", "")
    if team is None or assessment is None or team.assessment_id != assessment.id or assessment.status != "open":
        return None
    if team.role_of(user_id) is None:
        return None
    starter = team.member(assessment.owner_id)
    lead = starter.name if starter is not None and starter.name else say.A_LEAD
    card = invite_card(team, assessment, lead, late=bool(job.payload.get("late")))
    to = ToPerson(user_id, via=ToConversation(str(team.channel_conversation_id)))
    return Message(to=to, view=card, working_time=groups.calendar_of(team).next_working_start)


async def invited(ctx: JobContext, job: ScheduledJob, sent: MessageRef) -> None:
    """The invitation's buttons can be typed in reply too, as on any card shown in a turn."""
    message = await compose_invite(ctx, job)
    if message is not None and isinstance(message.view, Card):
        await typed.shown_without_a_turn(ctx.store, job.team.tenant, sent.conversation, message.view, ctx.now)


HANDLERS: dict[JobKind, JobHandler] = {
    "digest": JobHandler(compose=compose_digest, sent=digest_posted),
    "digest_reply": JobHandler(compose=compose_reply, sent=reply_posted),
    "digest_leads": JobHandler(compose=compose_leads),
    "digest_refresh": JobHandler(compose=compose_refresh, sent=refreshed),
    "group_invite": JobHandler(compose=compose_invite, sent=invited),
}
