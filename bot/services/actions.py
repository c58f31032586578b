"""Action rules: ideas for a rating, making an action, who may change it, and every later change.

Kept out of flow steps so that reminders and exports read due dates, owners and titles exactly as the conversation
wrote them. An action lives in the partition of the assessment it came from (a person's own space or a group's);
its owner finds it from anywhere through the tenant's record of where they own actions. Every create and change
goes through `_saved`, the one place that writes an action, so whatever must follow a change (reminders) is added
there once.
"""

from __future__ import annotations

import asyncio
import calendar
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Literal

from bot import messages as say
from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.framework import Level, Phase, Section
from bot.keys import AssessmentKey, TeamKey, TenantKey
from bot.models import NOT_SURE, Action, ActionChange, ActionEntry, Person, Rating, ScheduledJob, new_id
from bot.services import audit, groups, reminders
from bot.store import Store

ACTION_DUE_DAYS = 14
MAX_IDEAS = 3
MAX_YEARS_AHEAD = 5
DuePick = Literal["1w", "2w", "month_end"]
_CHANGES: dict[ActionChange, Callable[[Action], dict[str, object]]] = {
    "done": lambda _action: {"status": "done"},
    "reopen": lambda _action: {"status": "open"},
    "in_progress": lambda _action: {"status": "in_progress"},
    "drop": lambda _action: {"status": "dropped"},
    "quick_win": lambda _action: {"horizon": "quick_win"},
    "long_term": lambda _action: {"horizon": "long_term"},
    "later_7": lambda action: {"due": action.due + timedelta(days=7)},
    "later_28": lambda action: {"due": action.due + timedelta(days=28)},
}
_RECORDED = ("status", "horizon", "due", "owner_id", "title", "note")


def ideas(section: Section, rating: Rating | None) -> tuple[str, ...]:
    """Next steps from the level above the rating, at most three; 'not sure' starts from the first level."""
    level = None if rating is None or rating == NOT_SURE else Level(rating)
    return section.next_steps(level)[:MAX_IDEAS]


def idea(section: Section, rating: Rating | None, index: int) -> str:
    """The idea a button points at; an index past the list is a stale or tampered payload."""
    offered = ideas(section, rating)
    if index >= len(offered):
        raise InvalidInput(say.BAD_INPUT)
    return offered[index]


async def taken(store: Store, key: AssessmentKey, owner_id: str, code: str) -> set[str]:
    """Titles of the person's actions for a section, so an idea already taken is never offered or added twice."""
    actions = await store.find(key.team, Action, assessment_id=key.assessment_id, section=code, owner_id=owner_id)
    return {action.title for action in actions}


async def take_idea(
    store: Store, key: AssessmentKey, owner_id: str, code: str, title: str, now: datetime, name: str | None = None
) -> Action | None:
    """Make an idea a quick win due in 14 days; None when the person already has it, so a second tap adds nothing."""
    if title in await taken(store, key, owner_id, code):
        return None
    owner = Person(user_id=owner_id, name=name)
    return await create(store, key.team, owner, title, now, assessment_id=key.assessment_id, section=code)


async def create(
    store: Store,
    space: TeamKey,
    creator: Person,
    title: str,
    now: datetime,
    *,
    assessment_id: str | None = None,
    section: str | None = None,
) -> Action:
    """A new quick win owned by its creator, due in 14 days, in `space`; linked to an assessment when it came from one."""
    action = Action(
        id=new_id("act"), assessment_id=assessment_id, section=section, title=title, owner_id=creator.user_id,
        owner_name=creator.name, creator_id=creator.user_id, space=space.team_id,
        due=(now + timedelta(days=ACTION_DUE_DAYS)).date(), created_at=now, updated_at=now,
        history=(ActionEntry(by=creator.user_id, at=now, what="created"),),
    )

    def insert(current: Action | None) -> Action:
        if current is not None:
            raise InvalidInput(say.BAD_INPUT)
        return action

    return await _saved(store, space, action.id, insert, now)


