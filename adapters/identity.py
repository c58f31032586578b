"""Who and where a turn is, read from the channel's activity: the only place channel ids become keys."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from botbuilder.schema import Activity

from adapters.slack.mentions import slack_mentions
from adapters.teams.people import teams_mentions
from bot import messages as say
from bot.errors import InvalidInput
from bot.keys import Platform, TeamKey, TenantKey
from bot.models import ConversationType, Person

PLATFORMS: dict[str, Platform] = {"msteams": "teams", "emulator": "teams", "webchat": "teams", "console": "console", "slack": "slack"}
LOCAL_TENANT = "local"
THREAD_SUFFIX = ";messageid="
"""Teams marks a message in a channel thread by this suffix on the channel's id; the channel is the part before it."""


@dataclass(frozen=True)
class Identity:
    """The partition a turn reads and writes, plus the person and conversation inside it."""

    team: TeamKey
    user_id: str
    conversation_id: str
    kind: ConversationType = "personal"


def teams_tenant(payload: Mapping[str, Any]) -> str | None:
    """The tenant from every field Teams may send it in, read from the raw JSON; present fields must agree.

    Teams sends `channelData.tenant.id` and `conversation.tenantId`; botbuilder's model reads `tenantID`, so the
    second never reaches an `Activity` and is read here, at the edge (issue 8).
    """
    found = [value for value in _tenant_fields(payload) if value is not None]
    if any(not isinstance(value, str) or not value for value in found) or len(set(found)) > 1:
        raise InvalidInput(say.BAD_INPUT)
    return found[0] if found else None


def _tenant_fields(payload: Mapping[str, Any]) -> Iterator[object]:
    channel_data, conversation = payload.get("channelData"), payload.get("conversation")
    tenant = channel_data.get("tenant") if isinstance(channel_data, dict) else None
    yield tenant.get("id") if isinstance(tenant, dict) else None
    if isinstance(conversation, dict):
        yield conversation.get("tenantId")
        yield conversation.get("tenantID")


def _tenant_id(activity: Activity) -> str | None:
    """The conversation's tenant, else channelData's; an activity naming two tenants is refused."""
    tenant = (activity.channel_data or {}).get("tenant") if isinstance(activity.channel_data, dict) else None
    from_channel_data = str(tenant["id"]) if isinstance(tenant, dict) and tenant.get("id") else None
    from_conversation = str(activity.conversation.tenant_id) if activity.conversation.tenant_id else None
    if from_conversation and from_channel_data and from_conversation != from_channel_data:
        raise InvalidInput(say.BAD_INPUT)
    return from_conversation or from_channel_data


def _channel_team_id(activity: Activity) -> str | None:
    team = (activity.channel_data or {}).get("team") if isinstance(activity.channel_data, dict) else None
    return str(team["id"]) if isinstance(team, dict) and team.get("id") else None


def identify(activity: Activity) -> Identity:
    """Personal chats get the person's own space; channels share their team's; group chats their conversation's."""
    platform = PLATFORMS.get(activity.channel_id or "")
    if platform is None or activity.conversation is None or activity.from_property is None:
        raise InvalidInput(say.BAD_INPUT)
    tenant_id = _tenant_id(activity)
    if tenant_id is None:
        if activity.channel_id == "msteams":
            raise InvalidInput(say.BAD_INPUT)
        tenant_id = LOCAL_TENANT
    user_id = str(activity.from_property.id)
    conversation_id = str(activity.conversation.id).split(THREAD_SUFFIX, 1)[0]
    kind = conversation_type(activity.conversation.conversation_type)
    if kind == "channel":
        team_id = _channel_team_id(activity) or conversation_id
    elif kind == "groupChat":
        team_id = conversation_id
    else:
        team_id = f"user:{user_id}"
    try:
        return Identity(TeamKey(TenantKey(platform, tenant_id), team_id), user_id, conversation_id, kind)
    except ValueError:
        raise InvalidInput(say.BAD_INPUT) from None


def conversation_type(kind: str | None) -> ConversationType:
    """Anything but a channel or a group chat is a personal conversation."""
    if kind == "channel":
        return "channel"
    if kind == "groupChat":
        return "groupChat"
    return "personal"


def author(activity: Activity) -> Person:
    """Who sent the activity, with the display name the channel gave (Teams does; Slack events do not)."""
    name = (activity.from_property.name or "").strip()[:100] or None
    return Person(user_id=str(activity.from_property.id), name=name)


def mentioned(activity: Activity) -> tuple[Person, ...]:
    """People the message @mentioned, the bot itself left out; each channel marks mentions its own way."""
    if activity.channel_id == "slack":
        return slack_mentions(activity.text or "")
    return teams_mentions(activity)
