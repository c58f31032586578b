"""Working groups: linking a channel, members and leads, leaving, and the settings only leads may change.

A group lives in its channel's partition (a Teams channel shares its team's; a Slack channel has its own), and
its Team document there is the truth about who belongs. The tenant's membership index (`Store.set_membership`)
mirrors it, so a card arriving in someone's personal chat can be checked without opening every group; every change
here writes the group first and then the index, and re-running a change brings the index back in line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import messages as say
from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.keys import TeamKey, TenantKey
from bot.models import DigestSchedule, Member, Person, Role, Team
from bot.services import audit
from bot.store import Store
from bot.working_calendar import Nation, WorkingCalendar


async def member_space(store: Store, tenant: TenantKey, user_id: str, group_id: str) -> TeamKey:
    """The partition of a group a card or conversation names, only if the person is a current member of it."""
    try:
        space = TeamKey(tenant, group_id)
    except ValueError:
        raise InvalidInput(say.BAD_INPUT) from None
    if space not in {team for team, _role in await store.teams_of(tenant, user_id)}:
        raise NotAllowed(say.NOT_A_MEMBER)
    return space


async def find(store: Store, space: TeamKey) -> Team | None:
    """The group whose partition this is, if one was linked here."""
    return await store.get(space, Team, space.team_id)


async def group(store: Store, space: TeamKey) -> Team:
    """The group here, or a refusal that says how to link one."""
    found = await find(store, space)
    if found is None:
        raise NotFound(say.NOT_A_GROUP)
    return found


def require_member(team: Team, user_id: str) -> Role:
    """The person's role; anyone outside the group is refused before anything is read or changed."""
    role = team.role_of(user_id)
    if role is None:
        raise NotAllowed(say.NOT_A_MEMBER)
    return role


def require_lead(team: Team, user_id: str) -> None:
    """Only leads link, schedule, agree, close cycles and see who has not answered; others hear why, nothing changes."""
    if team.role_of(user_id) != "lead":
        raise NotAllowed(say.LEADS_ONLY)


def _joined(team: Team, person: Person, role: Role, now: datetime) -> Team:
    """The group with `person` in `role`; a lead asked to be added as a member stays a lead, and a name is kept fresh."""
    current = next((m for m in team.members if m.user_id == person.user_id), None)
    if current is None:
        member = Member(user_id=person.user_id, role=role, name=person.name, joined_at=now)
        former = tuple(m for m in team.former if m.user_id != person.user_id)
        return team.model_copy(update={"members": (*team.members, member), "former": former})
    kept = "lead" if "lead" in (current.role, role) else "member"
    refreshed = current.model_copy(update={"role": kept, "name": person.name or current.name})
    return team.model_copy(update={"members": tuple(refreshed if m is current else m for m in team.members)})


def _left(team: Team, user_id: str, now: datetime) -> Team:
    """The group without the person, who is kept as a former member so their answers stay attributable."""
    leaving = next((m for m in team.members if m.user_id == user_id), None)
    if leaving is None:
        return team
    if leaving.role == "lead" and len(team.leads) == 1:
        raise NotAllowed(say.LAST_LEAD)
    former = (*(m for m in team.former if m.user_id != user_id), leaving.model_copy(update={"left_at": now}))
    return team.model_copy(update={"members": tuple(m for m in team.members if m is not leaving), "former": former})


async def change(store: Store, space: TeamKey, rule: Callable[[Team], Team]) -> Team:
    """One atomic change of the group, then the membership index brought in line for everyone it names."""

    def apply(current: Team | None) -> Team:
        if current is None:
            raise NotFound(say.NOT_A_GROUP)
        return rule(current)

    changed = await store.update(space, Team, space.team_id, apply)
    await _index(store, space, changed)
    return changed


async def _index(store: Store, space: TeamKey, team: Team) -> None:
    for member in team.members:
        await store.set_membership(space, member.user_id, member.role)
    for former in team.former:
        await store.set_membership(space, former.user_id, None)
        await store.set_former(space, former.user_id, True)


