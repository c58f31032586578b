"""Keep every conversation's address current from the activities that arrive, so the bot can speak first later.

Runs as botbuilder middleware on the Teams and Slack adapters (the console needs no ref), after the HTTP edge has
authenticated the request, so a stored serviceUrl always came from the channel itself (T9), and after the bot's
turn, once the turn has accepted the activity: a refused request writes nothing, not even its address. Teams
moves conversations between regional serviceUrls, and only the latest one works (T33).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from botbuilder.core import Middleware, TurnContext
from botbuilder.schema import Activity

from adapters.events import TURN_FORGOT, TURN_REFUSED
from adapters.identity import conversation_type, identify
from bot.conversation_refs import remember
from bot.errors import Refusal, StoreError
from bot.keys import TenantKey
from bot.models import ConversationRef
from bot.store import Store

log = logging.getLogger("reflect.refs")


class RememberConversations(Middleware):
    """Refresh the stored `ConversationRef` of each inbound activity's conversation once its turn has accepted it."""

    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock

    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable[None]]) -> None:
        await logic()
        skip = context.turn_state.get(TURN_REFUSED) or context.turn_state.get(TURN_FORGOT)
        found = None if skip else reference_of(context.activity, self._clock())
        if found is not None:
            try:
                await remember(self._store, *found)
            except StoreError:
                log.warning("conversation reference not saved: store error")


def reference_of(activity: Activity, now: datetime) -> tuple[TenantKey, ConversationRef] | None:
    """The tenant and address an activity came from; None for one the bot will refuse or could not write back to."""
    try:
        who = identify(activity)
    except Refusal:
        return None
    kind = conversation_type(activity.conversation.conversation_type)
    try:
        ref = ConversationRef(
            conversation_id=who.conversation_id,
            channel_id=activity.channel_id,
            tenant_id=who.team.tenant.tenant_id,
            conversation_type=kind,
            service_url=activity.service_url or "",
            bot_id=activity.recipient.id,
            user_id=who.user_id if kind == "personal" else None,
            updated_at=now,
        )
    except ValueError:
        return None
    return who.team.tenant, ref

