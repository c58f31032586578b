"""Is this POST a well-formed Bot Framework activity? Checked before authentication and before the SDK parses it.

One job: media type, body, JSON, the shape of every field botbuilder or Reflect reads, and the tenant named by
every field Teams sends it in. Anything else becomes a `Rejected` 4xx (platform facts T8, TA-6; issue 8).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aiohttp import web
from botbuilder.schema import Activity
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from adapters.http_body import json_object, read_body, validated
from adapters.identity import teams_tenant
from bot.errors import InvalidInput, Rejected

WHAT = "invalid activity"
_Id = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=r"^[!-~]+$")]
"""Bot Framework ids are printable ASCII; they go into Connector URLs, store keys and log lines."""
ServedChannel = Literal["msteams", "emulator", "webchat"]
"""The Bot Framework channels /api/messages serves; Slack and the console have their own edges."""
_Name = Annotated[str, StringConstraints(max_length=1024)]


class _Party(BaseModel):
    """A conversation or account reference: ids short and printable, as every key and log line needs."""

    model_config = ConfigDict(extra="allow")

    id: _Id
    name: _Name | None = None


class _Conversation(_Party):
    """The conversation; its kind decides whose space a turn belongs to."""

    conversation_type: _Name | None = Field(default=None, validation_alias="conversationType")


class InboundActivity(BaseModel):
    """The fields botbuilder or Reflect read, each of the type they expect; anything else passes through untouched."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(min_length=1, max_length=64)
    id: _Id | None = None
    name: _Name | None = None
    service_url: str = Field(min_length=1, max_length=2048, validation_alias="serviceUrl")
    channel_id: ServedChannel = Field(validation_alias="channelId")
    conversation: _Conversation
    from_: _Party = Field(validation_alias="from")
    recipient: _Party
    text: str | None = None
    reply_to_id: _Id | None = Field(default=None, validation_alias="replyToId")
    channel_data: dict[str, Any] | None = Field(default=None, validation_alias="channelData")
    entities: list[dict[str, Any]] | None = None
    attachments: list[dict[str, Any]] | None = None
    members_added: list[_Party] | None = Field(default=None, validation_alias="membersAdded")
    members_removed: list[_Party] | None = Field(default=None, validation_alias="membersRemoved")


async def checked_activity(request: web.Request) -> Activity:
    """The request's activity, with the tenant all its fields agree on; the first failed check raises `Rejected`."""
    if request.content_type != "application/json":
        raise Rejected(415, "Content-Type must be application/json")
    payload = json_object(await read_body(request), WHAT)
    validated(InboundActivity, payload, WHAT)
    try:
        tenant = teams_tenant(payload)
    except InvalidInput:
        raise Rejected(400, f"{WHAT}: tenant ids disagree or are not text") from None
    try:
        activity = Activity().deserialize(payload)
    except ValueError:
        raise Rejected(400, f"{WHAT}: a field has the wrong type") from None
    if tenant is not None:
        activity.conversation.tenant_id = tenant
    return activity
