"""Teams (Bot Framework) side of the Outbound port: proactive sends, 1:1 conversations and updates over a CloudAdapter.

It runs on its own CloudAdapter, sharing the endpoint's authentication but none of its middleware or turn-error
handler: a proactive call is not a turn, so nothing may apologise in-channel or swallow the error, and the
conversation-reference middleware must not see the SDK's synthetic continuation activities.

Retries: botframework-connector never retries a POST (send, create conversation), so every failure of one reaches
the caller at once; a 412, 429, 502, 503 or 504 as `DeliveryError("retry", retry_after=<Retry-After or None>)`.
A PUT (update) is retried inside the SDK by msrest's urllib3 policy: 408 and 5xx but 501/505, and 429 or 503 with
Retry-After, four attempts in all over about 5 s (measured); then the caller gets `DeliveryError("retry")`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import requests
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
    ErrorResponseException,
)
from botframework.connector.auth import BotFrameworkAuthentication
from msrest.exceptions import ClientRequestError

from adapters.delivery import RETRY_STATUSES, retry_after
from adapters.identity import THREAD_SUFFIX
from bot.errors import DeliveryError
from bot.models import ConversationRef
from bot.outbound import MessageRef, Outbound, direct_ref
from bot.views import View

BLOCKED = frozenset({"MessageWritesBlocked", "BotNotInConversationRoster", "ConversationBlockedByUser"})
UNREACHABLE = {403: BLOCKED | {"ForbiddenOperationException"}, 404: frozenset({"ConversationNotFound"})}
"""Blocked, uninstalled, not installed for the person, or a stale conversation id: stop until they next write (T29)."""

Renderer = Callable[[View, str], Activity]


class TeamsOutbound(Outbound):
    """Bot Connector calls addressed from stored refs, always with the bot's app id (T34) and to allowed hosts only."""

    def __init__(
        self,
        authentication: BotFrameworkAuthentication,
        *,
        bot_app_id: str,
        render: Renderer,
        clock: Callable[[], datetime],
        service_url_allowed: Callable[[str], bool],
    ) -> None:
        self._adapter = CloudAdapter(authentication)
        self._app_id = bot_app_id
        self._render = render
        self._clock = clock
        self._allowed = service_url_allowed

    async def send(self, to: ConversationRef, view: View) -> MessageRef:
        activity = self._render(view, to.channel_id)
        sent: list[str] = []

        async def post(context: TurnContext) -> None:
            response = await context.send_activity(activity)
            sent.append(response.id)

        await self._continue(to, post)
        return MessageRef(conversation=to, message_id=sent[0])

    async def reply(self, root: MessageRef, view: View) -> MessageRef:
        """A post to `<channel id>;messageid=<root id>`, which Teams shows in the root message's thread."""
        thread = root.conversation.model_copy(
            update={"conversation_id": f"{root.conversation.conversation_id}{THREAD_SUFFIX}{root.message_id}"}
        )
        return await self.send(thread, view)

    async def update(self, message: MessageRef, view: View) -> None:
        activity = self._render(view, message.conversation.channel_id)
        activity.id = message.message_id

        async def put(context: TurnContext) -> None:
            await context.update_activity(activity)

        await self._continue(message.conversation, put)

    async def open_direct(self, user_id: str, *, via: ConversationRef) -> ConversationRef:
        """`create_conversation` with the tenant in both places the service reads it (tenantID and channelData)."""
        self._check_host(via.service_url)
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=via.bot_id),
            members=[ChannelAccount(id=user_id)],
            tenant_id=via.tenant_id,
            channel_data={"tenant": {"id": via.tenant_id}},
        )
        created: list[str] = []

        async def note(context: TurnContext) -> None:
            created.append(context.activity.conversation.id)

        await _delivered(
            self._adapter.create_conversation(self._app_id, note, parameters, via.channel_id, via.service_url)
        )
        return direct_ref(via, created[0], user_id, self._clock())

    async def _continue(self, to: ConversationRef, logic: Callable[[TurnContext], Awaitable[None]]) -> None:
        """Run `logic` in a proactive context for `to`, as a plain post to the conversation, not a reply."""
        self._check_host(to.service_url)

        async def without_reply_to(context: TurnContext) -> None:
            context.activity.id = None
            await logic(context)

        await _delivered(self._adapter.continue_conversation(_reference(to), without_reply_to, self._app_id))

    def _check_host(self, service_url: str) -> None:
        """Our token goes wherever the serviceUrl points (T9), so a host no longer allowed gets nothing."""
        if not self._allowed(service_url):
            raise DeliveryError("permanent", "serviceUrl is not allowed")


def _reference(to: ConversationRef) -> ConversationReference:
    return ConversationReference(
        channel_id=to.channel_id,
        service_url=to.service_url,
        conversation=ConversationAccount(
            id=to.conversation_id, tenant_id=to.tenant_id, conversation_type=to.conversation_type
        ),
        bot=ChannelAccount(id=to.bot_id),
        user=ChannelAccount(id=to.user_id) if to.user_id else None,
    )


async def _delivered(call: Awaitable[object]) -> None:
    """Await a connector call, turning its failures into the one `DeliveryError`."""
    try:
        await call
    except ErrorResponseException as error:
        raise _classified(error) from None
    except ClientRequestError as error:
        raise DeliveryError("retry", f"request failed: {type(error).__name__}") from None


def _classified(error: ErrorResponseException) -> DeliveryError:
    """Status plus the error's code and subCode decide the kind (T29); nothing from the body but codes is kept."""
    response = error.response
    status = int(response.status_code)
    codes = _codes(response)
    detail = f"{status} {'/'.join(sorted(codes)) or 'no code'}"
    if status in RETRY_STATUSES:
        return DeliveryError("retry", detail, retry_after=retry_after(response.headers))
    if codes & UNREACHABLE.get(status, frozenset()):
        return DeliveryError("unreachable", detail)
    return DeliveryError("permanent", detail)


def _codes(response: requests.Response) -> frozenset[str]:
    """`error.code` and `error.subCode` of a Connector error body, when there is one."""
    try:
        body = response.json()
    except ValueError:
        return frozenset()
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return frozenset()
    return frozenset(str(error[key])[:80] for key in ("code", "subCode") if isinstance(error.get(key), str))
