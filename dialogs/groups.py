"""Working groups: linking a channel, members and leads, a person's groups, the shared assessment and its cycles.

Typed in a group's channel, a command acts on that channel's group; from a card in someone's own chat, on the
group the card names, which the pipeline has already checked they belong to. Leads-only steps refuse everyone
else before anything changes. Diagram: groups.mmd.
"""

from __future__ import annotations

import re
from datetime import date

from bot import messages as say
from bot.intents import CloseCycle, LeaveGroup, OpenGroup, ShareResults, ShowParticipation, StartGroupAssessment
from bot.keys import AssessmentKey, TeamKey
from bot.local_time import parse_time_zone
from bot.models import Awaiting, Person, Role, Scope, ScopeDraft, Team
from bot.services import assessments, calibration, digest_schedule, groups, participation, shared
from bot.views import Notice
from bot.working_calendar import Nation, parse_quiet_hours
from dialogs import digest as group_digest
from dialogs import reflection
from dialogs.assessments_cards import about
from dialogs.flow import FlowContext, FlowResult, leads_to
from dialogs.groups_cards import group_card, groups_card, participation_card, status_card
from dialogs.reflection_cards import phases_card
from dialogs.setup_cards import subject_card
from dialogs.where import author, here

EVERYONE = "everyone"
_LEAD_WORDS = re.compile(r"^(leads?)\b", re.IGNORECASE)


def _notice(text: str) -> FlowResult:
    return FlowResult(views=(Notice(text=text),))


@leads_to()
async def link_channel(ctx: FlowContext) -> FlowResult:
    """`link this channel`: the group lives in this channel's partition; whoever links it first becomes its lead."""
    if not ctx.in_channel:
        return _notice(say.LINK_IN_CHANNEL)
    existing = await groups.find(ctx.store, ctx.team)
    team = await groups.link(ctx.store, ctx.team, ctx.conversation_id, author(ctx), say.DEFAULT_GROUP_NAME, ctx.now)
    await digest_schedule.schedule_weekly(ctx.store, ctx.team, team, ctx.now)
    return _notice((say.RELINKED if existing else say.LINKED).format(name=team.name))


@leads_to()
async def rename(ctx: FlowContext, text: str) -> FlowResult:
    """`rename group <name>`: leads only."""
    word, _, name = text.partition(" ")
    name = " ".join(name.split())[:100]
    if word.casefold() != "group" or not name:
        return _notice(say.RENAME_HOW)
    space, _team = await here(ctx)
    team = await groups.settle(ctx.store, space, ctx.user_id, now=ctx.now, name=name)
    return _notice(say.RENAMED.format(name=team.name))


async def _people(ctx: FlowContext, text: str) -> list[Person] | None:
    """Everyone in the channel for `everyone` (the roster the channel gave), else the people mentioned; the bot never."""
    if text.strip().casefold() == EVERYONE:
        if ctx.roster is None:
            return None
        return await ctx.roster()
    return list(ctx.mentions)


@leads_to()
async def add(ctx: FlowContext, text: str) -> FlowResult:
    """`add @a @b`, `add lead @a` or `add everyone`: leads only; new members are invited to rate if an assessment is open."""
    space, team = await here(ctx)
    groups.require_lead(team, ctx.user_id)
    lead = _LEAD_WORDS.match(text.strip())
    role: Role = "lead" if lead else "member"
    people = await _people(ctx, text[lead.end():] if lead else text)
    if people is None:
        return _notice(say.ROSTER_UNAVAILABLE)
    if not people:
        return _notice(say.ADD_HOW)
    added = await groups.add(ctx.store, space, ctx.user_id, people, role, ctx.now)
    assessment = await shared.current(ctx.store, space, added.team)
    if assessment is not None and assessment.status == "open":
        await shared.invite(ctx.store, space, assessment, [p.user_id for p in added.new], ctx.now, late=True)
    if not added.new and role == "member":
        return _notice(say.ADDED_NONE.format(name=added.team.name))
    return _notice(say.ADDED.format(count=len(added.new) or len(added.already), name=added.team.name))


@leads_to()
async def remove(ctx: FlowContext, text: str) -> FlowResult:
    """`remove @a`: leads only; the removed keep their answers, marked as a former member's, and can no longer act."""
    space, team = await here(ctx)
    groups.require_lead(team, ctx.user_id)
    if not ctx.mentions:
        return _notice(say.REMOVE_HOW)
    removing = [p.user_id for p in ctx.mentions if team.role_of(p.user_id) is not None]
    changed = await groups.remove(ctx.store, space, ctx.user_id, removing, ctx.now)
    return _notice(say.REMOVED.format(count=len(removing), name=changed.name))


