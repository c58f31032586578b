"""Chooses the renderer for a channel: Adaptive Cards for Teams, the view itself for the console."""

from __future__ import annotations

from botbuilder.core import MessageFactory
from botbuilder.schema import Activity

from adapters.console import view_attachment
from adapters.teams_cards import card_attachment
from bot.views import Notice, View


def render(view: View, channel_id: str) -> Activity:
    if channel_id == "console":
        return MessageFactory.attachment(view_attachment(view))
    if isinstance(view, Notice):
        return MessageFactory.text(view.text)
    return MessageFactory.attachment(card_attachment(view))
