"""The Outbound port: how Reflect speaks without a turn (reminders, digests, check-ins), whatever the channel.

Implementations live in adapters/ (Teams over the Bot Connector, Slack over the Web API). Every failure reaches the
caller as one `DeliveryError` whose kind says what to do next: try again after `retry_after` seconds, stop writing
to an unreachable recipient until they next write, or record a permanent failure. Implementations add no retries
of their own (the Teams SDK's built-in retry of an update aside), so the caller (the scheduler) owns the retry policy
and its bounds.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from bot.models import ConversationRef, Id
from bot.views import View


class MessageRef(BaseModel):
    """A message sent earlier, with what an update in place needs: its conversation and the channel's id for it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    conversation: ConversationRef
    message_id: Id


class Outbound(ABC):
    """Sends views to stored conversations; raises only `bot.errors.DeliveryError`."""

    @abstractmethod
    async def send(self, to: ConversationRef, view: View) -> MessageRef:
        """Post a view as a new message in a stored conversation, rendered as a turn would render it."""

    @abstractmethod
    async def reply(self, root: MessageRef, view: View) -> MessageRef:
        """Post a view as a reply in the thread of a message sent earlier (a channel digest's detail, say).

        The returned ref addresses the reply itself, so it can be updated in place like any other message.
        """

    @abstractmethod
    async def open_direct(self, user_id: str, *, via: ConversationRef) -> ConversationRef:
        """Open (or reopen) the personal conversation with someone in `via`'s tenant or workspace.

        `user_id` is a Teams `29:` id or a Slack user id; `via` is any stored conversation there (say, the team's
        channel, whose roster named the person), which lends the tenant, service URL and bot id. The result is not
        stored: `bot.conversation_refs.direct_conversation` stores it so that it is opened only once.
        """

    @abstractmethod
    async def update(self, message: MessageRef, view: View) -> None:
        """Replace a message sent earlier with a new rendering of a view, in place."""


def direct_ref(via: ConversationRef, conversation_id: str, user_id: str, at: datetime) -> ConversationRef:
    """The ref of a personal conversation just opened through `via`: same channel, tenant, service URL and bot."""
    return ConversationRef.model_validate({
        **via.model_dump(),
        "conversation_id": conversation_id, "conversation_type": "personal", "user_id": user_id,
        "active": True, "updated_at": at,
    })
