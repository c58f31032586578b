"""Quick-win check-ins: a lead starts one in one line, members answer from one card, leads extend, close or cancel.

`check-in` (with `phase 4` or `by friday` if wanted) typed in a group's channel, or in a direct message by a lead,
shows a preview; the lead starts it with a nudge profile. The asks, nudges, close and summary are jobs
(dialogs/checkin_jobs.py). A member's taps change their own answers only and update the tapped card in place.
Diagram: checkins.mmd.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from bot import messages as say
from bot.framework import Framework
from bot.intents import (
    AnswerCheckIn,
    AwayCheckIn,
    CancelCheckIn,
    ConfirmCheckIn,
    ExtendCheckIn,
    NameQuickWin,
    NoteCheckIn,
    PreviewCheckIn,
    SnoozeCheckIn,
)
from bot.keys import TeamKey
from bot.local_time import local_date, to_utc
from bot.models import Action, CheckIn, CheckInReply, Team
from bot.services import checkin_schedule, checkins, groups
from bot.services import checkin_timing as timing
from bot.services.checkin_summary import summarise
from bot.services.checkin_timing import NudgeKind
from bot.store import Store
from bot.views import Card, Notice
from dialogs.checkins_cards import LISTED_WINS, ask_card, preview_card, status_card, when, which_group_card
from dialogs.flow import FlowContext, FlowResult, leads_to
from dialogs.where import here

_PHASE = re.compile(r"\bphase\s+(?P<phase>\w+)")
_BY = re.compile(r"\bby\s+(?P<day>[a-z]+)")
_LEFTOVER = re.compile(r"^\s*$")


def _notice(text: str) -> FlowResult:
    return FlowResult(views=(Notice(text=text),))


def _day(word: str, today: date) -> date | None:
    """`tomorrow`, or a weekday name (three letters or more): the next such day after today."""
    if word == "tomorrow":
        return today + timedelta(days=1)
    days = [n for n, day in enumerate(say.WEEKDAYS) if len(word) >= 3 and day.casefold().startswith(word)]
    if len(days) != 1:
        return None
    return today + timedelta(days=(days[0] - today.weekday() - 1) % 7 + 1)


def _parse(framework: Framework, text: str) -> tuple[int | None, str | None] | None:
    """`phase 4` or `phase prepare`, and `by friday`, in any order; None when anything else is left over."""
    typed = " ".join(text.casefold().split())
    phase_match, by_match = _PHASE.search(typed), _BY.search(typed)
    rest = _BY.sub("", _PHASE.sub("", typed))
    if not _LEFTOVER.match(rest):
        return None
    phase = None
    if phase_match:
        try:
            phase = framework.phase(phase_match["phase"]).number
        except KeyError:
            return None
    return phase, by_match["day"] if by_match else None


async def _lead_spaces(ctx: FlowContext) -> list[tuple[TeamKey, Team]]:
    """Where a check-in typed here applies: the channel's group, or (elsewhere) each group the person leads."""
    if ctx.in_channel:
        return [await here(ctx)]
    found = await groups.groups_of(ctx.store, ctx.team.tenant, ctx.user_id)
    return [(TeamKey(ctx.team.tenant, team.id), team) for team, role in found if role == "lead"]


@leads_to(preview_card, status_card, which_group_card)
async def checkin_typed(ctx: FlowContext) -> FlowResult:
    """`check-in`: a preview for a lead, or the open check-in's status."""
    return await checkin_with(ctx, "")


@leads_to(preview_card, status_card, which_group_card)
async def checkin_with(ctx: FlowContext, text: str) -> FlowResult:
    """`check-in phase 4 by friday`, `check-in extend`, `check-in close` or `check-in cancel`: leads only."""
    word = text.strip().casefold()
    if word in ("extend", "close", "cancel"):
        return await _change_open(ctx, word)
    parsed = _parse(ctx.framework, text)
    if parsed is None:
        return _notice(say.CHECKIN_HOW)
    spaces = await _lead_spaces(ctx)
    if not spaces:
        return _notice(say.CHECKIN_NO_LEAD_GROUP)
    phase, word = parsed
    by = None if word is None else _day(word, local_date(ctx.now, groups.calendar_of(spaces[0][1]).zone))
    if word is not None and by is None:
        return _notice(say.CHECKIN_HOW)
    if len(spaces) > 1:
        return FlowResult(views=(which_group_card([team for _space, team in spaces], phase, by),))
    space, team = spaces[0]
    return await _preview(ctx, space, team, phase, by)