@leads_to()
async def leave(ctx: FlowContext) -> FlowResult:
    """`leave` in the channel or in the group's conversation."""
    space, _team = await here(ctx)
    return await _leave(ctx, space)


@leads_to()
async def leave_group(ctx: FlowContext, intent: LeaveGroup) -> FlowResult:
    """The group card's Leave button."""
    space, _team = await here(ctx)
    return await _leave(ctx, space)


async def _leave(ctx: FlowContext, space: TeamKey) -> FlowResult:
    team = await groups.leave(ctx.store, space, ctx.user_id, ctx.now)
    state = ctx.with_state(group_id=None, assessment_id=None, phase=None, section=None, awaiting=None)
    return FlowResult(views=(Notice(text=say.LEFT.format(name=team.name)),), state=state)


@leads_to(groups_card)
async def list_groups(ctx: FlowContext) -> FlowResult:
    """`groups`: the person's groups in this tenant."""
    return FlowResult(views=(groups_card(await groups.groups_of(ctx.store, ctx.team.tenant, ctx.user_id)),))


async def _group_card(ctx: FlowContext, space: TeamKey, team: Team) -> FlowResult:
    role = groups.require_member(team, ctx.user_id)
    assessment = await shared.current(ctx.store, space, team)
    answered = 0
    if assessment is not None:
        mine = await assessments.answers(ctx.store, AssessmentKey(space, assessment.id), ctx.user_id)
        answered = len(assessments.answered(mine))
    card = group_card(team, role, assessment, answered, len(ctx.framework.sections))
    return FlowResult(views=(card,), state=ctx.with_state(group_id=space.team_id))


@leads_to(group_card, groups_card)
async def show_group(ctx: FlowContext) -> FlowResult:
    """`group`: this channel's or conversation's group; in a personal chat with none chosen, the list to choose from."""
    if ctx.group is None and not ctx.in_channel:
        return await list_groups(ctx)
    return await _group_card(ctx, *await here(ctx))


@leads_to(group_card)
async def open_group(ctx: FlowContext, intent: OpenGroup) -> FlowResult:
    """A group's card, from a button that named it."""
    return await _group_card(ctx, *await here(ctx))


@leads_to(subject_card)
async def start_group(ctx: FlowContext) -> FlowResult:
    """`start group assessment`: a lead answers the usual scope questions, and the last answer starts it for everyone."""
    space, team = await here(ctx)
    groups.require_lead(team, ctx.user_id)
    running = await shared.current(ctx.store, space, team)
    if running is not None and running.status == "open":
        return _notice(say.GROUP_ASSESSMENT_RUNNING)
    draft = ScopeDraft(for_group=True)
    state = ctx.with_state(
        scope_draft=draft, awaiting=Awaiting(kind="scope_subject"), section=None, group_id=ctx.group_id
    )
    return FlowResult(views=(Notice(text=say.GROUP_STARTING.format(name=team.name)), subject_card()), state=state)


@leads_to(subject_card)
async def start_group_button(ctx: FlowContext, intent: StartGroupAssessment) -> FlowResult:
    """The group card's Start button."""
    return await start_group(ctx)


async def started(ctx: FlowContext, scope: Scope) -> FlowResult:
    """The scope is complete: start the group's assessment, invite every member, and offer the lead its phases."""
    space, team = await here(ctx)
    assessment = await shared.start(ctx.store, space, ctx.user_id, scope, ctx.now)
    await shared.invite(ctx.store, space, assessment, [m.user_id for m in team.members if m.user_id != ctx.user_id], ctx.now)
    progress = assessments.progress(ctx.framework, frozenset())
    state = ctx.with_state(assessment_id=assessment.id, group_id=ctx.group_id, phase=None, section=None, awaiting=None, scope_draft=None)
    return FlowResult(views=(phases_card(assessment.id, progress, group=ctx.group_id, about=about(assessment, progress)),), state=state)


@leads_to()
async def share(ctx: FlowContext, intent: ShareResults) -> FlowResult:
    """A lead lets members see the group's results, or stops it."""
    space, _team = await here(ctx)
    team = await groups.settle(ctx.store, space, ctx.user_id, now=ctx.now, share_results=intent.share)
    return _notice((say.SHARED_NOW if intent.share else say.UNSHARED_NOW).format(name=team.name))


@leads_to(group_card)
async def close_cycle(ctx: FlowContext, intent: CloseCycle) -> FlowResult:
    """A lead closes this cycle and the next starts at once; members are invited to rate it again."""
    space, _team = await here(ctx)
    return await _close(ctx, space, intent.assessment)


