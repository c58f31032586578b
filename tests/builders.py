"""Builders for inbound Bot Framework activities, shaped as Teams and the Emulator send them."""

from __future__ import annotations

import itertools
from typing import Any

from bot.framework import Level
from bot.intents import AddEvidence, Intent, NextSection, Rate, ShowMenu, SkipEvidence, nonce_of
from bot.models import NOT_SURE, Rating
from bot.views import Button, Card, Fact, TextInput

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


SAMPLE_ASSESSMENT = "a-0123456789abcdef"


def bare(intent: Intent) -> Intent:
    """What a button means, without the one-time nonce its rendering added."""
    return intent.model_copy(update={"n": None}) if nonce_of(intent) is not None else intent


def rate_button(level: Rating) -> Button:
    label = level.label if isinstance(level, Level) else "Not sure"
    return Button(label=label, intent=Rate(assessment=SAMPLE_ASSESSMENT, section="4c", level=level))


def sample_card(submit_label: str = "Save evidence") -> Card:
    """A card using every part of a view, for the renderers' tests."""
    return Card(
        title="4c Working with communities",
        progress="Engage: section 2 of 3",
        lines=("How well do you plan engagement with the people most affected?", "Pick the level that fits best."),
        facts=(Fact(label="Last answer", value="Developing"), Fact(label="Evidence", value="None yet")),
        choices=(*(rate_button(level) for level in Level), rate_button(NOT_SURE)),
        text_input=TextInput(
            placeholder="What shows this? A document, a meeting, a change",
            max_length=2000,
            submit=Button(label=submit_label, intent=AddEvidence(assessment=SAMPLE_ASSESSMENT, section="4c")),
        ),
        actions=(
            Button(label="Skip evidence", intent=SkipEvidence(assessment=SAMPLE_ASSESSMENT, section="4c")),
            Button(label="Menu", intent=ShowMenu()),
            Button(label="Next section", intent=NextSection(assessment=SAMPLE_ASSESSMENT, section="4c"), primary=True),
        ),
        ref="section:a-0123456789abcdef:4c",
    )



def person_mention(user_id: str, name: str) -> dict[str, Any]:
    """The Teams mention entity for a person the message names."""
    return {"type": "mention", "text": f"<at>{name}</at>", "mentioned": {"id": user_id, "name": name}}
