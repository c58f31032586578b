"""Quick-win check-ins: a lead's draft, opening, extending, cancelling and closing one, and each member's answers.

A check-in lives in its group's partition. Only leads start, extend, cancel or close one; each member's answers are
their own `CheckInReply`, changed atomically, so answers arriving together never overwrite one another. Marking a
quick win done goes through the actions service (the action itself is then done); "progressing" and "stuck" stay
in the check-in's own records. A member with no open quick win names one, which becomes an action they own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot import messages as say
from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.framework import Framework
from bot.keys import AssessmentKey, TeamKey
from bot.models import (
    Action,
    CheckIn,
    CheckInAnswer,
    CheckInItem,
    CheckInReply,
    NewQuickWin,
    NudgeProfile,
    SentMessage,
    Team,
    checkin_reply_id,
    new_id,
)
from bot.services import actions, groups
from bot.store import Store


async def current(store: Store, space: TeamKey) -> CheckIn | None:
    """The group's open check-in, if there is one."""
    found = await store.find(space, CheckIn, status="open")
    return max(found, key=lambda checkin: checkin.created_at, default=None)


async def get(store: Store, space: TeamKey, checkin_id: str) -> CheckIn:
    found = await store.get(space, CheckIn, checkin_id)
    if found is None:
        raise NotFound(say.CHECKIN_NOT_FOUND)
    return found


async def draft(
    store: Store, space: TeamKey, team: Team, by: str, now: datetime, deadline: datetime, phase: int | None
) -> CheckIn:
    """A lead's preview: everyone in the group now, until the deadline; nothing is sent until it is confirmed."""
    groups.require_lead(team, by)
    if team.assessment_id is None:
        raise NotFound(say.CHECKIN_NO_ASSESSMENT)
    checkin = CheckIn(
        id=new_id("chk"), assessment_id=team.assessment_id, phase=phase, started_by=by, created_at=now,
        deadline=deadline, members=tuple(member.user_id for member in team.members),
    )
    await store.put(space, checkin)
    return checkin


async def _change(store: Store, space: TeamKey, checkin_id: str, rule: Callable[[CheckIn], CheckIn]) -> CheckIn:
    def apply(found: CheckIn | None) -> CheckIn:
        if found is None:
            raise NotFound(say.CHECKIN_NOT_FOUND)
        return rule(found)

    return await store.update(space, CheckIn, checkin_id, apply)


async def open_checkin(
    store: Store, space: TeamKey, team: Team, by: str, checkin_id: str, profile: NudgeProfile, now: datetime
) -> CheckIn:
    """A lead confirms a draft: it opens with the chosen nudge profile, unless another check-in is already open."""
    groups.require_lead(team, by)
    running = await current(store, space)
    if running is not None and running.id != checkin_id:
        raise InvalidInput(say.CHECKIN_ALREADY_OPEN)

    def confirm(found: CheckIn) -> CheckIn:
        if found.status != "draft":
            raise InvalidInput(say.CHECKIN_NOT_DRAFT)
        return found.model_copy(update={"status": "open", "profile": profile, "opened_at": now})

    return await _change(store, space, checkin_id, confirm)


async def move_deadline(store: Store, space: TeamKey, team: Team, by: str, checkin_id: str, deadline: datetime) -> CheckIn:
    """A lead gives an open check-in a later deadline."""
    groups.require_lead(team, by)

    def extend(found: CheckIn) -> CheckIn:
        if found.status != "open":
            raise InvalidInput(say.CHECKIN_NOT_OPEN)
        if deadline <= found.deadline:
            raise InvalidInput(say.CHECKIN_EXTEND_EARLIER)
        return found.model_copy(update={"deadline": deadline})

    return await _change(store, space, checkin_id, extend)


