"""Each inbound delivery runs once, across restarts: Teams and Slack both deliver the same activity again (issue 8).

Runs as botbuilder middleware on the Teams and Slack adapters: after the HTTP edge has checked and authenticated the
request, before anything else sees the turn. The claim is a store record in the tenant's own scope, keyed by the
conversation and the activity id (the Slack adapter puts the delivery's own id there), kept for a day; the store
prunes expired ones. A redelivery runs nothing and sends nothing, and its edge acknowledges it as usual so the
channel stops retrying. A turn that fails, or could not save, gives its claim back, so a retry runs; a refused
turn, or one whose reply could not be delivered after its changes were saved, stays claimed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from botbuilder.core import Middleware, TurnContext
from botbuilder.schema import Activity

from adapters.events import TURN_FAILED
from adapters.identity import identify
from bot.errors import DeliveryError, Refusal, StoreError
from bot.keys import TenantKey
from bot.records import owner_tag
from bot.store import Store

DELIVERY_TTL = timedelta(hours=24)
"""Teams and Slack retry within minutes; a day leaves a wide margin and keeps the table small."""
log = logging.getLogger("reflect.deliveries")


class HandleOnce(Middleware):
    """Claims each delivery before its turn; a delivery already claimed ends the turn here, with nothing sent."""

    def __init__(self, store: Store, clock: Callable[[], datetime], ttl: timedelta = DELIVERY_TTL) -> None:
        self._store = store
        self._clock = clock
        self._ttl = ttl

    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable[None]]) -> None:
        claim = delivery_claim(context.activity)
        if claim is None:
            await logic()
            return
        if not await self._store.claim_delivery(*claim, self._clock(), self._ttl, owner=_owner(context.activity)):
            activity = context.activity
            log.info("redelivery of activity %r in conversation %r not run", activity.id, activity.conversation.id)
            return
        await self._run(context, logic, *claim)

    async def _run(self, context: TurnContext, logic: Callable[[], Awaitable[None]], tenant: TenantKey, key: str) -> None:
        """The turn; its claim is given back if it fails, unless a reply failed after its changes were saved."""
        try:
            await logic()
        except DeliveryError:
            raise
        except Exception:
            await self._release(tenant, key)
            raise
        if context.turn_state.get(TURN_FAILED):
            await self._release(tenant, key)

    async def _release(self, tenant: TenantKey, key: str) -> None:
        """Best effort: if the store cannot take it back either, the claim simply expires."""
        try:
            await self._store.release_delivery(tenant, key)
        except StoreError:
            log.warning("delivery claim not released: store error")


def _owner(activity: Activity) -> str | None:
    """Whose turn this delivery is, as a one-way tag, so `forget me` can find the person's claims."""
    sender = activity.from_property
    return owner_tag(str(sender.id)) if sender is not None and sender.id else None


def delivery_claim(activity: Activity) -> tuple[TenantKey, str] | None:
    """The tenant and key that name one delivery; None when the activity has no id or no tenant the bot accepts."""
    if not activity.id or activity.conversation is None or not activity.conversation.id:
        return None
    try:
        tenant = identify(activity).team.tenant
    except Refusal:
        return None
    return tenant, "activity:" + json.dumps([activity.conversation.id, activity.id])