async def link(store: Store, space: TeamKey, channel_id: str, linker: Person, name: str, now: datetime) -> Team:
    """Link a group to this channel; the first to link it becomes its lead, and later only a lead may relink it."""

    def apply(current: Team | None) -> Team:
        if current is None:
            lead = Member(user_id=linker.user_id, role="lead", name=linker.name, joined_at=now)
            return Team(id=space.team_id, name=name, members=(lead,), channel_conversation_id=channel_id)
        require_lead(current, linker.user_id)
        return current.model_copy(update={"channel_conversation_id": channel_id})

    team = await store.update(space, Team, space.team_id, apply)
    await _index(store, space, team)
    await audit.record(store, space, linker.user_id, "group_setting", "linked", now)
    return team


@dataclass(frozen=True)
class Added:
    """Who an add changed: newly in the group, and already there (a lead asked to add leads may have promoted some)."""

    team: Team
    new: tuple[Person, ...]
    already: tuple[Person, ...]


async def add(store: Store, space: TeamKey, by: str, people: Sequence[Person], role: Role, now: datetime) -> Added:
    """A lead adds people as members or leads; adding someone already in the group changes only a member to a lead."""
    before = await group(store, space)
    require_lead(before, by)

    def apply(team: Team) -> Team:
        require_lead(team, by)
        for person in people:
            team = _joined(team, person, role, now)
        return team

    team = await change(store, space, apply)
    await audit.record(store, space, by, "group_setting", f"members added as {role}s", now)
    new = tuple(p for p in _unique(people) if before.role_of(p.user_id) is None)
    return Added(team, new, tuple(p for p in _unique(people) if before.role_of(p.user_id) is not None))


def _unique(people: Iterable[Person]) -> tuple[Person, ...]:
    return tuple({person.user_id: person for person in people}.values())


async def remove(store: Store, space: TeamKey, by: str, user_ids: Sequence[str], now: datetime) -> Team:
    """A lead removes people; their answers stay, marked as a former member's, and they can no longer act here."""

    def apply(team: Team) -> Team:
        require_lead(team, by)
        for user_id in user_ids:
            team = _left(team, user_id, now)
        return team

    changed = await change(store, space, apply)
    await audit.record(store, space, by, "group_setting", "members removed", now)
    return changed


async def leave(store: Store, space: TeamKey, user_id: str, now: datetime) -> Team:
    """A member leaves; the only lead must name another lead first, so a group is never left without one."""

    def apply(team: Team) -> Team:
        require_member(team, user_id)
        return _left(team, user_id, now)

    changed = await change(store, space, apply)
    await audit.record(store, space, user_id, "group_setting", "left", now)
    return changed


async def settle(store: Store, space: TeamKey, by: str, *, now: datetime, **changes: object) -> Team:
    """A lead changes the group's settings (schedule, sharing, minimum answers); validated like any stored group."""

    def apply(team: Team) -> Team:
        require_lead(team, by)
        return Team.model_validate({**team.model_dump(), **changes})

    changed = await change(store, space, apply)
    await audit.record(store, space, by, "group_setting", ",".join(sorted(changes)), now)
    return changed


async def set_schedule(store: Store, space: TeamKey, by: str, schedule: DigestSchedule, now: datetime) -> Team:
    """A lead sets (or switches off) the weekly digest; the caller schedules the next one."""
    return await settle(store, space, by, now=now, digest=schedule.model_dump())


async def groups_of(store: Store, tenant: TenantKey, user_id: str) -> list[tuple[Team, Role]]:
    """The groups a person belongs to in this tenant, with their role, as each group itself records it."""
    found = []
    for space, _role in await store.teams_of(tenant, user_id):
        team = await find(store, space)
        role = None if team is None else team.role_of(user_id)
        if team is not None and role is not None:
            found.append((team, role))
    return found


def calendar_of(team: Team) -> WorkingCalendar:
    """The group's working time: its zone, its nation's bank holidays, its quiet hours and its extra closed days."""
    return WorkingCalendar(
        zone=ZoneInfo(team.time_zone), nation=Nation(team.nation), quiet_hours=team.quiet_hours,
        closed_days=frozenset(team.closed_days),
    )
