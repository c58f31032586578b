"""Quick-win check-ins over HTTP as Teams sends them: a group whose members hold quick wins, and their direct chats.

Monday 23 November 2026, 09:30 in London (UTC in winter). Bob has two open quick wins, Cy one, Dee and Alice (the
lead) none, all in the group's partition. The default deadline is the end of the second working day after today,
Wednesday 25 November at 20:00 (quiet hours start); halfway through the working time in between (10.5 h on Monday,
12 h on Tuesday and Wednesday: 34.5 h) is Tuesday at 14:45.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from adapters.http import STORE
from bot import messages as say
from bot.models import Action
from tests import group_harness as g
from tests.harness import RunningBot, Sent, TeamsChat

MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
DEADLINE = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)
HALFWAY = datetime(2026, 11, 24, 14, 45, tzinfo=UTC)
WINS = {
    "act-bob-1": ("29:bob", "Share the survey with the carers' forum", "1a", date(2026, 11, 30)),
    "act-bob-2": ("29:bob", "Book the library room", "4a", date(2026, 12, 4)),
    "act-cy-1": ("29:cy", "Ask the PCN for the list", "1b", date(2026, 12, 1)),
}


async def with_quick_wins(bot: RunningBot) -> TeamsChat:
    """Alice's group (Bob, Cy, Dee) with its assessment, and the quick wins above; returns Alice's channel chat."""
    alice = await g.set_up(bot)
    team = await g.group(bot)
    assert team.assessment_id is not None
    for action_id, (owner, title, section, due) in WINS.items():
        await bot.app[STORE].put(g.SPACE, Action(
            id=action_id, assessment_id=team.assessment_id, section=section, title=title, owner_id=owner, due=due,
            created_at=MONDAY, updated_at=MONDAY,
        ))
    return alice


async def start(bot: RunningBot, alice: TeamsChat, command: str = "check-in", button: str = "Start · light nudges") -> Sent:
    """Alice types the command in the channel and starts the check-in from its preview; returns the preview."""
    (preview,) = await g.command(alice, command)
    await alice.tap(preview, button)
    return preview


def direct(bot: RunningBot, user: str) -> str:
    """The 1:1 conversation the bot opened with a person."""
    (opened,) = [
        request.reply["id"] for request in bot.connector.requests
        if request.kind == "create" and request.status == 200 and request.body["members"] == [{"id": user}]
    ]
    return str(opened)


def cards_to(bot: RunningBot, user: str) -> list[Sent]:
    """Check-in cards the scheduler posted in a person's direct chat (not updates), oldest first."""
    title = say.CHECKIN_ASK_TITLE.format(name=say.DEFAULT_GROUP_NAME)
    return [sent for sent in g.sent_in_direct(bot, user) if sent.title == title]


def member(bot: RunningBot, user: str) -> TeamsChat:
    """A member writing (or tapping) in their direct chat with the bot."""
    return bot.chat(user=user, conversation=direct(bot, user))


def updates_of(bot: RunningBot, activity_id: str) -> list[Sent]:
    """Every in-place update of one sent activity, oldest first."""
    return [
        Sent(activity_id, request.body) for request in bot.connector.requests
        if request.kind == "update" and request.status == 200 and request.path.endswith(f"/{activity_id}")
    ]
