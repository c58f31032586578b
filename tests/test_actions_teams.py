"""Actions in Teams over HTTP: made by one tap or by typing, listed open first and done on request, every button,
due dates checked on the server, owners picked with the people picker and told by direct message, and who may
change an action."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from adapters.http import STORE
from adapters.store.memory import MemoryStore
from bot import messages as say
from bot.keys import TeamKey
from bot.models import Action
from tests import group_harness as g
from tests.fakes.connector import FakeConnector
from tests.harness import NOW, RunningBot, Sent, TeamsChat, running_bot
from tests.manual_clock import ManualClock

ALICE_SPACE = TeamKey(g.TENANT, "user:29:alice")
THREAD = f"{g.CHANNEL};messageid=1700000000001"
ROSTER = [{**member, "aadObjectId": f"aad-{member['id'][3:]}"} for member in g.ROSTER]


pytestmark = pytest.mark.usefixtures("no_pacing")


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[RunningBot]:
    members = {g.TEAM: ROSTER, g.CHANNEL: ROSTER, THREAD: ROSTER}
    async with FakeConnector(roster=set(g.PEOPLE), members=members) as connector:
        async with running_bot(tmp_path / "data", clock=ManualClock(NOW), connector=connector, store=MemoryStore()) as running:
            yield running


async def _added(chat: TeamsChat, title: str = "Book the community venue") -> Sent:
    notice, card = await chat.say(f"add action {title}")
    assert notice.text == say.ACTION_ADDED_TYPED.format(title=title, due="7 Dec 2026")
    return card


async def _stored(bot: RunningBot, space: TeamKey = ALICE_SPACE) -> list[Action]:
    return sorted(await bot.app[STORE].find(space, Action), key=lambda action: action.created_at)


def _latest(bot: RunningBot, sent: Sent) -> Sent:
    """A card as last updated in place."""
    updates = [r.body for r in bot.connector.requests if r.kind == "update" and r.path.endswith(f"/{sent.id}")]
    return Sent(sent.id, updates[-1]) if updates else sent


def _walk(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return [node, *(found for key, value in node.items() if key != "data" for found in _walk(value))]
    if isinstance(node, list):
        return [found for item in node for found in _walk(item)]
    return []


def _elements(card: dict[str, Any] | None, kind: str) -> list[dict[str, Any]]:
    return [element for element in _walk(card) if element.get("type") == kind]


def _taps(sent: Sent, title: str) -> list[dict[str, Any]]:
    """The payload of every button with this title, in card order (a list has one Done per action)."""
    return [dict(e["data"]) for e in _elements(sent.card, "Action.Submit") if e["title"] == title]


async def test_typing_add_action_makes_the_persons_own_quick_win_with_a_history(bot: RunningBot) -> None:
    card = await _added(bot.chat())

    (action,) = await _stored(bot)
    assert (action.title, action.owner_id, action.creator_id, action.due, action.horizon, action.status) == (
        "Book the community venue", "29:alice", "29:alice", date(2026, 12, 7), "quick_win", "open",
    )
    assert (action.assessment_id, action.section, action.space) == (None, None, "user:29:alice")
    assert [(entry.by, entry.what) for entry in action.history] == [("29:alice", "created")]
    assert card.title == say.ACTION_TITLE_PLAIN


async def test_my_actions_lists_open_ones_first_and_done_ones_on_request_so_they_can_be_reopened(bot: RunningBot) -> None:
    chat = bot.chat()
    await _added(chat, "First")
    await _added(chat, "Second")
    (listed,) = await chat.say("actions")
    await chat.submit(_taps(listed, say.ITEM_BUTTONS["done"])[0], reply_to_id=listed.id)

    (still_open,) = await chat.say("actions")
    (done_list,) = await chat.tap(still_open, say.SHOW_DONE)
    _notice, = await chat.tap(done_list, say.ITEM_BUTTONS["reopen"])

    assert "First" not in still_open.texts() and "Second" in still_open.texts()
    assert done_list.title == say.MY_DONE_TITLE and "First" in done_list.texts()
    assert [a.status for a in await _stored(bot)] == ["open", "open"]


async def test_every_list_button_changes_the_action_and_a_redelivered_tap_changes_nothing_twice(bot: RunningBot) -> None:
    chat = bot.chat()
    await _added(chat)
    (listed,) = await chat.say("actions")
    buttons = listed.submits()

    started = await chat.tap(listed, say.ITEM_BUTTONS["in_progress"])
    snoozed = await chat.tap(listed, say.ITEM_BUTTONS["later_7"])
    again = await chat.post(chat.tapping(listed, say.ITEM_BUTTONS["later_7"]))
    (action,) = await _stored(bot)
    assert say.ACTION_STARTED in started[0].said() and say.ACTION_UPDATED in snoozed[0].said()
    assert started[0].updated and snoozed[0].updated and again[0].text == say.ALREADY_DONE
    assert (action.status, action.due) == ("in_progress", date(2026, 12, 14))

    (due_card,) = await chat.tap(listed, say.ITEM_BUTTONS["due"])
    (owner_card,) = await chat.tap(listed, say.ITEM_BUTTONS["owner"])
    (dropped,) = await chat.tap(listed, say.ITEM_BUTTONS["drop"])
    assert due_card.title == say.DUE_TITLE.format(title="Book the community venue")
    assert owner_card.title == say.OWNER_TITLE.format(title="Book the community venue")
    assert dropped.updated and say.ACTION_DROPPED in dropped.said()
    assert [a.status for a in await _stored(bot)] == ["dropped"]
    assert set(buttons) >= {"Done", "Started", "Snooze", "Due date", "Reassign", "Drop", "Edit 1"}
    assert [e.what for e in (await _stored(bot))[0].history] == ["created", "status", "due", "status"]


async def test_a_due_date_is_checked_on_the_server_and_said_back_in_words(bot: RunningBot) -> None:
    chat = bot.chat()
    card = await _added(chat)
    (due,) = await chat.tap(card, say.CHANGE_DUE)
    (picker,) = _elements(due.card, "Input.Date")

    (past,) = await chat.tap(due, say.DUE_SET, date="2026-11-22")
    (empty,) = await chat.tap(due, say.DUE_SET)
    assert (await _stored(bot))[0].due == date(2026, 12, 7)
    (chosen,) = await chat.tap(due, say.DUE_SET, date="2026-12-24")
    (month_end,) = await chat.tap(due, say.DUE_PICKS["month_end"])

    assert (picker["id"], picker["min"], picker["value"], picker["isRequired"]) == ("date", "2026-11-23", "2026-12-07", True)
    assert past.text == say.DUE_PAST.format(day="Sunday 22 November 2026", due="Monday 7 December 2026")
    assert empty.text == say.DUE_MISSING.format(due="Monday 7 December 2026")
    assert chosen.updated and say.DUE_CHANGED.format(day="Thursday 24 December 2026") in chosen.said()
    assert month_end.updated and say.DUE_CHANGED.format(day="Monday 30 November 2026") in month_end.said()
    assert (await _stored(bot))[0].due == date(2026, 11, 30)
    shown = _latest(bot, due).texts()
    assert "23 Nov 2026: due date set to 30 Nov 2026, by the owner" in shown


async def test_an_owner_who_never_used_the_bot_is_picked_told_once_and_can_act_from_the_message(bot: RunningBot) -> None:
    await g.command(g.in_channel(bot, "29:alice"), "link this channel")
    alice = bot.chat()
    card = await _added(alice)
    (owner,) = await alice.tap(card, say.REASSIGN)
    (people,) = _elements(owner.card, "Input.ChoiceSet")

    tap = alice.tapping(owner, say.OWNER_SET, person="aad-bob")
    (assigned,) = await alice.post(tap)
    (again,) = await alice.post({**tap, "id": "redelivered-with-a-new-id"})
    await g.settle(bot)
    await g.settle(bot)

    assert people["choices.data"] == {"type": "Data.Query", "dataset": "graph.microsoft.com/users"}
    assert (people["id"], people["choices"], people["isRequired"]) == ("person", [{"title": "Me", "value": "29:alice"}], True)
    assert say.OWNER_CHANGED.format(owner="Bob") in assigned.said() and again.text == say.ALREADY_DONE
    (action,) = await _stored(bot)
    assert (action.owner_id, action.owner_name, action.creator_id) == ("29:bob", "Bob", "29:alice")
    (told,) = g.sent_in_direct(bot, "29:bob")
    assert told.title == say.ASSIGNED_TITLE
    assert say.ASSIGNED_LINE.format(by="Person 29:alice", title="Book the community venue") in told.texts()
    bob = bot.chat(user="29:bob", conversation=told.body["conversation"]["id"])
    (started,) = await bob.say("started")
    (done,) = await bob.tap(told, say.ITEM_BUTTONS["done"])
    (listed,) = await bob.say("actions")
    (done_list,) = await bob.tap(listed, say.SHOW_DONE)
    assert started.text == say.ACTION_STARTED
    assert done.updated and say.ACTION_DONE in done.said() and [a.status for a in await _stored(bot)] == ["done"]
    assert "Book the community venue" in done_list.texts()


async def test_in_a_channel_the_picker_offers_the_channels_people_and_finds_them_there(bot: RunningBot) -> None:
    alice = g.in_channel(bot, "29:alice")
    await g.command(alice, "link this channel")
    _notice, card = await g.command(alice, "add action Draft the survey")
    (owner,) = await alice.tap(card, say.REASSIGN)
    (people,) = _elements(owner.card, "Input.ChoiceSet")

    (assigned,) = await alice.tap(owner, say.OWNER_SET, person="aad-cy")
    await g.settle(bot)

    assert people["choices.data"]["dataset"] == "graph.microsoft.com/users?scope=currentContext"
    assert say.OWNER_CHANGED.format(owner="Cy") in assigned.said()
    (action,) = await _stored(bot, g.SPACE)
    assert (action.owner_id, action.space) == ("29:cy", g.TEAM)
    assert len(g.sent_in_direct(bot, "29:cy")) == 1


async def test_a_lead_takes_an_action_over_by_choosing_themselves(bot: RunningBot) -> None:
    lead = g.in_channel(bot, "29:alice")
    await g.command(lead, "link this channel")
    await g.command(lead, "add", "29:bob")
    _notice, card = await g.command(g.in_channel(bot, "29:bob"), "add action Ask the forum")
    (owner,) = await lead.tap(card, say.REASSIGN)

    (taken,) = await lead.tap(owner, say.OWNER_SET, person="29:alice")
    await g.settle(bot)

    (action,) = await _stored(bot, g.SPACE)
    assert say.OWNER_CHANGED.format(owner="Alice") in taken.said()
    assert (action.owner_id, action.creator_id) == ("29:alice", "29:bob")
    assert not g.sent_in_direct(bot, "29:alice")


async def test_someone_the_bot_cannot_reach_is_not_made_owner(bot: RunningBot) -> None:
    alice = bot.chat()
    card = await _added(alice)
    (owner,) = await alice.tap(card, say.REASSIGN)

    (refused,) = await alice.tap(owner, say.OWNER_SET, person="aad-stranger")
    (empty,) = await alice.tap(owner, say.OWNER_SET)

    assert refused.text == say.OWNER_NOT_FOUND.format(owner="Person 29:alice")
    assert empty.text == say.OWNER_MISSING.format(owner="Person 29:alice")
    assert [a.owner_id for a in await _stored(bot)] == ["29:alice"]
    assert not [job for job in await bot.app[STORE].due_jobs(NOW) if job.kind == "action_assigned"]


async def test_only_the_owner_the_creator_or_a_lead_may_change_an_action(bot: RunningBot) -> None:
    lead = g.in_channel(bot, "29:alice")
    await g.command(lead, "link this channel")
    await g.command(lead, "add", "29:bob", "29:cy")
    _notice, card = await g.command(g.in_channel(bot, "29:bob"), "add action Ask the forum")
    done = card.submits()["Mark done"]

    (refused,) = await g.in_channel(bot, "29:cy").submit({**done, "n": "cyTriesToFinish1"})
    (cy_list,) = await g.command(g.in_channel(bot, "29:cy"), "team actions")
    assert refused.text == say.ACTION_NOT_ALLOWED
    assert [a.status for a in await _stored(bot, g.SPACE)] == ["open"]
    (by_lead,) = await lead.submit({**done, "n": "leadFinishesIt01"})
    (reopened,) = await bot.chat(user="29:bob").submit({**card.submits()["Mark done"], "change": "reopen"})

    assert by_lead.text == say.ACTION_DONE and reopened.text == say.ACTION_REOPENED
    assert cy_list.title == say.TEAM_ACTIONS_TITLE.format(name=say.DEFAULT_GROUP_NAME)
    assert "Done" not in cy_list.submits()
    assert [a.status for a in await _stored(bot, g.SPACE)] == ["open"]
    assert [(e.by, e.status) for e in (await _stored(bot, g.SPACE))[0].history[1:]] == [
        ("29:alice", "done"), ("29:bob", "open"),
    ]


async def test_a_card_from_before_actions_named_their_space_still_works(bot: RunningBot) -> None:
    chat = bot.chat()
    await _added(chat)
    (action,) = await _stored(bot)

    (done,) = await chat.submit({"intent": "edit_action", "action": action.id, "change": "done", "v": 1})
    (opened,) = await chat.submit({"intent": "action", "action": action.id, "v": 1})

    assert done.text == say.ACTION_DONE and opened.title == say.ACTION_TITLE_PLAIN
    assert [a.status for a in await _stored(bot)] == ["done"]


async def test_the_new_owner_is_told_in_working_hours_only(tmp_path: Path) -> None:
    evening = ManualClock(NOW.replace(hour=21))
    async with FakeConnector(roster=set(g.PEOPLE), members={g.CHANNEL: ROSTER}) as connector:
        async with running_bot(tmp_path / "d", clock=evening, connector=connector, store=MemoryStore()) as bot:
            await g.command(g.in_channel(bot, "29:alice"), "link this channel")
            alice = bot.chat()
            card = await _added(alice)
            (owner,) = await alice.tap(card, say.REASSIGN)
            await alice.tap(owner, say.OWNER_SET, person="aad-bob")
            outcomes = await g.settle(bot)
            (job,) = [j for j in await bot.app[STORE].due_jobs(NOW.replace(year=2030)) if j.kind == "action_assigned"]

            assert outcomes == ["deferred"] and not g.sent_in_direct(bot, "29:bob")
            assert job.status == "pending" and job.due_at == NOW.replace(day=24, hour=8, minute=0)


async def test_my_actions_in_a_groups_channel_include_my_own_and_team_actions_list_the_groups(bot: RunningBot) -> None:
    alice = g.in_channel(bot, "29:alice")
    await g.command(alice, "link this channel")
    await _added(bot.chat(), "Mine alone")
    await g.command(alice, "add action For the group")

    (mine,) = await g.command(alice, "actions")
    (team,) = await alice.tap(mine, say.TEAM_ACTIONS)

    assert {"Mine alone", "For the group"} <= set(mine.texts())
    assert "For the group" in team.texts() and "Mine alone" not in team.texts()
    assert team.title == say.TEAM_ACTIONS_TITLE.format(name=say.DEFAULT_GROUP_NAME)


async def test_a_long_list_shows_six_actions_soonest_due_first_and_says_how_many_there_are(bot: RunningBot) -> None:
    chat = bot.chat()
    for number in range(8):
        await _added(chat, f"Action {number}")
    (before,) = await chat.say("actions")
    (first,) = await chat.tap(before, "Edit 1")
    await chat.tap(first, say.ACTION_CHANGES["later_28"])

    (after,) = await chat.say("actions")

    assert say.MORE_ACTIONS.format(shown=6, total=8) in after.texts()
    assert len(_taps(after, say.ITEM_BUTTONS["done"])) == 6
    assert "Action 0" in before.texts() and "Action 6" not in before.texts()
    assert "Action 0" not in after.texts() and "Action 6" in after.texts()


async def test_an_owner_who_cannot_be_reached_is_shown_so_to_whoever_gave_the_action(tmp_path: Path) -> None:
    without_bob = set(g.PEOPLE) - {"29:bob"}
    async with FakeConnector(roster=without_bob, members={g.CHANNEL: ROSTER}) as connector:
        async with running_bot(tmp_path / "d", clock=ManualClock(NOW), connector=connector, store=MemoryStore()) as bot:
            await g.command(g.in_channel(bot, "29:alice"), "link this channel")
            alice = bot.chat()
            card = await _added(alice)
            (owner,) = await alice.tap(card, say.REASSIGN)
            await alice.tap(owner, say.OWNER_SET, person="aad-bob")
            outcomes = await g.settle(bot)
            (action,) = await _stored(bot)
            (opened,) = await alice.submit({"intent": "action", "action": action.id, "space": "user:29:alice", "v": 1})

    assert outcomes == ["unreachable"]
    assert f"{say.ACTION_FACTS_MORE['owner']}: Bob{say.OWNER_UNREACHABLE}" in opened.texts()
