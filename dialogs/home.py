"""Home: a person's overview for a channel's home screen, such as Slack's App Home.

Built only from services, so a digest can show the same overview. Diagram: home.mmd.
"""

from __future__ import annotations

from bot.services import actions, assessments
from dialogs.flow import FlowContext, FlowResult, leads_to
from dialogs.home_cards import home_card

HOME_ASSESSMENTS = 5


@leads_to(home_card)
async def overview(ctx: FlowContext) -> FlowResult:
    """The person's newest assessments with progress per phase, and their open actions."""
    newest = await assessments.newest(ctx.store, ctx.team, ctx.user_id, HOME_ASSESSMENTS)
    progress = [
        (a, await assessments.progress_of(ctx.store, ctx.framework, ctx.key(a.id), ctx.user_id)) for a in newest
    ]
    open_actions = [a for a in await actions.mine(ctx.store, ctx.team.tenant, ctx.team, ctx.user_id) if a.active]
    return FlowResult(views=(home_card(progress, open_actions),))
