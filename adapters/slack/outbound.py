"""Slack side of the Outbound port: conversations.open, chat.postMessage and chat.update over an AsyncWebClient.

Give it a client without `AsyncRateLimitErrorRetryHandler`: then a 429 reaches the caller at once as
`DeliveryError("retry", retry_after=<Retry-After>)` instead of the SDK sleeping inside a scheduled job. The SDK's
default handler still retries a failed connection once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.delivery import RETRY_STATUSES, retry_after
from adapters.slack.blocks import message_blocks
from bot.errors import DeliveryError
from bot.models import ConversationRef
from bot.outbound import MessageRef, Outbound, direct_ref
from bot.views import View

UNREACHABLE = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "user_not_found", "users_not_found", "user_disabled",
    "account_inactive", "cannot_dm_bot", "user_not_visible",
})
"""The person or channel cannot be written to now: gone, archived, deactivated, hidden, or the app is not in it."""
TRANSIENT = frozenset({"ratelimited", "service_unavailable", "internal_error", "fatal_error", "request_timeout"})


class SlackOutbound(Outbound):
    """Posts and updates Block Kit messages rendered exactly as in a turn."""

    def __init__(self, client: AsyncWebClient, *, clock: Callable[[], datetime]) -> None:
        self._client = client
        self._clock = clock

    async def send(self, to: ConversationRef, view: View) -> MessageRef:
        text, blocks = message_blocks(view)
        sent = await _delivered(self._client.chat_postMessage(channel=to.conversation_id, text=text, blocks=blocks))
        return MessageRef(conversation=to, message_id=str(sent["ts"]))

    async def reply(self, root: MessageRef, view: View) -> MessageRef:
        """chat.postMessage with `thread_ts` set to the root's ts: the reply stays out of the channel's main flow."""
        text, blocks = message_blocks(view)
        channel = root.conversation.conversation_id
        call = self._client.chat_postMessage(channel=channel, thread_ts=root.message_id, text=text, blocks=blocks)
        sent = await _delivered(call)
        return MessageRef(conversation=root.conversation, message_id=str(sent["ts"]))

    async def update(self, message: MessageRef, view: View) -> None:
        text, blocks = message_blocks(view)
        channel, ts = message.conversation.conversation_id, message.message_id
        await _delivered(self._client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks))

    async def open_direct(self, user_id: str, *, via: ConversationRef) -> ConversationRef:
        opened = await _delivered(self._client.conversations_open(users=user_id))
        return direct_ref(via, str(opened["channel"]["id"]), user_id, self._clock())


async def _delivered(call: Awaitable[AsyncSlackResponse]) -> AsyncSlackResponse:
    """Await a Web API call, turning its failures into the one `DeliveryError`; only Slack's error code is kept."""
    try:
        return await call
    except SlackApiError as error:
        raise _classified(error.response) from None
    except (ClientError, TimeoutError) as error:
        raise DeliveryError("retry", f"request failed: {type(error).__name__}") from None


def _classified(response: AsyncSlackResponse) -> DeliveryError:
    code = str(response.get("error") or "no_error_code")[:80]
    status = response.status_code
    detail = f"{status} {code}"
    if status in RETRY_STATUSES or code in TRANSIENT:
        return DeliveryError("retry", detail, retry_after=retry_after(response.headers))
    if code in UNREACHABLE:
        return DeliveryError("unreachable", detail)
    return DeliveryError("permanent", detail)
