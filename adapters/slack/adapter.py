"""Slack as a Bot Framework channel: Slack payloads become Activities, and views go out as Block Kit.

The bot below sees the same Activities and intents as in Teams. Slack idioms live here:
button values carry the intent JSON, a text box becomes a modal (views.open), App Home is
published with views.publish, and answered cards are updated with chat.update. In a channel, replies to a
person go to that person only (chat.postEphemeral) and are updated through their response_url; `/reflect`
answers where it was typed (its response_url) and carries on in the app's DM when it shows a card. Each activity's
id names its delivery (event_id, the tapped action, the submitted view, the command's trigger),
so the same delivery handled twice is caught by `adapters/deliveries.py`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from botbuilder.core import Bot, BotAdapter, TurnContext
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationAccount,
    ConversationReference,
    ResourceResponse,
)
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.events import HOME_EVENT
from adapters.render import file_in, views_in
from adapters.slack.blocks import (
    MODAL_CALLBACK_ID,
    PRIVATE_METADATA_MAX,
    TEXT_ACTION_ID,
    button_payload,
    home_view,
    message_blocks,
    modal_text,
    modal_view,
    text_spec,
)
from adapters.exports.service import Exporter
from adapters.slack.payloads import SlackRequest, modal_context
from adapters.slack.responses import ResponseUrls
from bot import messages as say
from bot.errors import DeliveryError, Refusal, Unavailable
from bot.exports import FORMAT_NAMES
from bot.views import Card, DataFile, FileOffer, Notice, View

CHANNEL_ID = "slack"
POINTED = "reflect.slack.pointed_to_dm"
"""Turn state: the slash command's answer already said it carries on in the DM."""
MEMBERS_PAGE = 200
BOT_ID = "reflect"
_LEADING_MENTION = re.compile(r"^\s*<@[A-Z0-9]+(?:\|[^>]*)?>\s*")
log = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _view_of(activity: Activity) -> View:
    """The bot renders for Slack by attaching the view itself; Block Kit is built here, at the edge."""
    views = views_in(activity)
    if not views:
        raise ValueError("a Slack reply must carry a Reflect view")
    return views[0]


def _delivery_id(kind: str, *parts: str | None) -> str:
    """One interaction's own identity: Slack sends the same ids again when it delivers the same interaction again."""
    return json.dumps([kind, *parts], separators=(",", ":"))


def _conversation_type(channel: str) -> str:
    """Slack's direct-message channel ids start with D; every other conversation is shared."""
    return "personal" if channel.startswith("D") else "channel"