async def _saved(
    store: Store, space: TeamKey, action_id: str, change: Callable[[Action | None], Action], now: datetime
) -> Action:
    """The one write of an action (created or changed), atomically; its owner can then find it from any chat, and its
    reminders follow it."""
    saved = await store.update(space, Action, action_id, change)
    await store.add_action_space(space, saved.owner_id)
    await audit.record_action(store, space, saved)
    await reminders.after_change(store, space, saved, now)
    return saved


async def mine(store: Store, tenant: TenantKey, home: TeamKey, user_id: str) -> list[Action]:
    """Every action the person owns in this tenant: here, in their own space, their groups', and wherever one was
    given them."""
    groups_of = [team for team, _role in await store.teams_of(tenant, user_id)]
    own = TeamKey(tenant=tenant, team_id=f"user:{user_id}")
    spaces = list(dict.fromkeys([home, own, *groups_of, *await store.action_spaces(tenant, user_id)]))
    found = await asyncio.gather(*(store.find(space, Action, owner_id=user_id) for space in spaces))
    return [_placed(space, action) for space, actions in zip(spaces, found, strict=True) for action in actions]


async def in_space(store: Store, space: TeamKey) -> list[Action]:
    """Every action in one partition (a working group's, for `team actions`), by anyone."""
    return [_placed(space, action) for action in await store.find(space, Action)]


async def open_actions(store: Store, team: TeamKey, owner_id: str) -> list[Action]:
    """The person's actions still to do in one partition."""
    return [action for action in await store.find(team, Action, owner_id=owner_id) if action.active]


async def count_in_phase(store: Store, key: AssessmentKey, owner_id: str, phase: Phase) -> int:
    """The person's actions (open or not) taken from this phase's sections of one assessment."""
    actions = await store.find(key.team, Action, assessment_id=key.assessment_id, owner_id=owner_id)
    return sum(action.section in {section.code for section in phase.sections} for action in actions)


def _placed(space: TeamKey, action: Action) -> Action:
    """An action stored before it named its partition learns it from where it was found."""
    return action if action.space is not None else action.model_copy(update={"space": space.team_id})


def space_of(home: TeamKey, space: str | None) -> TeamKey:
    """The partition a card names, always inside the acting person's tenant; an older card names none: their own."""
    return home if space is None else TeamKey(tenant=home.tenant, team_id=space)


def may_change(action: Action, user_id: str, *, lead: bool) -> bool:
    """The owner, whoever added it, or a lead of the group it belongs to."""
    return user_id in (action.owner_id, action.made_by) or lead


async def _is_lead(store: Store, space: TeamKey, user_id: str) -> bool:
    """A lead of the working group whose partition this is; a person's own space has no leads."""
    team = await groups.find(store, space)
    return team is not None and team.role_of(user_id) == "lead"


async def permitted(store: Store, space: TeamKey, action_id: str, user_id: str) -> Action:
    """The action if this person may change it; missing is 'not found', anyone else hears who may."""
    action = await store.get(space, Action, action_id)
    if action is None:
        raise NotFound(say.NOT_FOUND_ACTION)
    if not may_change(action, user_id, lead=await _is_lead(store, space, user_id)):
        raise NotAllowed(say.ACTION_NOT_ALLOWED)
    return _placed(space, action)


async def _change(
    store: Store, space: TeamKey, action_id: str, user_id: str, now: datetime, update: Callable[[Action], dict[str, object]]
) -> Action:
    """Check who is asking, then apply one change atomically, with an entry in its history for what changed."""
    lead = await _is_lead(store, space, user_id)

    def apply(current: Action | None) -> Action:
        if current is None:
            raise NotFound(say.NOT_FOUND_ACTION)
        if not may_change(current, user_id, lead=lead):
            raise NotAllowed(say.ACTION_NOT_ALLOWED)
        return _recorded(_placed(space, current), update(current), user_id, now)

    return await _saved(store, space, action_id, apply, now)


def _recorded(action: Action, update: dict[str, object], user_id: str, now: datetime) -> Action:
    """The action with `update` applied and one history entry per changed field; an unchanged action stays as it was."""
    changed = [name for name in _RECORDED if name in update and update[name] != getattr(action, name)]
    if not changed:
        return action
    entries = [_entry(name, update, user_id, now) for name in changed]
    data = {**action.model_dump(), **update, "updated_at": now, "history": (*action.history, *entries)}
    return Action.model_validate(data)


