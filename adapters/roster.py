"""Everyone in the conversation a turn came from, read through the channel's own API while the turn is running.

Teams needs a turn context for `TeamsInfo` (platform facts: paged members, the unpaged call being unreliable in large
teams), so the roster is read here, at the edge, and handed to the dialogs as plain people. The bot is never listed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from aiohttp import ClientError
from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import ErrorResponseException
from msrest.exceptions import ClientRequestError
from slack_sdk.errors import SlackApiError

from adapters.slack.adapter import SlackAdapter
from bot import messages as say
from bot.errors import Refusal
from bot.models import Person
from dialogs.flow import Roster

TEAMS_PAGE = 500
log = logging.getLogger("reflect.roster")


def roster_of(context: TurnContext) -> Roster | None:
    """How to read this turn's conversation members: a Teams team's or chat's, or a Slack channel's; None elsewhere."""
    if context.activity.channel_id == "msteams":
        return lambda: _read(_teams(context))
    if isinstance(context.adapter, SlackAdapter):
        adapter, channel = context.adapter, context.activity.conversation.id
        return lambda: _read(_slack(adapter, channel))
    return None


async def _read(members: Awaitable[list[Person]]) -> list[Person]:
    """A channel API that fails is a polite refusal (nobody added), never a failed turn; the error code is logged."""
    try:
        return await members
    except (ErrorResponseException, ClientRequestError, SlackApiError, ClientError, TimeoutError) as error:
        log.warning("roster not read: %s", type(error).__name__)
        raise Refusal(say.ROSTER_UNAVAILABLE) from None


async def _teams(context: TurnContext) -> list[Person]:
    bot = context.activity.recipient.id
    people: list[Person] = []
    token: str | None = None
    while True:
        page = await TeamsInfo.get_paged_members(context, token, TEAMS_PAGE)
        people.extend(Person(user_id=m.id, name=(m.name or "")[:100] or None) for m in page.members or [] if m.id != bot)
        token = page.continuation_token
        if not token:
            return people


async def _slack(adapter: SlackAdapter, channel: str) -> list[Person]:
    return [Person(user_id=member) for member in await adapter.channel_members(channel)]