class SlackAdapter(BotAdapter):
    """Runs one bot turn per Slack request, replying through the Slack Web API."""

    def __init__(
        self,
        client: AsyncWebClient,
        bot: Bot,
        *,
        clock: Callable[[], datetime] = _utc_now,
        on_turn_error: Callable[[TurnContext, Exception], Awaitable[None]] | None = None,
        files: Exporter | None = None,
    ) -> None:
        super().__init__(on_turn_error)
        self._files = files
        self._client = client
        self._responses = ResponseUrls(client)
        self._bot = bot
        self._clock = clock
        self._bot_user: str | None = None

    async def handle(self, request: SlackRequest) -> None:
        """Called after the HTTP ack: map the payload, open a modal if that is all it asks, else run a turn."""
        activity = await self._activity(request)
        if activity is not None:
            await self.run_pipeline(TurnContext(self, activity), self._bot.on_turn)

    async def send_activities(self, context: TurnContext, activities: list[Activity]) -> list[ResourceResponse]:
        responses = []
        for activity in activities:
            if activity.type != ActivityTypes.message:
                responses.append(ResourceResponse(id=""))
                continue
            file = file_in(activity)
            if file is not None:
                responses.append(await self._upload(activity.conversation.id, file))
                continue
            view = _view_of(activity)
            incoming = context.activity
            if isinstance(view, FileOffer):
                responses.append(await self._upload_export(context, activity, view))
                continue
            if incoming.type == ActivityTypes.event and incoming.name == HOME_EVENT and isinstance(view, Card):
                await self._client.views_publish(user_id=incoming.from_property.id, view=home_view(view))
                responses.append(ResourceResponse(id=""))
                continue
            responses.append(ResourceResponse(id=await self._post(context, activity, view)))
        return responses

    async def _upload(self, channel: str, file: DataFile) -> ResourceResponse:
        """files_upload_v2 into the conversation (the person's DM): get an upload URL, upload, complete."""
        done = await self._client.files_upload_v2(
            channel=channel, content=file.text, filename=file.name, title=file.name, initial_comment=file.caption
        )
        return ResourceResponse(id=str((done.get("file") or {}).get("id", "")))

    async def _upload_export(self, context: TurnContext, activity: Activity, offer: FileOffer) -> ResourceResponse:
        """Make the file and upload it (files_upload_v2) into the DM, or into the thread of the channel message that
        asked when the offer may be seen there (else into the person's DM, saying so); a refusal (not allowed, PDF not
        installed) is answered like any other notice."""
        try:
            if self._files is None:
                raise Unavailable(say.EXPORT_FAILED)
            made = await self._files.make(offer.request)
        except Refusal as refusal:
            return ResourceResponse(id=await self._post(context, activity, Notice(text=refusal.message)))
        incoming = context.activity
        in_channel = incoming.conversation.conversation_type == "channel"
        private = in_channel and not offer.shared_where_asked
        channel = await self._direct_channel(incoming.from_property.id) if private else activity.conversation.id
        thread = (incoming.channel_data or {}).get("thread_ts") if in_channel and not private else None
        comment = say.EXPORT_SLACK_COMMENT.format(format=FORMAT_NAMES[offer.request.format], subject=offer.subject)
        await self._client.files_upload_v2(
            channel=channel, thread_ts=thread, file=made.content, filename=made.filename, title=made.title,
            initial_comment=comment,
        )
        if private:
            return ResourceResponse(id=await self._post(context, activity, Notice(text=say.EXPORT_SENT_PRIVATELY)))
        return ResourceResponse(id="")

    async def _post(self, context: TurnContext, activity: Activity, view: View) -> str:
        """Where a reply goes: a slash command's answer where it was typed, a channel reply to the person only."""
        incoming = context.activity
        data = incoming.channel_data or {}
        text, blocks = message_blocks(view)
        url = data.get("response_url")
        if url and data.get("typed_in") not in (None, incoming.conversation.id):
            if isinstance(view, Notice):
                await self._responses.send(url, text, blocks)
                return ""
            if not context.turn_state.get(POINTED):
                context.turn_state[POINTED] = True
                await self._responses.send(url, *message_blocks(Notice(text=say.SLACK_CONTINUED_IN_DM)))
        if incoming.conversation.conversation_type == "channel":
            sent = await self._client.chat_postEphemeral(
                channel=activity.conversation.id, user=incoming.from_property.id, text=text, blocks=blocks
            )
            return str(sent["message_ts"])
        sent = await self._client.chat_postMessage(channel=activity.conversation.id, text=text, blocks=blocks)
        return str(sent["ts"])

    async def update_activity(self, context: TurnContext, activity: Activity) -> ResourceResponse:
        """A card only its person sees can be replaced only through the response_url its tap came with.

        Raises `DeliveryError` when the message cannot be changed, so the pipeline sends its content anew instead.
        """
        text, blocks = message_blocks(_view_of(activity))
        data = context.activity.channel_data or {}
        if data.get("ephemeral"):
            if not data.get("response_url"):
                raise DeliveryError("permanent", "ephemeral card without a usable response_url")
            await self._responses.send(data["response_url"], text, blocks, replace_original=True)
            return ResourceResponse(id=activity.id)
        try:
            await self._client.chat_update(channel=activity.conversation.id, ts=activity.id, text=text, blocks=blocks)
        except SlackApiError as failed:
            raise DeliveryError("permanent", f"chat.update {failed.response.get('error')}") from failed
        return ResourceResponse(id=activity.id)

    async def delete_activity(self, context: TurnContext, reference: ConversationReference) -> None:
        await self._client.chat_delete(channel=reference.conversation.id, ts=reference.activity_id)

    async def _activity(self, request: SlackRequest) -> Activity | None:
        payload = request.payload
        if request.kind == "event":
            return self._event(request.team_id, payload["event"], payload["event_id"])
        if request.kind == "command":
            return await self._command(request.team_id, payload)
        if payload.get("type") == "block_actions":
            return await self._block_action(request.team_id, payload)
        if payload.get("type") == "view_submission" and payload["view"].get("callback_id") == MODAL_CALLBACK_ID:
            return self._submission(request.team_id, payload)
        return None

    async def _command(self, team_id: str, payload: dict[str, Any]) -> Activity:
        """`/reflect …` runs in the person's DM with the app, remembering where it was typed and how to answer there."""
        channel = await self._direct_channel(payload["user_id"])
        text = str(payload.get("text") or "").strip() or "help"
        where = {"response_url": self._responses.usable(payload.get("response_url")), "typed_in": payload.get("channel_id")}
        return self._incoming(team_id, payload["user_id"], channel, "personal", payload["trigger_id"], text=text, channel_data=where)

    def _submission(self, team_id: str, payload: dict[str, Any]) -> Activity | None:
        """A modal's text, handled in the conversation its card was in: a channel's space, or the person's own."""
        context = modal_context(payload["view"].get("private_metadata", ""))
        if context is None:
            log.info("Slack modal submission without a usable context ignored (team %s)", team_id)
            return None
        value = {**context.submit, context.key: modal_text(payload["view"])}
        kind = _conversation_type(context.channel)
        delivery = _delivery_id("view", payload["view"]["id"], payload["view"].get("hash"))
        card = {"ephemeral": context.ephemeral, "response_url": self._responses.usable(context.url)}
        return self._incoming(
            team_id, payload["user"]["id"], context.channel, kind, delivery, value=value, reply_to_id=context.ts,
            channel_data=card,
        )

    def _event(self, team_id: str, event: dict[str, Any], event_id: str) -> Activity | None:
        """Direct messages, @mentions and App Home visits; the bot's own messages never start a turn."""
        kind, user = event.get("type"), event.get("user")
        if event.get("bot_id") or event.get("subtype") or not user:
            return None
        if kind == "message" and event.get("channel_type") == "im":
            return self._incoming(team_id, user, event["channel"], "personal", event_id, text=event.get("text") or "")
        if kind == "app_mention":
            text = _LEADING_MENTION.sub("", event.get("text") or "", count=1)
            thread = {"thread_ts": event.get("thread_ts") or event.get("ts")}
            return self._incoming(team_id, user, event["channel"], "channel", event_id, text=text, channel_data=thread)
        if kind == "app_home_opened" and event.get("tab") == "home":
            activity = self._incoming(team_id, user, event["channel"], "personal", event_id)
            activity.type, activity.name = ActivityTypes.event, HOME_EVENT
            return activity
        return None

    async def _block_action(self, team_id: str, payload: dict[str, Any]) -> Activity | None:
        user = payload["user"]["id"]
        action = payload["actions"][0]
        container = payload.get("container") or {}
        channel = container.get("channel_id") or (payload.get("channel") or {}).get("id")
        if channel is None:
            channel = await self._direct_channel(user)
        message_ts = container.get("message_ts")
        usable = self._responses.usable(payload.get("response_url"))
        card = {"ephemeral": container.get("is_ephemeral") is True, "response_url": usable}
        if action.get("action_id") == TEXT_ACTION_ID:
            spec = text_spec(action)
            if spec is not None:
                shown = {"ephemeral": True, "url": usable} if card["ephemeral"] else {}
                card_context = {"channel": channel, "ts": message_ts, "key": spec.get("input", "text"), **shown}
                await self._open_form(team_id, payload["trigger_id"], spec, card_context)
            return None
        value = button_payload(action)
        if value is None:
            return None
        delivery = _delivery_id("action", message_ts, action["action_id"], action.get("action_ts") or payload["trigger_id"])
        kind = _conversation_type(channel)
        if kind == "channel":
            card["thread_ts"] = container.get("thread_ts") or message_ts
        return self._incoming(
            team_id, user, channel, kind, delivery, value=value, reply_to_id=message_ts, channel_data=card
        )

    async def _open_form(self, team_id: str, trigger_id: str, spec: dict[str, Any], card: dict[str, Any]) -> None:
        """The modal for a text button; its metadata names the card (and how to replace it) for the submission."""
        metadata = json.dumps({"submit": spec["submit"], **card}, separators=(",", ":"))
        if len(metadata) > PRIVATE_METADATA_MAX:
            log.info("Slack text button ignored: its form's context would not fit (team %s)", team_id)
            return
        await self._client.views_open(trigger_id=trigger_id, view=modal_view(spec, metadata))

    async def channel_members(self, channel: str) -> list[str]:
        """Everyone in a channel, page by page (conversations.members, cursor paging), the app's own user excluded."""
        members: list[str] = []
        cursor: str | None = None
        while True:
            page = await self._client.conversations_members(channel=channel, limit=MEMBERS_PAGE, cursor=cursor)
            members.extend(str(member) for member in page.get("members") or [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if cursor is None:
                own = await self._own_user()
                return [member for member in members if member != own]

    async def user_info(self, user: str) -> dict[str, Any]:
        """One person's Slack profile (users.info), to confirm someone picked in a users_select."""
        found = await self._client.users_info(user=user)
        person = found.get("user")
        return person if isinstance(person, dict) else {}

    async def user_time_zone(self, user: str) -> str | None:
        """The person's time zone from their Slack profile (users.info `tz`), None when it gives none."""
        zone = (await self.user_info(user)).get("tz")
        return zone if isinstance(zone, str) and zone else None

    async def _own_user(self) -> str:
        """The app's bot user, asked once (auth.test), so it is never counted as a member of a group."""
        if self._bot_user is None:
            self._bot_user = str((await self._client.auth_test())["user_id"])
        return self._bot_user

    async def _direct_channel(self, user: str) -> str:
        """The app's DM with this person: where slash-command and App Home replies go."""
        opened = await self._client.conversations_open(users=user)
        return str(opened["channel"]["id"])

    def _incoming(
        self,
        team_id: str,
        user: str,
        channel: str,
        conversation_type: str,
        delivery: str,
        *,
        text: str | None = None,
        value: dict[str, Any] | None = None,
        reply_to_id: str | None = None,
        channel_data: dict[str, Any] | None = None,
    ) -> Activity:
        return Activity(
            type=ActivityTypes.message,
            id=delivery,
            channel_id=CHANNEL_ID,
            service_url="",
            timestamp=self._clock(),
            from_property=ChannelAccount(id=user),
            recipient=ChannelAccount(id=BOT_ID, name="Reflect"),
            conversation=ConversationAccount(id=channel, tenant_id=team_id, conversation_type=conversation_type),
            text=text,
            value=value,
            reply_to_id=reply_to_id,
            channel_data=channel_data,
        )
