"""Chooses the renderer for a channel: Adaptive Cards for Teams; the console and Slack adapters get the view itself."""

from __future__ import annotations

from botbuilder.core import MessageFactory
from botbuilder.schema import Activity

from adapters.console import view_attachment
from adapters.teams_cards import card_attachment
from bot.views import Notice, View

VIEW_CHANNELS = frozenset({"console", "slack"})


def render(view: View, channel_id: str) -> Activity:
    if channel_id in VIEW_CHANNELS:
        return MessageFactory.attachment(view_attachment(view))
    if isinstance(view, Notice):
        return MessageFactory.text(view.text)
    return MessageFactory.attachment(card_attachment(view))
