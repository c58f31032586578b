"""A person picked on a card, confirmed through the channel's own API while the turn runs.

Teams' people picker posts a Microsoft Entra object id; only `TeamsInfo.get_member` turns that into the `29:` id a
bot can write to, and only for someone in a conversation the bot is part of: the turn's own (a channel or group
chat, where the picker offers only its people), else the channels of the person's working groups. Slack's
`users_select` posts a user id, which `users.info` confirms is a live person rather than a bot. Anything the channel
cannot confirm is None, so nobody is made owner who could never be told.
"""

from __future__ import annotations

import logging

from aiohttp import ClientError
from botbuilder.core import BotAdapter, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import ErrorResponseException
from msrest.exceptions import ClientRequestError
from slack_sdk.errors import SlackApiError

from adapters.slack.adapter import SlackAdapter
from bot.models import Person
from dialogs.flow import PersonFinder

NAME_MAX = 100
_FAILURES = (ErrorResponseException, ClientRequestError, ClientError, TimeoutError, SlackApiError, ValueError)
log = logging.getLogger("reflect.people")


def finder_of(context: TurnContext) -> PersonFinder | None:
    """How this turn's channel confirms a picked person: Teams by member lookup, Slack by users.info; else not at all."""
    if context.activity.channel_id == "msteams":

        async def teams(picked: str, elsewhere: tuple[str, ...]) -> Person | None:
            return await _teams_member(context, picked, elsewhere)

        return teams
    if isinstance(context.adapter, SlackAdapter):
        adapter = context.adapter

        async def slack(picked: str, _elsewhere: tuple[str, ...]) -> Person | None:
            return await _slack_user(adapter, picked)

        return slack
    return None


def _person(user_id: object, name: object) -> Person | None:
    try:
        return Person(user_id=str(user_id), name=(str(name or "").strip()[:NAME_MAX] or None))
    except ValueError:
        return None


async def _teams_member(context: TurnContext, picked: str, elsewhere: tuple[str, ...]) -> Person | None:
    """The turn's conversation first (TeamsInfo.get_member), then each group channel, through the same connector."""
    try:
        member = await TeamsInfo.get_member(context, picked)
        return _person(member.id, member.name)
    except _FAILURES as error:
        log.info("picked person not in this conversation: %s", type(error).__name__)
    client = context.turn_state.get(BotAdapter.BOT_CONNECTOR_CLIENT_KEY)
    for conversation in elsewhere:
        try:
            member = await client.conversations.get_conversation_member(conversation, picked)
            return _person(member.id, member.name)
        except (*_FAILURES, AttributeError) as error:
            log.info("picked person not in a group channel: %s", type(error).__name__)
    return None


async def _slack_user(adapter: SlackAdapter, picked: str) -> Person | None:
    try:
        user = await adapter.user_info(picked)
    except _FAILURES as error:
        log.info("picked Slack user not confirmed: %s", type(error).__name__)
        return None
    if user.get("deleted") or user.get("is_bot") or user.get("id") != picked:
        return None
    profile = user.get("profile") or {}
    return _person(picked, profile.get("display_name") or user.get("real_name") or profile.get("real_name"))
