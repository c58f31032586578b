"""A working group's shared assessment: starting it, its cycles, and everything it holds, read in one place.

Every member rates the same assessment in their own chat, and the answers live in the group's partition. A lead
closes a cycle and the next one starts at once with the same scope, pointing back at the one before, so that
digests and views can show movement since the last cycle.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot import messages as say
from bot.errors import NotAllowed, NotFound
from bot.keys import AssessmentKey, TeamKey
from bot.models import Action, Agreement, Assessment, Response, ScheduledJob, Scope, Team, new_id
from bot.services import groups
from bot.store import Store


async def current(store: Store, space: TeamKey, team: Team) -> Assessment | None:
    """The group's current shared assessment, if a lead has started one."""
    return None if team.assessment_id is None else await store.get(space, Assessment, team.assessment_id)


async def require_current(store: Store, space: TeamKey, team: Team) -> Assessment:
    """The group's current assessment, or a refusal that says how a lead starts one."""
    found = await current(store, space, team)
    if found is None:
        raise NotFound(say.NO_GROUP_ASSESSMENT)
    return found


async def _point_to(store: Store, space: TeamKey, lead: str, expected: str | None, new: Assessment) -> Team:
    """Make `new` the group's current assessment if it still is `expected`, so two taps cannot both start a cycle."""

    def apply(team: Team) -> Team:
        groups.require_lead(team, lead)
        if team.assessment_id != expected:
            raise NotAllowed(say.CYCLE_ALREADY_MOVED)
        return team.model_copy(update={"assessment_id": new.id})

    return await groups.change(store, space, apply)


async def start(store: Store, space: TeamKey, lead: str, scope: Scope, now: datetime) -> Assessment:
    """A lead starts the group's assessment; while one is open, close its cycle instead of starting another."""
    team = await groups.group(store, space)
    groups.require_lead(team, lead)
    running = await current(store, space, team)
    if running is not None and running.status == "open":
        raise NotAllowed(say.GROUP_ASSESSMENT_RUNNING)
    cycle = 1 if running is None else running.cycle + 1
    previous_id = None if running is None else running.id
    assessment = Assessment(
        id=new_id("a"), owner_id=lead, scope=scope, cycle=cycle, created_at=now, shared=True, previous_id=previous_id
    )
    await store.put(space, assessment)
    await _point_to(store, space, lead, team.assessment_id, assessment)
    return assessment


async def close_cycle(
    store: Store, space: TeamKey, lead: str, assessment_id: str, now: datetime, results: dict[str, float]
) -> Assessment:
    """Close the current cycle, keeping its `results`, and start the next with the same scope; an old or repeated
    tap changes nothing."""
    team = await groups.group(store, space)
    groups.require_lead(team, lead)
    closing = await require_current(store, space, team)
    if closing.id != assessment_id or closing.status != "open":
        raise NotAllowed(say.CYCLE_ALREADY_MOVED)
    following = Assessment(
        id=new_id("a"), owner_id=lead, scope=closing.scope, cycle=closing.cycle + 1, created_at=now, shared=True,
        previous_id=closing.id,
    )
    await store.put(space, following)
    await _point_to(store, space, lead, closing.id, following)
    await store.update(
        space, Assessment, closing.id,
        lambda old: (old or closing).model_copy(update={"status": "closed", "closed_at": now, "results": results}),
    )
    return following


async def previous(store: Store, space: TeamKey, assessment: Assessment) -> Assessment | None:
    """The cycle before this one, if there was one."""
    return None if assessment.previous_id is None else await store.get(space, Assessment, assessment.previous_id)


@dataclass(frozen=True)
class Holdings:
    """Everything one assessment holds, read once, for views and digests to compute from."""

    assessment: Assessment
    responses: list[Response]
    agreements: dict[str, Agreement]
    actions: list[Action]


async def holdings(store: Store, key: AssessmentKey, assessment: Assessment) -> Holdings:
    """An assessment's answers, agreed levels and actions."""
    responses = await store.responses(key)
    agreements = await store.find(key.team, Agreement, assessment_id=key.assessment_id)
    actions = await store.find(key.team, Action, assessment_id=key.assessment_id)
    return Holdings(assessment, responses, {a.section: a for a in agreements}, actions)


async def invite(
    store: Store, space: TeamKey, assessment: Assessment, user_ids: Iterable[str], now: datetime, *, late: bool = False
) -> None:
    """Schedule one invitation per person to rate in their own chat; each is sent once, however often this runs."""
    jobs = [
        ScheduledJob(
            id=f"invite:{assessment.id}:{user_id}",
            team=space,
            kind="group_invite",
            due_at=now,
            payload={"assessment": assessment.id, "user": user_id, "late": "yes" if late else ""},
        )
        for user_id in user_ids
    ]
    await asyncio.gather(*(store.add_job(job) for job in jobs))
