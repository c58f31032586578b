"""`forget me`: a person's own space is deleted, and in every group they belong to or left their trace is anonymised.

Why this shape: a group's history must stay coherent (its spread, medians and agreed levels were computed from
everyone's ratings), so in a group the person's ratings stay, under a new id of a former member with no name and no
evidence text; what they alone owned goes. Their actions pass to a lead of the group (or, with none left, are marked
unowned), so nothing planned is lost. Jobs that would write to them are cancelled and removed. Each step can be run
again, so an interrupted erasure is finished by asking again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.conversation_refs import personal_space
from bot.keys import TeamKey, TenantKey
from bot.models import Action, Agreement, Assessment, ConversationState, DigestPost, Member, Response, Team, new_id
from bot.records import owner_tag
from bot.services import audit, groups
from bot.services.reminder_settings import TEAM_REMINDERS, TeamReminders
from bot.store import Store

UNOWNED = "unowned"
"""The owner of an action whose owner was forgotten in a group with no lead left."""
KEEP_RECENT_CLAIMS = timedelta(minutes=5)
"""Delivery claims this close to the person's newest are the erasure's own turn's: kept, so a redelivery of it is
still caught, and expiring within a day like every claim."""


@dataclass(frozen=True)
class Forgotten:
    """What an erasure did, reported to the person (counts only)."""

    removed: int = 0
    anonymised: int = 0
    groups: int = 0
    reassigned: int = 0
    unowned: int = 0
    jobs: int = 0
    claims: int = 0


def _without(team: Team, user_id: str, alias: str, now: datetime) -> Team:
    """The group without the person, a nameless former member in their place; a last lead is succeeded."""
    members = tuple(m for m in team.members if m.user_id != user_id)
    if members and not any(m.role == "lead" for m in members):
        members = (members[0].model_copy(update={"role": "lead"}), *members[1:])
    former = (*(m for m in team.former if m.user_id != user_id), Member(user_id=alias, left_at=now))
    return team.model_copy(update={"members": members, "former": former})


async def _anonymise(store: Store, space: TeamKey, user_id: str, alias: str) -> int:
    """Their answers, kept under the alias with the evidence text gone; the old documents deleted."""
    count = 0
    for response in await store.find(space, Response, author_id=user_id):
        history = tuple(revision.model_copy(update={"evidence": None}) for revision in response.history)
        await store.put(space, response.model_copy(update={"author_id": alias, "evidence": None, "history": history}))
        await store.delete(space, Response, response.doc_id)
        count += 1
    for agreement in await store.find(space, Agreement, by=user_id):
        await store.put(space, agreement.model_copy(update={"by": alias}))
    await audit.rewrite_by(store, space, user_id, alias)
    for assessment in await store.find(space, Assessment, owner_id=user_id):
        await store.put(space, assessment.model_copy(update={"owner_id": alias}))
    for state in await store.find(space, ConversationState, user_id=user_id):
        await store.delete(space, ConversationState, state.doc_id)
    post = await store.get(space, DigestPost, "latest")
    if post is not None and post.asked_by == user_id:
        await store.put(space, post.model_copy(update={"asked_by": alias}))
    default = await store.get(space, TeamReminders, TEAM_REMINDERS)
    if default is not None and default.by == user_id:
        await store.put(space, default.model_copy(update={"by": alias}))
    return count


def _scrubbed(action: Action, user_id: str, alias: str, heir: Member | None, now: datetime) -> Action:
    """The action with the person's id replaced in its history and as its creator, and, if they owned it, handed on."""
    history = tuple(
        entry.model_copy(update={
            "by": alias if entry.by == user_id else entry.by, "owner": alias if entry.owner == user_id else entry.owner,
        })
        for entry in action.history
    )
    update: dict[str, object] = {"history": history}
    if action.creator_id == user_id:
        update["creator_id"] = alias
    if action.owner_id == user_id:
        owner = heir.user_id if heir else UNOWNED
        update |= {"owner_id": owner, "owner_name": heir.name if heir else None, "updated_at": now}
    return action.model_copy(update=update)


async def _hand_on(store: Store, space: TeamKey, user_id: str, alias: str, heir: Member | None, now: datetime) -> int:
    """Their actions to the group's lead, or unowned, each in the audit trail; their id gone from every action's
    history; returns how many were handed on."""
    handed = 0
    for action in await store.find(space, Action):
        scrubbed = _scrubbed(action, user_id, alias, heir, now)
        if scrubbed != action:
            await store.put(space, scrubbed)
        if action.owner_id == user_id:
            handed += 1
            await audit.record(store, space, alias, "action", f"{action.id} reassigned", now, action.assessment_id)
    return handed


async def _in_group(store: Store, space: TeamKey, user_id: str, now: datetime) -> Forgotten:
    alias = new_id("former")
    anonymised = await _anonymise(store, space, user_id, alias)
    team = await store.get(space, Team, space.team_id)
    heir = None
    if team is not None:
        team = await groups.change(store, space, lambda current: _without(current, user_id, alias, now))
        heir = team.leads[0] if team.leads else None
    handed = await _hand_on(store, space, user_id, alias, heir, now)
    return Forgotten(
        anonymised=anonymised, groups=int(team is not None), reassigned=handed if heir else 0, unowned=0 if heir else handed
    )


async def _stop_jobs(store: Store, tenant: TenantKey, user_id: str) -> int:
    """Jobs addressed to the person, or kept in their space: cancelled, then removed unless a send is under way."""
    own = personal_space(tenant, user_id)
    stopped = 0
    for job in await store.jobs_of(tenant):
        if job.team != own and user_id not in job.payload.values():
            continue
        stopped += job.status in ("pending", "claimed")
        after = await store.cancel_job(job.team, job.id)
        if after is not None and after.status != "sending":
            await store.remove_job(job.team, job.id)
    return stopped


async def forget(store: Store, tenant: TenantKey, user_id: str, now: datetime) -> Forgotten:
    """Groups first and the person's own space last, so a second request finishes an interrupted one."""
    own = personal_space(tenant, user_id)
    spaces = [space for space, _role in await store.teams_of(tenant, user_id)]
    spaces += [*await store.former_teams_of(tenant, user_id), *await store.action_spaces(tenant, user_id)]
    done = [await _in_group(store, space, user_id, now) for space in dict.fromkeys(spaces) if space != own]
    await store.forget_person_records(tenant, user_id)
    jobs = await _stop_jobs(store, tenant, user_id)
    claims = await store.forget_deliveries(tenant, owner_tag(user_id), keep=KEEP_RECENT_CLAIMS)
    removed = await store.drop_team(own)
    return Forgotten(
        removed=removed,
        anonymised=sum(f.anonymised for f in done),
        groups=len(done),
        reassigned=sum(f.reassigned for f in done),
        unowned=sum(f.unowned for f in done),
        jobs=jobs,
        claims=claims,
    )
