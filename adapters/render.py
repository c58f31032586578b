"""Chooses the renderer for a channel: Adaptive Cards for Teams; the console and Slack adapters get the view itself."""

from __future__ import annotations

import logging

from botbuilder.core import MessageFactory, TurnContext
from botbuilder.schema import Activity

from adapters.console import view_attachment
from adapters.teams_cards import card_attachment
from bot import messages as say
from bot.errors import where
from bot.views import Notice, View

VIEW_CHANNELS = frozenset({"console", "slack"})
log = logging.getLogger("reflect.turn")


def render(view: View, channel_id: str) -> Activity:
    if channel_id in VIEW_CHANNELS:
        return MessageFactory.attachment(view_attachment(view))
    if isinstance(view, Notice):
        return MessageFactory.text(view.text)
    return MessageFactory.attachment(card_attachment(view))


async def apologise(context: TurnContext, error: Exception) -> None:
    """Every adapter's turn-error handler: log type, place and ids only (never text), then say sorry in-channel."""
    activity = context.activity
    log.error(
        "turn failed: %s at %s (channel %s, activity %r, conversation %r)",
        type(error).__name__, where(error), activity.channel_id, activity.id,
        activity.conversation.id if activity.conversation else None,
    )
    await context.send_activity(render(Notice(text=say.TURN_FAILED), activity.channel_id))

