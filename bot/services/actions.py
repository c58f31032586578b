"""Action rules: ideas for a rating, an idea taken as an action, and every later change to an action.

Kept out of flow steps so that reminders and exports read due dates and titles exactly as the
conversation wrote them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot import messages as say
from bot.errors import InvalidInput, NotFound
from bot.framework import Level, Phase, Section
from bot.keys import AssessmentKey, TeamKey
from bot.models import NOT_SURE, Action, ActionChange, Rating, new_id
from bot.services import audit
from bot.store import Store

ACTION_DUE_DAYS = 14
MAX_IDEAS = 3
_CHANGES: dict[ActionChange, Callable[[Action], dict[str, object]]] = {
    "done": lambda _action: {"status": "done"},
    "reopen": lambda _action: {"status": "open"},
    "quick_win": lambda _action: {"horizon": "quick_win"},
    "long_term": lambda _action: {"horizon": "long_term"},
    "later_7": lambda action: {"due": action.due + timedelta(days=7)},
    "later_28": lambda action: {"due": action.due + timedelta(days=28)},
}


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


async def take_idea(store: Store, key: AssessmentKey, owner_id: str, code: str, title: str, now: datetime) -> Action | None:
    """Make an idea a quick win due in 14 days; None when the person already has it, so a second tap adds nothing."""
    if title in await taken(store, key, owner_id, code):
        return None
    action = Action(
        id=new_id("act"),
        assessment_id=key.assessment_id,
        section=code,
        title=title,
        owner_id=owner_id,
        due=(now + timedelta(days=ACTION_DUE_DAYS)).date(),
        created_at=now,
        updated_at=now,
    )
    await store.put(key.team, action)
    await audit.record(store, key.team, owner_id, "action", f"{action.id} created", now, key.assessment_id)
    return action


async def open_actions(store: Store, team: TeamKey, owner_id: str) -> list[Action]:
    """The person's actions still to do, in any of their assessments in this partition."""
    return await store.find(team, Action, owner_id=owner_id, status="open")


async def count_in_phase(store: Store, key: AssessmentKey, owner_id: str, phase: Phase) -> int:
    """The person's actions (open or not) taken from this phase's sections of one assessment."""
    actions = await store.find(key.team, Action, assessment_id=key.assessment_id, owner_id=owner_id)
    return sum(action.section in {section.code for section in phase.sections} for action in actions)


async def owned(store: Store, team: TeamKey, action_id: str, owner_id: str) -> Action:
    """The action only if it is this person's, in this partition; anything else is 'not found'."""
    action = await store.get(team, Action, action_id)
    if action is None or action.owner_id != owner_id:
        raise NotFound(say.NOT_FOUND_ACTION)
    return action


def changed(action: Action, change: ActionChange, now: datetime, title: str | None = None) -> Action:
    """One change applied: done or reopened, quick win or long term, due a week or four weeks later, or renamed."""
    if change == "rename":
        if title is None:
            raise InvalidInput(say.RENAME_EMPTY)
        update: dict[str, object] = {"title": title}
    else:
        update = _CHANGES[change](action)
    return Action.model_validate({**action.model_dump(), **update, "updated_at": now})


async def edit(
    store: Store, team: TeamKey, action_id: str, owner_id: str, change: ActionChange, now: datetime, title: str | None = None
) -> Action:
    """Apply one change atomically; someone else's action, or a missing one, is 'not found' and stays as it was."""

    def apply(current: Action | None) -> Action:
        if current is None or current.owner_id != owner_id:
            raise NotFound(say.NOT_FOUND_ACTION)
        return changed(current, change, now, title)

    edited = await store.update(team, Action, action_id, apply)
    await audit.record(store, team, owner_id, "action", f"{action_id} {change}", now, edited.assessment_id)
    return edited
