"""A tapped button that changes data takes effect once: its one-time nonce is claimed before its step runs.

Teams may deliver one tap again as a new activity, and a person may tap a card twice; either way the nonce is the
same, so the second use hears that it was already done and changes nothing. The claim is a store record in the
tenant's scope, per person, kept for a day. A step that fails or refuses changed nothing, so it gives the nonce
back and the same button can be used again. Typed commands carry no nonce and always run.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from bot import messages as say
from bot.errors import AlreadyDone, StoreError
from bot.intents import Intent, nonce_of
from bot.records import owner_tag
from dialogs.flow import FlowContext, FlowResult

NONCE_TTL = timedelta(hours=24)
log = logging.getLogger("reflect.once")


async def at_most_once(
    ctx: FlowContext, intent: Intent, step: Callable[[FlowContext, Any], Awaitable[FlowResult]]
) -> FlowResult:
    """Run `step` for the intent unless its nonce was used before; a failed or refused step frees the nonce."""
    nonce = nonce_of(intent)
    if nonce is None:
        return await step(ctx, intent)
    key = f"nonce:{ctx.user_id}:{nonce}"
    if not await ctx.store.claim_delivery(ctx.team.tenant, key, ctx.now, NONCE_TTL, owner=owner_tag(ctx.user_id)):
        raise AlreadyDone(say.ALREADY_DONE)
    try:
        return await step(ctx, intent)
    except Exception:
        await _release(ctx, key)
        raise


async def _release(ctx: FlowContext, key: str) -> None:
    """Best effort: if the store cannot take the nonce back either, it simply expires."""
    try:
        await ctx.store.release_delivery(ctx.team.tenant, key)
    except StoreError:
        log.warning("nonce not released: store error")
