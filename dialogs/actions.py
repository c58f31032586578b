"""Actions: the open list, one action, and its one-tap changes.

Changes go through the actions service, so reminders and exports see them as the person left them. Diagram: actions.mmd.
"""

from __future__ import annotations

from bot import messages as say
from bot.intents import EditAction, OpenAction
from bot.services import actions
from bot.views import Notice
from dialogs.actions_cards import action_card, actions_card
from dialogs.flow import FlowContext, FlowResult, leads_to


@leads_to(actions_card)
async def show_actions(ctx: FlowContext) -> FlowResult:
    """The person's open actions in this partition, each one tap away from editing."""
    return FlowResult(views=(actions_card(await actions.open_actions(ctx.store, ctx.team, ctx.user_id)),))


@leads_to(action_card)
async def open_action(ctx: FlowContext, intent: OpenAction) -> FlowResult:
    """One action with its changes; only its owner may open it."""
    return FlowResult(views=(action_card(await actions.owned(ctx.store, ctx.team, intent.action, ctx.user_id)),))


@leads_to(action_card)
async def edit_action(ctx: FlowContext, intent: EditAction) -> FlowResult:
    """Apply one change and refresh the action's card in place."""
    action = await actions.edit(ctx.store, ctx.team, intent.action, ctx.user_id, intent.change, ctx.now, intent.text)
    notice = say.ACTION_DONE if intent.change == "done" else say.ACTION_UPDATED
    return FlowResult(views=(Notice(text=notice),), replace=action_card(action))
