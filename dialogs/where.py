"""Which working group a turn acts on, and who is acting: shared by every group flow.

A card or the conversation may name a group (the pipeline has checked the person belongs to it); a command typed in
a linked channel acts on that channel's own group; anywhere else there is no group to act on.
"""

from __future__ import annotations

from bot import messages as say
from bot.errors import NotFound
from bot.keys import TeamKey
from bot.models import Person, Team
from bot.services import groups
from dialogs.flow import FlowContext


async def here(ctx: FlowContext) -> tuple[TeamKey, Team]:
    """The group this turn acts on: the one a card or the conversation names, else the channel's own."""
    if ctx.group is not None:
        return ctx.group, await groups.group(ctx.store, ctx.group)
    if ctx.in_channel:
        return ctx.team, await groups.group(ctx.store, ctx.team)
    raise NotFound(say.NOT_IN_A_GROUP_HERE)


def author(ctx: FlowContext) -> Person:
    """The person acting, with the name the channel gave if it gave one."""
    return ctx.author or Person(user_id=ctx.user_id)
