"""Inbound clean-up at the edge, so the bot below never sees channel quirks such as Teams @mentions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from botbuilder.core import Middleware, TurnContext
from botbuilder.schema import ActivityTypes

from adapters.teams import strip_leading_mention


class StripMention(Middleware):
    """Remove only the leading @mention of the bot, leaving any other mention or use of its name alone."""

    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable[None]]) -> None:
        activity = context.activity
        if activity.type == ActivityTypes.message and activity.text:
            activity.text = strip_leading_mention(activity)
        await logic()