def _entry(name: str, update: dict[str, object], user_id: str, now: datetime) -> ActionEntry:
    """What changed, with the new value for the fields that are no one's free text."""
    what = "owner" if name == "owner_id" else name
    value = {"owner": update.get("owner_id")} if name == "owner_id" else {name: update[name]}
    kept = value if name in ("status", "horizon", "due", "owner_id") else {}
    return ActionEntry.model_validate({"by": user_id, "at": now, "what": what, **kept})


async def edit(
    store: Store, space: TeamKey, action_id: str, user_id: str, change: ActionChange, now: datetime, title: str | None = None
) -> Action:
    """One tap's change (done, in progress, dropped, reopened, the other horizon, later), or a new title."""
    if change == "rename":
        if title is None:
            raise InvalidInput(say.RENAME_EMPTY)
        return await _change(store, space, action_id, user_id, now, lambda _action: {"title": title})
    return await _change(store, space, action_id, user_id, now, _CHANGES[change])


async def set_note(store: Store, space: TeamKey, action_id: str, user_id: str, note: str, now: datetime) -> Action:
    """A short note on the action, replacing any earlier one."""
    return await _change(store, space, action_id, user_id, now, lambda _action: {"note": note})


def picked_day(pick: DuePick, today: date) -> date:
    """A quick pick as a date: a week or two from today, or the month's last day (next month's, on the last day)."""
    if pick == "1w":
        return today + timedelta(days=7)
    if pick == "2w":
        return today + timedelta(days=14)
    last = date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
    if last > today:
        return last
    following = last + timedelta(days=1)
    return date(following.year, following.month, calendar.monthrange(following.year, following.month)[1])


def check_due(day: date, today: date, current: date) -> date:
    """A due date someone picked: today or later, within a few years; a refusal says why and what it stays."""
    if day < today:
        raise InvalidInput(say.DUE_PAST.format(day=say.day_in_words(day), due=say.day_in_words(current)))
    if day > today.replace(year=today.year + MAX_YEARS_AHEAD):
        raise InvalidInput(say.DUE_TOO_FAR.format(years=MAX_YEARS_AHEAD, due=say.day_in_words(current)))
    return day


async def set_due(
    store: Store, space: TeamKey, action_id: str, user_id: str, day: date, today: date, now: datetime
) -> Action:
    """A new due date, checked on the server: clients do not enforce a date input's limits."""
    action = await permitted(store, space, action_id, user_id)
    check_due(day, today, action.due)
    return await _change(store, space, action_id, user_id, now, lambda _action: {"due": day})


async def reassign(
    store: Store,
    space: TeamKey,
    action_id: str,
    user_id: str,
    owner: Person,
    now: datetime,
    *,
    via: str | None,
    by: str | None = None,
) -> tuple[Action, bool]:
    """Give the action to `owner`; True when the owner changed, and then they are told (once) by direct message.

    `via` is the shared conversation (a channel, a group chat) the change was made in, through which a direct
    conversation with someone who never wrote to the bot can be opened; None means the changer's own chat; `by` is the display name of whoever made the change, to say who gave it.
    """
    before = await permitted(store, space, action_id, user_id)
    action = await _change(
        store, space, action_id, user_id, now, lambda _action: {"owner_id": owner.user_id, "owner_name": owner.name}
    )
    moved = action.owner_id != before.owner_id
    if moved and owner.user_id != user_id:
        await store.add_job(assigned_job(space, action, Person(user_id=user_id, name=by), via, now))
    return action, moved


def assigned_job(space: TeamKey, action: Action, by: Person, via: str | None, now: datetime) -> ScheduledJob:
    """The direct message telling a new owner; named by the action's history, so one assignment is one message."""
    payload = {"action": action.id, "owner": action.owner_id, "by": by.user_id}
    if via:
        payload["via"] = via
    if by.name:
        payload["by_name"] = by.name
    return ScheduledJob(
        id=f"assigned:{action.id}:{len(action.history)}", team=space, kind="action_assigned", due_at=now, payload=payload
    )
