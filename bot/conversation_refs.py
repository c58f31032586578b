"""Where conversation references live in the store, so work outside a turn can find an address from ids alone.

- A person's personal conversation is kept in their own space, `TeamKey(tenant, "user:<user id>")`: the partition
  their personal chat already uses. (tenant, user id) finds it without knowing any team they belong to.
- Any other conversation (a Teams channel or group chat, a Slack channel) is kept in a space named by its
  conversation id, `TeamKey(tenant, "<conversation id>")`, so (tenant, conversation id) finds it. For a group chat
  or a Slack channel that is the partition its answers use too; a Teams channel other than General gets a small
  space of its own.

In both, the document id is the conversation id. A ref is rewritten only when an address field changed or the
stored one is over a day old, so an ordinary turn costs no write.
"""

from __future__ import annotations

from datetime import timedelta

from bot.keys import TeamKey, TenantKey
from bot.models import ConversationRef
from bot.outbound import Outbound
from bot.store import Store

REFRESH_AFTER = timedelta(days=1)


def personal_space(tenant: TenantKey, user_id: str) -> TeamKey:
    return TeamKey(tenant, f"user:{user_id}")


def space_of(tenant: TenantKey, ref: ConversationRef) -> TeamKey:
    """The partition a ref is kept in (see the module docstring)."""
    if ref.conversation_type == "personal" and ref.user_id is not None:
        return personal_space(tenant, ref.user_id)
    return TeamKey(tenant, ref.conversation_id)


async def remember(store: Store, tenant: TenantKey, ref: ConversationRef) -> ConversationRef:
    """Store a ref seen at `ref.updated_at`; an unchanged one younger than a day is left alone (no write)."""

    def refresh(current: ConversationRef | None) -> ConversationRef:
        if current is None or current.model_copy(update={"updated_at": ref.updated_at}) != ref:
            return ref
        return current if ref.updated_at - current.updated_at < REFRESH_AFTER else ref

    return await store.update(space_of(tenant, ref), ConversationRef, ref.doc_id, refresh)


async def personal_ref(store: Store, tenant: TenantKey, user_id: str) -> ConversationRef | None:
    """The person's personal conversation with the bot, the most recently seen if there were several."""
    found = await store.find(personal_space(tenant, user_id), ConversationRef, conversation_type="personal")
    return max(found, key=lambda ref: ref.updated_at, default=None)


async def conversation_ref(store: Store, tenant: TenantKey, conversation_id: str) -> ConversationRef | None:
    """A channel or group conversation by its id."""
    return await store.get(TeamKey(tenant, conversation_id), ConversationRef, conversation_id)


async def direct_conversation(
    store: Store, outbound: Outbound, tenant: TenantKey, user_id: str, *, via: ConversationRef
) -> ConversationRef:
    """The person's personal conversation: the stored one, else one opened now and stored, so it is opened once."""
    stored = await personal_ref(store, tenant, user_id)
    if stored is not None:
        return stored
    return await remember(store, tenant, await outbound.open_direct(user_id, via=via))