@leads_to(preview_card, status_card)
async def preview(ctx: FlowContext, intent: PreviewCheckIn) -> FlowResult:
    """A lead chose the group to check in with."""
    space, team = await here(ctx)
    return await _preview(ctx, space, team, intent.phase, intent.by)


async def _preview(ctx: FlowContext, space: TeamKey, team: Team, phase: int | None, by: date | None) -> FlowResult:
    groups.require_lead(team, ctx.user_id)
    running = await checkins.current(ctx.store, space)
    if running is not None:
        return FlowResult(views=(await _status(ctx.store, space, team, running),))
    calendar = groups.calendar_of(team)
    deadline = timing.deadline_on(calendar, by) if by else timing.default_deadline(calendar, ctx.now)
    draft = await checkins.draft(ctx.store, space, team, ctx.user_id, ctx.now, deadline, phase)
    return FlowResult(views=(preview_card(team, draft, ctx.framework),))


async def _status(store: Store, space: TeamKey, team: Team, checkin: CheckIn) -> Card:
    return status_card(summarise(team, checkin, await checkins.replies(store, space, checkin)))


async def _change_open(ctx: FlowContext, word: str) -> FlowResult:
    space, team = await here(ctx)
    groups.require_lead(team, ctx.user_id)
    running = await checkins.current(ctx.store, space)
    if running is None:
        return _notice(say.CHECKIN_NONE_OPEN)
    if word == "extend":
        return await _extend(ctx, space, team, running)
    if word == "cancel":
        await checkins.cancel(ctx.store, space, team, ctx.user_id, running.id, ctx.now)
        return _notice(say.CHECKIN_CANCELLED)
    await checkin_schedule.close_now(ctx.store, space, running, ctx.now, "lead")
    return _notice(say.CHECKIN_CLOSING)


async def _extend(ctx: FlowContext, space: TeamKey, team: Team, checkin: CheckIn) -> FlowResult:
    calendar = groups.calendar_of(team)
    later = calendar.end_of_working_day_after(checkin.deadline, 1)
    moved = await checkins.move_deadline(ctx.store, space, team, ctx.user_id, checkin.id, later)
    await checkin_schedule.schedule_deadline(ctx.store, space, moved, calendar)
    return _notice(say.CHECKIN_EXTENDED.format(when=when(team, moved.deadline)))


@leads_to()
async def confirm(ctx: FlowContext, intent: ConfirmCheckIn) -> FlowResult:
    """A lead starts the previewed check-in: every member's ask, the nudges and the close are scheduled."""
    space, team = await here(ctx)
    opened = await checkins.open_checkin(ctx.store, space, team, ctx.user_id, intent.checkin, intent.profile, ctx.now)
    await checkin_schedule.schedule_asks(ctx.store, space, opened, ctx.now)
    await checkin_schedule.schedule_deadline(ctx.store, space, opened, groups.calendar_of(team))
    return _notice(say.CHECKIN_STARTED.format(members=say.counted(len(opened.members), say.MEMBERS), when=when(team, opened.deadline)))


@leads_to()
async def extend(ctx: FlowContext, intent: ExtendCheckIn) -> FlowResult:
    space, team = await here(ctx)
    return await _extend(ctx, space, team, await checkins.get(ctx.store, space, intent.checkin))


@leads_to()
async def cancel(ctx: FlowContext, intent: CancelCheckIn) -> FlowResult:
    space, team = await here(ctx)
    await checkins.cancel(ctx.store, space, team, ctx.user_id, intent.checkin, ctx.now)
    return _notice(say.CHECKIN_CANCELLED)


async def listed_wins(store: Store, space: TeamKey, reply: CheckInReply) -> list[Action]:
    """The quick wins a member was asked about, as they are now (one marked done shows its answer)."""
    found = [await store.get(space, Action, action_id) for action_id in reply.asked]
    return [action for action in found if action is not None]


def _starter(team: Team, checkin: CheckIn) -> str:
    """Who started the check-in, as the member's card names them."""
    starter = team.member(checkin.started_by)
    return starter.name if starter is not None and starter.name else say.A_LEAD


async def member_card(
    store: Store, space: TeamKey, team: Team, checkin: CheckIn, reply: CheckInReply, *, nudge: NudgeKind | None = None
) -> Card:
    """The member's card as their answers stand now."""
    return ask_card(team, checkin, _starter(team, checkin), await listed_wins(store, space, reply), reply, nudge=nudge)


