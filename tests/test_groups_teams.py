"""Working groups in Teams over HTTP: linking a channel, members and leads, and a shared assessment rated in private.

On the memory store, which the contract suite holds to TinyDB's behaviour; tests/test_groups_digest.py runs on TinyDB.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.store.memory import MemoryStore
from adapters.http import STORE
from bot import messages as say
from bot.keys import TeamKey
from bot.models import Response
from tests import group_harness as g
from tests.fakes.connector import FakeConnector
from tests.harness import NOW, RunningBot, running_bot
from tests.manual_clock import ManualClock


pytestmark = pytest.mark.usefixtures("no_pacing")


@pytest.fixture
async def bot(tmp_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    async with FakeConnector(roster=set(g.PEOPLE), members={g.TEAM: g.ROSTER}, page_limit=2) as connector:
        async with running_bot(tmp_path / "data", clock=clock, connector=connector, store=MemoryStore()) as running:
            yield running


async def test_the_first_to_link_a_channel_leads_it_and_adds_members_by_mention(bot: RunningBot) -> None:
    alice = g.in_channel(bot, "29:alice")
    (linked,) = await g.command(alice, "link this channel")
    (added,) = await g.command(alice, "add", "29:bob", "29:cy")

    team = await g.group(bot)
    assert linked.text == say.LINKED.format(name=say.DEFAULT_GROUP_NAME)
    assert added.text == say.ADDED.format(count=2, name=team.name)
    assert [(m.user_id, m.role, m.name) for m in team.members] == [
        ("29:alice", "lead", "Person 29:alice"), ("29:bob", "member", "Bob"), ("29:cy", "member", "Cy"),
    ]
    assert team.channel_conversation_id == g.CHANNEL
    assert await bot.app[STORE].teams_of(g.TENANT, "29:bob") == [(g.SPACE, "member")]


async def test_add_everyone_reads_the_whole_paged_roster_and_leaves_the_bot_out(bot: RunningBot) -> None:
    alice = g.in_channel(bot, "29:alice")
    await g.command(alice, "link this channel")
    await g.command(alice, "add everyone")

    pages = [r for r in bot.connector.requests if r.path.endswith("/pagedmembers")]
    assert len(pages) == 3
    assert [m.user_id for m in (await g.group(bot)).members] == list(g.PEOPLE)


async def test_add_lead_promotes_and_a_lead_cannot_be_added_down_to_member(bot: RunningBot) -> None:
    alice = g.in_channel(bot, "29:alice")
    await g.command(alice, "link this channel")
    await g.command(alice, "add", "29:bob")
    await g.command(alice, "add lead", "29:bob")
    await g.command(alice, "add", "29:bob")

    assert [(m.user_id, m.role) for m in (await g.group(bot)).members] == [("29:alice", "lead"), ("29:bob", "lead")]


@pytest.mark.parametrize(
    ("text", "mentioned"),
    [("add", ("29:cy",)), ("remove", ("29:alice",)), ("digest friday 14:00", ()), ("participation", ()),
     ("close cycle", ()), ("rename group Ours", ()), ("start group assessment", ())],
)
async def test_only_leads_manage_the_group_and_anyone_else_is_refused_with_nothing_changed(
    bot: RunningBot, text: str, mentioned: tuple[str, ...]
) -> None:
    await g.set_up(bot, members=("29:bob",))
    before = await g.group(bot)

    (refusal,) = await g.command(g.in_channel(bot, "29:bob"), text, *mentioned)

    assert refusal.text == say.LEADS_ONLY
    assert await g.group(bot) == before


async def test_someone_outside_the_group_cannot_relink_its_channel(bot: RunningBot) -> None:
    await g.command(g.in_channel(bot, "29:alice"), "link this channel")

    (refusal,) = await g.command(g.in_channel(bot, "29:eve"), "link this channel")

    assert refusal.text == say.LEADS_ONLY
    assert [m.user_id for m in (await g.group(bot)).members] == ["29:alice"]


async def test_members_are_invited_in_their_own_chat_and_their_answers_live_in_the_group(bot: RunningBot) -> None:
    await g.set_up(bot)
    outcomes = await g.settle(bot)
    (invite,) = g.sent_in_direct(bot, "29:bob")

    (phases,) = await bot.chat(user="29:bob").tap(invite, "Rate sections")
    (section,) = await bot.chat(user="29:bob").tap(phases, "Check · 0/4")
    await bot.chat(user="29:bob").tap(section, "Developing")
    (group_card,) = await bot.chat(user="29:bob").tap(invite, f"Open {say.DEFAULT_GROUP_NAME}")
    (mine,) = await bot.chat(user="29:bob").tap(group_card, say.MY_ANSWERS)

    assert sorted(outcomes) == ["sent", "sent", "sent"]
    assert mine.texts()[2:4] == ["1 of 22 sections answered.", "1a Identifying stakeholders: Developing"]
    assert invite.title == say.INVITE_TITLE.format(name=say.DEFAULT_GROUP_NAME)
    (answer,) = await g.answers(bot)
    assert (answer.author_id, answer.section, answer.rating) == ("29:bob", "1a", 2)
    bob_space = TeamKey(g.TENANT, "user:29:bob")
    assert await bot.app[STORE].find(bob_space, Response) == []


async def test_a_card_naming_the_group_is_refused_for_a_non_member_and_for_a_removed_member(bot: RunningBot) -> None:
    alice = await g.set_up(bot)
    await g.settle(bot)
    (invite,) = g.sent_in_direct(bot, "29:bob")
    (phases,) = await bot.chat(user="29:bob").tap(invite, "Rate sections")
    (section,) = await bot.chat(user="29:bob").tap(phases, "Check · 0/4")
    await bot.chat(user="29:bob").tap(section, "Emerging")

    (outsider,) = await bot.chat(user="29:eve").tap(section, "Thriving")
    await g.command(alice, "remove", "29:bob")
    (removed,) = await bot.chat(user="29:bob").tap(section, "Thriving")

    assert outsider.text == removed.text == say.NOT_A_MEMBER
    (kept,) = await g.answers(bot)
    assert (kept.author_id, kept.rating) == ("29:bob", 1)
    team = await g.group(bot)
    assert [m.user_id for m in team.former] == ["29:bob"] and team.former[0].left_at == NOW


async def test_a_member_who_leaves_keeps_their_answers_and_the_only_lead_cannot_leave(bot: RunningBot) -> None:
    alice = await g.set_up(bot, members=("29:bob",))
    (lead_leaving,) = await g.command(alice, "leave")
    (bob_leaving,) = await g.command(g.in_channel(bot, "29:bob"), "leave")

    team = await g.group(bot)
    assert lead_leaving.text == say.LAST_LEAD
    assert bob_leaving.text == say.LEFT.format(name=team.name)
    assert [m.user_id for m in team.members] == ["29:alice"] and [m.user_id for m in team.former] == ["29:bob"]
    assert await bot.app[STORE].teams_of(g.TENANT, "29:bob") == []


async def test_a_member_joining_late_is_invited_to_catch_up(bot: RunningBot) -> None:
    alice = await g.set_up(bot, members=("29:bob",))
    await g.settle(bot)
    await g.command(alice, "add", "29:eve")
    await g.settle(bot)

    (invite,) = g.sent_in_direct(bot, "29:eve")
    assert say.INVITE_CATCH_UP in invite.texts()


async def test_group_and_groups_in_a_personal_chat_list_every_group_and_open_one(bot: RunningBot) -> None:
    await g.set_up(bot, members=("29:bob",))
    bob = bot.chat(user="29:bob")

    (listed,) = await bob.say("groups")
    (card,) = await bob.tap(listed, f"Open {say.DEFAULT_GROUP_NAME}")

    assert card.title == say.DEFAULT_GROUP_NAME
    assert say.GROUP_ROLE["member"] in card.texts()
    assert list(card.submits()) == [say.RATE_MINE, say.MY_ANSWERS, say.LEAVE_GROUP]


async def test_a_lead_sees_completion_per_member_and_phase_with_last_activity_and_who_can_be_reached(tmp_path: Path) -> None:
    roster = set(g.PEOPLE) - {"29:cy"}
    async with FakeConnector(roster=roster) as connector, running_bot(tmp_path / "data", connector=connector, store=MemoryStore()) as bot:
        alice = await g.set_up(bot, members=("29:bob", "29:cy"))
        await g.settle(bot)
        bob = bot.chat(user="29:bob")
        (phases,) = await bob.tap(g.sent_in_direct(bot, "29:bob")[0], "Rate sections")
        (section,) = await bob.tap(phases, "Check · 0/4")
        await bob.tap(section, "Maturing")
        (view,) = await g.command(alice, "participation")

    assert view.texts()[1] == "1 of 3 members have answered something. Least answered first."
    assert view.texts()[2] == "Check: 0 of 3 complete"
    assert view.texts()[-3:] == [
        "0 of 22 sections: Person 29:alice · Phases done: none · last active never · not yet messaged",
        "0 of 22 sections: Cy · Phases done: none · last active never · not reachable",
        "1 of 22 sections: Bob · Phases done: none · last active 23 Nov 2026 · reachable",
    ]


async def test_leads_set_the_groups_zone_nation_quiet_hours_and_minimum_and_members_cannot(bot: RunningBot) -> None:
    alice = await g.set_up(bot, members=("29:bob",))
    replies = [
        (await g.command(alice, text))[0].text
        for text in ("set zone Europe/Paris", "set nation scotland", "set quiet 19:00-07:30", "set minimum 2", "set zone Mars/Base")
    ]
    (refused,) = await g.command(g.in_channel(bot, "29:bob"), "set minimum 5")

    team = await g.group(bot)
    assert (team.time_zone, team.nation, f"{team.quiet_hours.start:%H:%M}-{team.quiet_hours.end:%H:%M}", team.min_answers) == (
        "Europe/Paris", "scotland", "19:00-07:30", 2,
    )
    assert replies[0] == say.SETTING_CHANGED.format(what="the time zone", value="Europe/Paris", name=team.name)
    assert replies[-1] == say.SETTINGS_HOW and refused.text == say.LEADS_ONLY
    job = await bot.app[STORE].get_job(g.SPACE, "digest:2026-11-30:0-0900-Europe/Paris")
    assert job is not None and job.due_at == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
