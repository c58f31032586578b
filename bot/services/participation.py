"""Who in a group has answered what, when they were last active, and whether the bot can reach them: for leads only.

Reachable means the person has a personal chat with the bot that no send has found closed; a person the bot
has never written to is shown as not yet messaged rather than guessed at.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.conversation_refs import personal_ref
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
    """Whether each member's personal chat with the bot is known, and open."""
    found: dict[str, Reach] = {}
    for member in members:
        ref = await personal_ref(store, tenant, member.user_id)
        found[member.user_id] = "unknown" if ref is None else ("reachable" if ref.active else "unreachable")
    return found
