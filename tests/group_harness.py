"""Working groups over HTTP, as Teams sends them: a team's channel, people's own chats, and the scheduler's sends."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from adapters.http import SCHEDULER, STORE
from adapters.scheduler import PLATFORM_LIMITS, Limits
from bot.jobs import Outcome
from bot.keys import AssessmentKey, TeamKey, TenantKey
from bot.models import Response, Team
from tests import builders
from tests.harness import RunningBot, Sent, TeamsChat
from tests.slack_harness import RunningSlackBot

TENANT = TenantKey("teams", "tenant-a")
TEAM = "19:team-forum@thread.tacv2"
CHANNEL = "19:forum@thread.tacv2"
SPACE = TeamKey(TENANT, TEAM)
PEOPLE = {"29:alice": "Alice", "29:bob": "Bob", "29:cy": "Cy", "29:dee": "Dee", "29:eve": "Eve"}
ROSTER = [{"id": user_id, "name": name} for user_id, name in PEOPLE.items()] + [{"id": builders.BOT_ID, "name": "Reflect"}]


def in_channel(bot: RunningBot, user: str, *, team: str = TEAM, channel: str = CHANNEL) -> TeamsChat:
    """A person writing in a thread of the group's channel."""
    return bot.chat(user=user, conversation=f"{channel};messageid=1700000000001", conversation_type="channel", team=team)


async def command(chat: TeamsChat, text: str, *mentioned: str) -> list[Sent]:
    """`@Reflect <text> @person …` in a channel, with the mention entities Teams attaches."""
    tags = " ".join(f"<at>{PEOPLE[user]}</at>" for user in mentioned)
    entities = [builders.mention(), *(builders.person_mention(user, PEOPLE[user]) for user in mentioned)]
    return await chat.say(f"<at>Reflect</at> {text} {tags}".strip(), entities=entities)


async def settle(bot: RunningBot | RunningSlackBot) -> list[Outcome]:
    """Run the scheduler until nothing more is due now: a digest's thread and lists follow one another."""
    outcomes: list[Outcome] = []
    while ran := await bot.app[SCHEDULER].run_now():
        outcomes.extend(ran)
    return outcomes


def unpaced(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lift the platforms' rate limits for a test about what is said, not how fast (tests/test_scheduler.py paces).

    The pacer reads the app's clock, which a test holds still, so it would otherwise wait in real time for slots
    it thinks are still to come.
    """
    for platform in ("teams", "slack"):
        monkeypatch.setitem(PLATFORM_LIMITS, platform, Limits(per_conversation=1e6))


async def group(bot: RunningBot, space: TeamKey = SPACE) -> Team:
    team = await bot.app[STORE].get(space, Team, space.team_id)
    assert team is not None
    return team


async def answers(bot: RunningBot, space: TeamKey = SPACE) -> list[Response]:
    team = await group(bot, space)
    assert team.assessment_id is not None
    return await bot.app[STORE].responses(AssessmentKey(space, team.assessment_id))


def texts(body: dict[str, Any]) -> list[str]:
    """Every TextBlock and fact of a card activity, in reading order."""
    return Sent("", body).texts()


def posted(bot: RunningBot, conversation: str) -> list[Sent]:
    """Every activity the bot posted (not updated) in a conversation, with the id the connector gave it."""
    return [
        Sent(request.reply["id"], request.body)
        for request in bot.connector.requests
        if request.kind == "send" and request.status == 200 and request.body["conversation"]["id"] == conversation
    ]


async def set_up(bot: RunningBot, members: Iterable[str] = ("29:bob", "29:cy", "29:dee")) -> TeamsChat:
    """Alice links the channel, adds members and starts the group's assessment; returns her channel chat."""
    alice = in_channel(bot, "29:alice")
    await command(alice, "link this channel")
    await command(alice, "add", *members)
    await command(alice, "start group assessment")
    (focus,) = await command(alice, "Community voice")
    (footprint,) = await alice.tap(focus, "Strategic")
    (stance,) = await alice.tap(footprint, "Place")
    await alice.tap(stance, "Looking back at past work")
    return alice


def sent_in_direct(bot: RunningBot, user: str) -> list[Sent]:
    """What the scheduler sent a person in the 1:1 conversation it opened with them."""
    opened = [
        request.reply["id"]
        for request in bot.connector.requests
        if request.kind == "create" and request.status == 200 and request.body["members"] == [{"id": user}]
    ]
    return [sent for conversation in opened for sent in posted(bot, conversation)]
