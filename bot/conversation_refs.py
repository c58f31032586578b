"""Where conversation references live in the store, so work outside a turn can find an address from ids alone.

- A person's personal conversation is kept in their own space, `TeamKey(tenant, "user:<user id>")`: the partition
  their personal chat already uses. (tenant, user id) finds it without knowing any team they belong to.
- Any other conversation (a Teams channel or group chat, a Slack channel) is kept in a space named by its
  conversation id, `TeamKey(tenant, "<conversation id>")`, so (tenant, conversation id) finds it. For a group chat
  or a Slack channel that is the partition its answers use too; a Teams channel other than General gets a small
  space of its own.

In both, the document id is the conversation id. A ref is rewritten only when an address field changed or the
stored one is over a day old, so an ordinary turn costs no write.

Someone who cannot be written to (blocked the bot, app not installed, conversation gone) is not written to again
until they write themselves: their stored ref is marked inactive, and the next inbound activity stores it active
again. If no conversation could even be opened, an `Unreachable` note in their space does the same job until a
ref of theirs is stored.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from pydantic import AwareDatetime

from bot.keys import TeamKey, TenantKey
from bot.models import ConversationRef, Document, Id
from bot.outbound import Outbound
from bot.store import Store

REFRESH_AFTER = timedelta(days=1)


class Unreachable(Document):
    """A person no conversation could be opened with; a stored ref of theirs (they wrote since) outranks it."""

    table: ClassVar[str] = "unreachable"
    user_id: Id
    since: AwareDatetime

    @property
    def doc_id(self) -> str:
        return self.user_id


def personal_space(tenant: TenantKey, user_id: str) -> TeamKey:
    return TeamKey(tenant, f"user:{user_id}")


def space_of(tenant: TenantKey, ref: ConversationRef) -> TeamKey:
    """The partition a ref is kept in (see the module docstring)."""
    if ref.conversation_type == "personal" and ref.user_id is not None:
        return personal_space(tenant, ref.user_id)
    return TeamKey(tenant, ref.conversation_id)


async def remember(store: Store, tenant: TenantKey, ref: ConversationRef) -> ConversationRef:
    """Store a ref seen at `ref.updated_at`; an unchanged one younger than a day is left alone (no write).

    Most turns find it unchanged, so it is read first (a plain read, no row lock) and changed only when needed;
    a change made meanwhile by another instance is caught by the atomic update that follows a difference.
    """

    def refresh(current: ConversationRef | None) -> ConversationRef:
        if current is None or current.model_copy(update={"updated_at": ref.updated_at}) != ref:
            return ref
        return current if ref.updated_at - current.updated_at < REFRESH_AFTER else ref

    space = space_of(tenant, ref)
    stored = await store.get(space, ConversationRef, ref.doc_id)
    if stored is not None and refresh(stored) is stored:
        return stored
    return await store.update(space, ConversationRef, ref.doc_id, refresh)


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


async def mark_inactive(store: Store, tenant: TenantKey, ref: ConversationRef) -> None:
    """Stop writing to a conversation until an activity from it stores its ref again (active)."""

    def deactivate(current: ConversationRef | None) -> ConversationRef:
        return (current or ref).model_copy(update={"active": False})

    await store.update(space_of(tenant, ref), ConversationRef, ref.doc_id, deactivate)


async def mark_unreachable(store: Store, tenant: TenantKey, user_id: str, at: datetime) -> None:
    """Note that no conversation with the person could be opened; cleared in effect once they write."""
    await store.put(personal_space(tenant, user_id), Unreachable(user_id=user_id, since=at))


async def is_reachable(store: Store, tenant: TenantKey, user_id: str) -> bool:
    """False while the person's latest ref is inactive, or (with no ref at all) while an Unreachable note stands."""
    ref = await personal_ref(store, tenant, user_id)
    if ref is not None:
        return ref.active
    return await store.get(personal_space(tenant, user_id), Unreachable, user_id) is None
