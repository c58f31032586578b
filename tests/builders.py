"""Builders for inbound Bot Framework activities, shaped as Teams and the Emulator send them."""

from __future__ import annotations

import itertools
from typing import Any

BOT_ID = "28:reflect-bot"
BOT_NAME = "Reflect"
_ids = itertools.count(1)


def _base(
    service_url: str,
    *,
    user: str,
    tenant: str | None,
    conversation: str | None,
    conversation_type: str,
    channel_id: str,
    team: str | None,
) -> dict[str, Any]:
    conversation_id = conversation or f"a:personal-{user}"
    body: dict[str, Any] = {
        "id": f"in-{next(_ids)}",
        "channelId": channel_id,
        "serviceUrl": service_url,
        "timestamp": "2026-11-23T10:00:00.000Z",
        "from": {"id": user, "name": f"Person {user}"},
        "recipient": {"id": BOT_ID, "name": BOT_NAME},
        "conversation": {"id": conversation_id, "conversationType": conversation_type},
    }
    if tenant is not None:
        body["conversation"]["tenantId"] = tenant
        body["channelData"] = {"tenant": {"id": tenant}}
        if team is not None:
            body["channelData"]["team"] = {"id": team}
    return body


def message(
    service_url: str,
    text: str | None = None,
    *,
    value: dict[str, Any] | None = None,
    reply_to_id: str | None = None,
    user: str = "29:alice",
    tenant: str | None = "tenant-a",
    conversation: str | None = None,
    conversation_type: str = "personal",
    channel_id: str = "msteams",
    team: str | None = None,
    entities: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A typed message, or a card submit when `value` is given (Teams sends both as type 'message')."""
    body = _base(
        service_url, user=user, tenant=tenant, conversation=conversation,
        conversation_type=conversation_type, channel_id=channel_id, team=team,
    )
    body["type"] = "message"
    if text is not None:
        body["text"] = text
    if value is not None:
        body["value"] = value
    if reply_to_id is not None:
        body["replyToId"] = reply_to_id
    if entities is not None:
        body["entities"] = entities
    return body


def bot_added(service_url: str, *, user: str = "29:alice", tenant: str | None = "tenant-a") -> dict[str, Any]:
    """What Teams sends when someone installs the bot in a personal chat."""
    body = _base(service_url, user=user, tenant=tenant, conversation=None, conversation_type="personal", channel_id="msteams", team=None)
    body["type"] = "conversationUpdate"
    body["membersAdded"] = [{"id": BOT_ID, "name": BOT_NAME}]
    return body


def mention() -> dict[str, Any]:
    """The Teams mention entity for the bot."""
    return {"type": "mention", "text": f"<at>{BOT_NAME}</at>", "mentioned": {"id": BOT_ID, "name": BOT_NAME}}