@leads_to(group_card)
async def close_cycle_typed(ctx: FlowContext) -> FlowResult:
    """`close cycle`: the group's current cycle."""
    space, team = await here(ctx)
    groups.require_lead(team, ctx.user_id)
    current = await shared.require_current(ctx.store, space, team)
    return await _close(ctx, space, current.id)


async def _close(ctx: FlowContext, space: TeamKey, assessment_id: str) -> FlowResult:
    """The closing cycle's results are kept with it, so later digests need not read its answers again."""
    team = await groups.group(ctx.store, space)
    groups.require_lead(team, ctx.user_id)
    closing = await assessments.find(ctx.store, space, assessment_id)
    kept = await calibration.cycle_results(ctx.store, ctx.framework, space, team, closing)
    following = await shared.close_cycle(ctx.store, space, ctx.user_id, assessment_id, ctx.now, kept)
    team = await groups.group(ctx.store, space)
    await shared.invite(ctx.store, space, following, [m.user_id for m in team.members], ctx.now)
    result = await _group_card(ctx, space, team)
    notice = Notice(text=say.CYCLE_CLOSED_NOTICE.format(old=following.cycle - 1, new=following.cycle))
    return FlowResult(views=(notice, *result.views), state=result.state)


@leads_to(status_card, phases_card)
async def status(ctx: FlowContext) -> FlowResult:
    """`status`: in a group's channel or conversation, the group at a glance (and in a personal chat one's own
    progress too); anywhere else, one's own progress as before."""
    if ctx.group is None and not (ctx.in_channel and await groups.find(ctx.store, ctx.team)):
        return await reflection.status(ctx)
    space, team = await here(ctx)
    groups.require_member(team, ctx.user_id)
    digest = await group_digest.measure(ctx.store, ctx.framework, space, team, ctx.now)
    mine = () if ctx.in_channel else (await reflection.status(ctx)).views
    return FlowResult(views=(*mine, status_card(digest)))


@leads_to(participation_card)
async def show_participation(ctx: FlowContext, intent: ShowParticipation) -> FlowResult:
    """The participation card, from a button."""
    return await participation_typed(ctx)


@leads_to(participation_card)
async def participation_typed(ctx: FlowContext) -> FlowResult:
    """`participation`: leads only; completion per member and phase, last activity, and who can be reached."""
    space, team = await here(ctx)
    groups.require_lead(team, ctx.user_id)
    digest = await group_digest.measure(ctx.store, ctx.framework, space, team, ctx.now)
    reach = await participation.reach_of(ctx.store, space.tenant, team.members)
    rows = participation.member_progress(ctx.framework, team.members, digest.holdings.responses, reach)
    return FlowResult(views=(participation_card(digest, rows, len(ctx.framework.sections)),))


def _setting(name: str, value: str) -> tuple[str, object] | None:
    """A typed setting as the group's field and its checked value; None for anything not understood."""
    try:
        if name == "zone":
            return "time_zone", parse_time_zone(value).key
        if name == "nation":
            return "nation", Nation(value.casefold()).value
        if name == "quiet":
            return "quiet_hours", parse_quiet_hours(value).model_dump()
        if name == "minimum" and value.isdigit():
            return "min_answers", int(value)
    except ValueError:
        return None
    return None


def _closed_day(team: Team, name: str, value: str) -> tuple[str, object] | None:
    """`set closed 2026-12-24` adds an extra closed day to the group's list, `set open 2026-12-24` takes it off."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    days = set(team.closed_days) | {day} if name == "closed" else set(team.closed_days) - {day}
    return "closed_days", sorted(days)


@leads_to()
async def settings(ctx: FlowContext, text: str) -> FlowResult:
    """`set zone|nation|quiet|minimum <value>`: leads only; the weekly digest follows a new zone at once.

    A value the group cannot hold (a minimum over 50, say) is refused by the pipeline like any invalid input.
    """
    name, _, value = " ".join(text.split()).partition(" ")
    setting = _setting(name.casefold(), value)
    if setting is None and name.casefold() in ("closed", "open"):
        setting = _closed_day((await here(ctx))[1], name.casefold(), value)
    if setting is None:
        return _notice(say.SETTINGS_HOW)
    space, _team = await here(ctx)
    team = await groups.settle(ctx.store, space, ctx.user_id, now=ctx.now, **dict([setting]))
    await digest_schedule.schedule_weekly(ctx.store, space, team, ctx.now)
    return _notice(say.SETTING_CHANGED.format(what=say.SETTING_NAMES[name.casefold()], value=value, name=team.name))