async def cancel(store: Store, space: TeamKey, team: Team, by: str, checkin_id: str, now: datetime) -> CheckIn:
    """A lead cancels a draft or an open check-in: its pending asks, nudges and close then compose nothing."""
    groups.require_lead(team, by)

    def stop(found: CheckIn) -> CheckIn:
        if found.status not in ("draft", "open"):
            raise InvalidInput(say.CHECKIN_NOT_OPEN)
        return found.model_copy(update={"status": "cancelled", "closed_at": now})

    return await _change(store, space, checkin_id, stop)


async def close(store: Store, space: TeamKey, checkin_id: str, job_id: str, now: datetime) -> CheckIn:
    """Closed by the job that got there first; that job alone posts the summary."""

    def closing(found: CheckIn) -> CheckIn:
        if found.status != "open":
            return found
        return found.model_copy(update={"status": "closed", "closed_at": now, "closer": job_id})

    return await _change(store, space, checkin_id, closing)


async def reply(store: Store, space: TeamKey, checkin: CheckIn, user_id: str) -> CheckInReply | None:
    return await store.get(space, CheckInReply, checkin_reply_id(checkin.id, user_id))


async def replies(store: Store, space: TeamKey, checkin: CheckIn) -> list[CheckInReply]:
    return await store.find(space, CheckInReply, checkin_id=checkin.id)


async def _change_reply(
    store: Store, space: TeamKey, checkin: CheckIn, user_id: str, rule: Callable[[CheckInReply], CheckInReply]
) -> CheckInReply:
    def apply(found: CheckInReply | None) -> CheckInReply:
        return rule(found or CheckInReply(checkin_id=checkin.id, user_id=user_id))

    return await store.update(space, CheckInReply, checkin_reply_id(checkin.id, user_id), apply)


def in_phase(action: Action, framework: Framework, phase: int | None) -> bool:
    return phase is None or action.section in {section.code for section in framework.phase(phase).sections}


async def open_quick_wins(store: Store, framework: Framework, space: TeamKey, checkin: CheckIn, user_id: str) -> list[Action]:
    """The member's open quick wins in the group (in the check-in's phase, if it names one), oldest due first."""
    found = await actions.open_actions(store, space, user_id)
    wins = [a for a in found if a.horizon == "quick_win" and in_phase(a, framework, checkin.phase)]
    return sorted(wins, key=lambda action: (action.due, action.title))


async def prepare_ask(store: Store, space: TeamKey, checkin: CheckIn, user_id: str, listed: list[Action]) -> CheckInReply:
    """Record which quick wins the member is asked about; asked again (a retried job), the first list stands."""

    def ask(found: CheckInReply) -> CheckInReply:
        return found if found.asked else found.model_copy(update={"asked": tuple(a.id for a in listed)})

    return await _change_reply(store, space, checkin, user_id, ask)


def require_asked(checkin: CheckIn, user_id: str) -> None:
    if user_id not in checkin.members:
        raise NotAllowed(say.CHECKIN_NOT_ASKED)
    if checkin.status not in ("open", "closed"):
        raise InvalidInput(say.CHECKIN_NOT_OPEN)


async def _own(store: Store, space: TeamKey, action_id: str, user_id: str) -> Action:
    """One of the member's own actions here; anyone else's, or a missing one, is 'not found'."""
    action = await store.get(space, Action, action_id)
    if action is None or action.owner_id != user_id:
        raise NotFound(say.NOT_FOUND_ACTION)
    return action


async def answer(
    store: Store, space: TeamKey, checkin: CheckIn, user_id: str, action_id: str, given: CheckInAnswer, now: datetime
) -> CheckInReply:
    """Done, progressing or stuck for one quick win their card listed; Done closes the action, a changed mind reopens it."""
    require_asked(checkin, user_id)
    action = await _own(store, space, action_id, user_id)
    asked = await reply(store, space, checkin, user_id)
    if asked is None or action_id not in asked.asked:
        raise InvalidInput(say.BAD_INPUT)
    if given == "done" and action.status != "done":
        await actions.edit(store, space, action_id, user_id, "done", now)
    elif given != "done" and action.status == "done":
        await actions.edit(store, space, action_id, user_id, "reopen", now)
    late = checkin.status == "closed"

    def record(found: CheckInReply) -> CheckInReply:
        earlier = next((item for item in found.items if item.action_id == action_id), None)
        item = CheckInItem(
            action_id=action_id, title=action.title, answer=given, note=earlier.note if earlier else None, at=now, late=late
        )
        kept = tuple(i for i in found.items if i.action_id != action_id)
        return found.model_copy(update={"items": (*kept, item)})

    return await _change_reply(store, space, checkin, user_id, record)


