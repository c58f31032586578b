"""Who in a group has answered what, when they were last active, and whether the bot can reach them: for leads only.

Reachable means the person has a personal chat with the bot that no send has found closed; one whose chat was
closed, or could not be opened, is not reachable; a person the bot never wrote to is shown as not yet messaged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.conversation_refs import is_reachable, personal_ref
from bot.framework import Framework, Phase
from bot.keys import TenantKey
from bot.models import Member, Response
from bot.store import Store

Reach = Literal["reachable", "unreachable", "unknown"]


@dataclass(frozen=True)
class MemberProgress:
    """One current member's completion, per phase and in all, with their last answer's time and reachability."""

    member: Member
    answered: int
    phases_done: tuple[Phase, ...]
    last_active: datetime | None
    reach: Reach


def member_progress(
    framework: Framework, members: Iterable[Member], responses: Iterable[Response], reach: Mapping[str, Reach]
) -> list[MemberProgress]:
    """Every current member, least answered first (then longest inactive), so those to help come first."""
    rated: dict[str, set[str]] = defaultdict(set)
    active: dict[str, datetime] = {}
    for response in responses:
        if response.rating is None:
            continue
        rated[response.author_id].add(response.section)
        active[response.author_id] = max(response.updated_at, active.get(response.author_id, response.updated_at))
    rows = [
        MemberProgress(
            member=member,
            answered=len(rated[member.user_id]),
            phases_done=tuple(p for p in framework.phases if {s.code for s in p.sections} <= rated[member.user_id]),
            last_active=active.get(member.user_id),
            reach=reach.get(member.user_id, "unknown"),
        )
        for member in members
    ]
    return sorted(rows, key=lambda row: (row.answered, row.last_active.timestamp() if row.last_active else float("-inf")))


async def reach_of(store: Store, tenant: TenantKey, members: Iterable[Member]) -> dict[str, Reach]:
    """Whether each member's personal chat with the bot is known and open, closed, or was never opened."""
    return {member.user_id: await _reach(store, tenant, member.user_id) for member in members}


async def _reach(store: Store, tenant: TenantKey, user_id: str) -> Reach:
    ref = await personal_ref(store, tenant, user_id)
    if ref is not None:
        return "reachable" if ref.active else "unreachable"
    return "unknown" if await is_reachable(store, tenant, user_id) else "unreachable"