async def ask(store: Store, framework: Framework, space: TeamKey, team: Team, checkin: CheckIn, user_id: str) -> Card:
    """A member's first card: their open quick wins (the first few), recorded as what they were asked about."""
    wins = await checkins.open_quick_wins(store, framework, space, checkin, user_id)
    reply = await checkins.prepare_ask(store, space, checkin, user_id, wins[:LISTED_WINS])
    more = len({win.id for win in wins} - set(reply.asked))
    return ask_card(team, checkin, _starter(team, checkin), await listed_wins(store, space, reply), reply, more=more)


async def _member(ctx: FlowContext, checkin_id: str) -> tuple[TeamKey, Team, CheckIn]:
    space, team = await here(ctx)
    checkin = await checkins.get(ctx.store, space, checkin_id)
    checkins.require_asked(checkin, ctx.user_id)
    return space, team, checkin


async def _answered(ctx: FlowContext, space: TeamKey, team: Team, checkin: CheckIn, reply: CheckInReply) -> FlowResult:
    """After any answer: close early if everyone has answered, refresh a posted summary, and redraw the card."""
    if checkin.status == "open" and checkins.everyone_answered(checkin, await checkins.replies(ctx.store, space, checkin)):
        await checkin_schedule.close_now(ctx.store, space, checkin, ctx.now, "everyone")
    if checkin.status == "closed" and checkin.summary is not None:
        await checkin_schedule.refresh_summary(ctx.store, space, checkin, ctx.now)
    return FlowResult(replace=await member_card(ctx.store, space, team, checkin, reply))


@leads_to(ask_card)
async def answer(ctx: FlowContext, intent: AnswerCheckIn) -> FlowResult:
    """Done, Progressing or Stuck for one quick win; the card shows it at once and can still be changed."""
    space, team, checkin = await _member(ctx, intent.checkin)
    reply = await checkins.answer(ctx.store, space, checkin, ctx.user_id, intent.action, intent.answer, ctx.now)
    return await _answered(ctx, space, team, checkin, reply)


@leads_to(ask_card)
async def note(ctx: FlowContext, intent: NoteCheckIn) -> FlowResult:
    space, team, checkin = await _member(ctx, intent.checkin)
    if intent.text is None:
        return _notice(say.TEXT_REQUIRED)
    reply = await checkins.add_note(ctx.store, space, checkin, ctx.user_id, intent.action, intent.text, ctx.now)
    return await _answered(ctx, space, team, checkin, reply)


@leads_to(ask_card)
async def name_quick_win(ctx: FlowContext, intent: NameQuickWin) -> FlowResult:
    """The one question for a member with no open quick win: what they name becomes an action they own."""
    space, team, checkin = await _member(ctx, intent.checkin)
    if intent.text is None:
        return _notice(say.TEXT_REQUIRED)
    reply = await checkins.name_quick_win(ctx.store, ctx.framework, space, checkin, ctx.user_id, intent.text, ctx.now)
    return await _answered(ctx, space, team, checkin, reply)


def _tomorrow(team: Team, now: datetime) -> datetime:
    """The first working moment of tomorrow (or the next working day) in the group's zone."""
    calendar = groups.calendar_of(team)
    tomorrow = local_date(now, calendar.zone) + timedelta(days=1)
    return calendar.next_working_start(to_utc(tomorrow, time(0), calendar.zone))


@leads_to()
async def snooze(ctx: FlowContext, intent: SnoozeCheckIn) -> FlowResult:
    """Not now: one reminder tomorrow, under the same rules as any nudge."""
    space, team, checkin = await _member(ctx, intent.checkin)
    until = _tomorrow(team, ctx.now)
    reply = await checkins.snooze(ctx.store, space, checkin, ctx.user_id, until)
    at = timing.nudge_time(
        groups.calendar_of(team), "snoozed", due=until, deadline=checkin.deadline,
        last_message=reply.last_message_at, snoozed_until=None,
    )
    if at is None:
        return _notice(say.CHECKIN_SNOOZED_PAST)
    await checkin_schedule.schedule_snoozed(ctx.store, space, checkin, ctx.user_id, at)
    return _notice(say.CHECKIN_SNOOZED.format(when=when(team, at)))


@leads_to()
async def away(ctx: FlowContext, intent: AwayCheckIn) -> FlowResult:
    """Skip this check-in: no more nudges; the member counts as away, not silent."""
    space, _team, checkin = await _member(ctx, intent.checkin)
    await checkins.away(ctx.store, space, checkin, ctx.user_id)
    if checkin.status == "open" and checkins.everyone_answered(checkin, await checkins.replies(ctx.store, space, checkin)):
        await checkin_schedule.close_now(ctx.store, space, checkin, ctx.now, "everyone")
    return _notice(say.CHECKIN_AWAY_DONE)

