"""What a working group's scheduled jobs say, outside any turn: the digest, its in-place refresh, and invitations.

Each handler reads the group as it is when the job fires (a job made for an old schedule, an earlier cycle or a
person since removed does nothing), builds views from services, and sends them through the Outbound port.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot import messages as say
from bot.conversation_refs import conversation_ref, direct_conversation
from bot.errors import DeliveryError
from bot.framework import Framework
from bot.keys import TeamKey
from bot.models import Assessment, ConversationRef, DigestPost, ScheduledJob, SentMessage, Team
from bot.outbound import MessageRef, Outbound
from bot.services import digest_schedule, groups
from bot.store import Store
from bot.views import Card
from dialogs.digest import Measured, local_today, measured
from dialogs.digest_cards import headline_card, non_responders_card, thread_cards
from dialogs.groups_cards import invite_card

log = logging.getLogger("reflect.groups")


@dataclass(frozen=True)
class Speaking:
    """What a job handler needs to speak: the store, the channel's Outbound, the framework and the time."""

    store: Store
    outbound: Outbound
    framework: Framework
    now: datetime


async def _channel(speak: Speaking, space: TeamKey, team: Team) -> ConversationRef | None:
    if team.channel_conversation_id is None:
        return None
    return await conversation_ref(speak.store, space.tenant, team.channel_conversation_id)


def _why(team: Team, asked_by: str | None) -> str:
    if asked_by is not None:
        return say.DIGEST_WHY_ASKED
    return say.DIGEST_WHY_WEEKLY.format(day=say.WEEKDAYS[team.digest.weekday], time=f"{team.digest.at:%H:%M}")


def _sent(message: MessageRef) -> SentMessage:
    return SentMessage(conversation_id=message.conversation.conversation_id, message_id=message.message_id)


def _ref(channel: ConversationRef, sent: SentMessage) -> MessageRef:
    """A stored message addressed again through the channel's current ref (its service URL may have moved)."""
    return MessageRef(conversation=channel.model_copy(update={"conversation_id": sent.conversation_id}), message_id=sent.message_id)


async def digest(speak: Speaking, job: ScheduledJob) -> None:
    """A weekly or asked-for digest; a weekly job schedules the next one whatever happens to this one."""
    team = await groups.find(speak.store, job.team)
    if team is None:
        return
    asked_by = job.payload.get("asked_by")
    if asked_by is None and not digest_schedule.still_wanted(job, team):
        return
    try:
        await post(speak, job.team, team, asked_by)
    finally:
        if asked_by is None:
            await digest_schedule.schedule_weekly(speak.store, job.team, team, max(speak.now, job.due_at))


async def post(speak: Speaking, space: TeamKey, team: Team, asked_by: str | None) -> DigestPost | None:
    """Headline in the channel, then its thread, then the non-responders to each lead; recorded for later refreshes.

    The record is written as soon as the headline is out, so a failure in the thread never posts the headline twice.
    """
    channel = await _channel(speak, space, team)
    if channel is None or team.assessment_id is None:
        return None
    found = await measured(speak.store, speak.framework, space, team, speak.now)
    root = await speak.outbound.send(channel, headline_card(found.digest, _why(team, asked_by), asked=asked_by is not None))
    record = _record(found, root, speak.now, asked_by)
    await speak.store.put(space, record)
    replies = [_sent(await speak.outbound.reply(root, card)) for card in thread_cards(found.digest, first=found.period.first)]
    record = record.model_copy(update={"replies": tuple(replies)})
    await speak.store.put(space, record)
    await _tell_leads(speak, space, team, channel, non_responders_card(found.digest))
    return record


def _record(found: Measured, root: MessageRef, now: datetime, asked_by: str | None) -> DigestPost:
    return DigestPost(
        assessment_id=found.digest.holdings.assessment.id,
        headline=_sent(root),
        posted_at=now,
        since=found.period.since,
        first=found.period.first,
        baseline=dict(found.period.baseline),
        levels=found.digest.levels,
        reason="asked" if asked_by else "weekly",
        asked_by=asked_by,
    )


async def _tell_leads(speak: Speaking, space: TeamKey, team: Team, channel: ConversationRef, card: Card) -> None:
    """Each lead, in their own chat; one lead who cannot be reached does not stop the others."""
    for lead in team.leads:
        try:
            to = await direct_conversation(speak.store, speak.outbound, space.tenant, lead.user_id, via=channel)
            await speak.outbound.send(to, card)
        except DeliveryError as error:
            log.warning("non-responders not sent to a lead of a group: %s", error.kind)


async def refresh(speak: Speaking, job: ScheduledJob) -> None:
    """Update the latest digest's headline and thread in place, measured over the period it was posted for."""
    team = await groups.find(speak.store, job.team)
    latest = await speak.store.get(job.team, DigestPost, digest_schedule.LATEST)
    if team is None or latest is None or latest.headline.message_id != job.payload.get("headline"):
        return
    channel = await _channel(speak, job.team, team)
    if channel is None or team.assessment_id != latest.assessment_id:
        return
    found = await measured(speak.store, speak.framework, job.team, team, speak.now, kept=True)
    updated = f"{local_today(team, speak.now):%a %H:%M}"
    headline = headline_card(found.digest, _why(team, latest.asked_by), asked=latest.reason == "asked", updated=updated)
    await speak.outbound.update(_ref(channel, latest.headline), headline)
    for sent, card in zip(latest.replies, thread_cards(found.digest, first=found.period.first), strict=False):
        await speak.outbound.update(_ref(channel, sent), card)


async def invite(speak: Speaking, job: ScheduledJob) -> None:
    """Invite one member to rate the group's current assessment in their own chat, if they still belong and it is open."""
    team = await groups.find(speak.store, job.team)
    assessment = await speak.store.get(job.team, Assessment, job.payload.get("assessment", ""))
    user_id = job.payload.get("user", "")
    if team is None or assessment is None or team.assessment_id != assessment.id or assessment.status != "open":
        return
    channel = await _channel(speak, job.team, team)
    if team.role_of(user_id) is None or channel is None:
        return
    starter = team.member(assessment.owner_id)
    lead = (starter.name if starter and starter.name else None) or say.A_LEAD
    to = await direct_conversation(speak.store, speak.outbound, job.team.tenant, user_id, via=channel)
    await speak.outbound.send(to, invite_card(team, assessment, lead, late=bool(job.payload.get("late"))))