async def add_note(
    store: Store, space: TeamKey, checkin: CheckIn, user_id: str, action_id: str, note: str, now: datetime
) -> CheckInReply:
    """A one-line note on a quick win the member has already answered about."""
    require_asked(checkin, user_id)

    def noted(found: CheckInReply) -> CheckInReply:
        earlier = next((item for item in found.items if item.action_id == action_id), None)
        if earlier is None:
            raise InvalidInput(say.CHECKIN_NOTE_FIRST)
        item = earlier.model_copy(update={"note": note, "at": now, "late": earlier.late or checkin.status == "closed"})
        return found.model_copy(update={"items": tuple(item if i is earlier else i for i in found.items)})

    return await _change_reply(store, space, checkin, user_id, noted)


async def name_quick_win(
    store: Store, framework: Framework, space: TeamKey, checkin: CheckIn, user_id: str, title: str, now: datetime
) -> CheckInReply:
    """A member with none open names one: it becomes a quick win they own, due in a fortnight; named again, renamed."""
    require_asked(checkin, user_id)
    earlier = await reply(store, space, checkin, user_id)
    if earlier is not None and earlier.new_quick_win is not None:
        action = await actions.edit(store, space, earlier.new_quick_win.action_id, user_id, "rename", now, title)
    else:
        code = framework.phase(checkin.phase or 1).sections[0].code
        made = await actions.take_idea(store, AssessmentKey(space, checkin.assessment_id), user_id, code, title, now)
        if made is None:
            raise InvalidInput(say.CHECKIN_QUICK_WIN_TAKEN)
        action = made
    win = NewQuickWin(action_id=action.id, title=action.title, due=action.due, at=now, late=checkin.status == "closed")
    return await _change_reply(store, space, checkin, user_id, lambda found: found.model_copy(update={"new_quick_win": win}))


async def snooze(store: Store, space: TeamKey, checkin: CheckIn, user_id: str, until: datetime) -> CheckInReply:
    require_asked(checkin, user_id)
    return await _change_reply(store, space, checkin, user_id, lambda found: found.model_copy(update={"snoozed_until": until}))


async def away(store: Store, space: TeamKey, checkin: CheckIn, user_id: str) -> CheckInReply:
    """The member skips this check-in: no more nudges, and they are counted as away rather than silent."""
    require_asked(checkin, user_id)
    return await _change_reply(store, space, checkin, user_id, lambda found: found.model_copy(update={"away": True}))


async def messaged(
    store: Store, space: TeamKey, checkin: CheckIn, user_id: str, now: datetime, card: SentMessage | None = None
) -> CheckInReply:
    """Remember when Reflect last wrote to the member (the 24-hour rule), and where their card is."""
    update: dict[str, object] = {"last_message_at": now}
    if card is not None:
        update["card"] = card
    return await _change_reply(store, space, checkin, user_id, lambda found: found.model_copy(update=update))


async def unreachable(store: Store, space: TeamKey, checkin: CheckIn, user_id: str) -> CheckInReply:
    """The member could not be written to: listed for the leads, never retried for this check-in."""
    return await _change_reply(store, space, checkin, user_id, lambda found: found.model_copy(update={"unreachable": True}))


def everyone_answered(checkin: CheckIn, found: list[CheckInReply]) -> bool:
    """Every member asked has answered in full, is away, or could not be reached."""
    by_user = {r.user_id: r for r in found}
    return all(
        (r := by_user.get(user_id)) is not None and (r.complete or r.away or r.unreachable) for user_id in checkin.members
    )
