"""Working groups in Slack over HTTP: a channel linked by @mention, members by mention and by the channel's paged
member list, private rating in DMs, and the digest as a headline with its thread, updated in place.

On the memory store, which the contract suite holds to TinyDB's behaviour.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.store.memory import MemoryStore
from adapters.http import STORE
from bot import messages as say
from bot.keys import AssessmentKey, TeamKey, TenantKey
from bot.models import Response, Team
from tests.group_harness import settle
from tests.manual_clock import ManualClock
from tests.slack_harness import Posted, RunningSlackBot, SlackUser, posted, running_slack_bot

FORUM, CARERS = "C0FORUM", "C0CARERS"
WORKSPACE = TenantKey("slack", "T0001")
SPACE = TeamKey(WORKSPACE, FORUM)
MEMBERS = {FORUM: ["U0001", "U0002", "U0003", "U0004", "UREFLECTBOT"], CARERS: ["U0002", "U0005"]}


pytestmark = pytest.mark.usefixtures("no_pacing")


@pytest.fixture
async def bot(tmp_path: Path, clock: ManualClock) -> AsyncIterator[RunningSlackBot]:
    async with running_slack_bot(tmp_path / "data", clock=clock, members=MEMBERS, store=MemoryStore()) as running:
        yield running


async def _group(bot: RunningSlackBot, space: TeamKey = SPACE) -> Team:
    team = await bot.app[STORE].get(space, Team, space.team_id)
    assert team is not None
    return team


async def _set_up(bot: RunningSlackBot, channel: str = FORUM, lead: str = "U0001") -> SlackUser:
    """The lead links the channel, adds everyone in it, and starts the group's assessment from the channel."""
    me = bot.user(user=lead)
    await me.mention(channel, "link this channel")
    await me.mention(channel, "add everyone")
    await me.mention(channel, "start group assessment")
    (focus,) = await me.mention(channel, "Community voice")
    (footprint,) = await me.tap(focus, "Strategic")
    (stance,) = await me.tap(footprint, "Place")
    await me.tap(stance, "Looking back at past work")
    return me


def _in_dm(bot: RunningSlackBot, user: str) -> list[Posted]:
    return [message for message in posted(bot) if message.channel == f"D{user}"]


async def _rate(bot: RunningSlackBot, user: str, label: str, group: str = say.DEFAULT_GROUP_NAME) -> None:
    me = bot.user(user=user)
    invite = next(message for message in _in_dm(bot, user) if message.title == say.INVITE_TITLE.format(name=group))
    (phases,) = await me.tap(invite, "Rate sections")
    (section,) = await me.tap(phases, "Check · 0/4")
    await me.tap(section, label)


async def test_a_lead_links_a_channel_and_adds_everyone_from_its_paged_member_list(bot: RunningSlackBot) -> None:
    me = bot.user(user="U0001")
    (linked,) = await me.mention(FORUM, "link this channel")
    await me.mention(FORUM, "add <@U0002> <@U0003|cy>")
    before_everyone = [m.user_id for m in (await _group(bot)).members]
    await me.mention(FORUM, "add everyone")

    assert linked.texts() == [say.LINKED.format(name=say.DEFAULT_GROUP_NAME)]
    assert before_everyone == ["U0001", "U0002", "U0003"]
    assert [m.user_id for m in (await _group(bot)).members] == ["U0001", "U0002", "U0003", "U0004"]
    assert len(bot.api.calls("conversations.members")) == 3
    assert await bot.app[STORE].teams_of(WORKSPACE, "U0004") == [(SPACE, "member")]


async def test_a_member_is_refused_a_leads_command_in_slack_too(bot: RunningSlackBot) -> None:
    await _set_up(bot)

    (refusal,) = await bot.user(user="U0002").mention(FORUM, "remove <@U0001>")

    assert refusal.texts() == [say.LEADS_ONLY]
    assert [m.user_id for m in (await _group(bot)).members][0] == "U0001"


async def test_members_rate_in_their_dms_and_the_answers_land_in_the_channels_group(
    bot: RunningSlackBot, clock: ManualClock
) -> None:
    await _set_up(bot)
    outcomes = await settle(bot)
    await _rate(bot, "U0002", "Maturing")

    assert outcomes == ["sent", "sent", "sent"]
    assert {call["users"] for call in bot.api.calls("conversations.open")} == {"U0002", "U0003", "U0004"}
    team = await _group(bot)
    (answer,) = await bot.app[STORE].responses(AssessmentKey(SPACE, team.assessment_id or ""))
    assert (answer.author_id, answer.section, answer.rating) == ("U0002", "1a", 3)
    assert await bot.app[STORE].find(TeamKey(WORKSPACE, "user:U0002"), Response) == []


async def test_a_member_of_two_slack_groups_sees_each_only_in_its_own_channel(
    bot: RunningSlackBot, clock: ManualClock
) -> None:
    await _set_up(bot)
    await _set_up(bot, CARERS, lead="U0005")
    await bot.user(user="U0005").mention(CARERS, "rename group Carers")
    await settle(bot)
    await _rate(bot, "U0002", "Thriving")
    (forum,) = await bot.user(user="U0001").mention(FORUM, "status")
    (carers,) = await bot.user(user="U0005").mention(CARERS, "status")

    assert "Community voice, cycle 1 · 1 of 4 members have answered." in forum.texts()
    assert "Community voice, cycle 1 · 0 of 2 members have answered." in carers.texts()


async def test_the_digest_posts_a_headline_with_a_threaded_detail_and_updates_it_in_place(
    bot: RunningSlackBot, clock: ManualClock
) -> None:
    me = await _set_up(bot)
    await settle(bot)
    for user in ("U0002", "U0003"):
        await _rate(bot, user, "Developing")
    (coming,) = await me.mention(FORUM, "digest")
    await settle(bot)
    (headline,) = [m for m in posted(bot) if m.channel == FORUM and m.title == f"{say.DEFAULT_GROUP_NAME} · digest"]
    thread = [m for m in posted(bot) if m.thread_ts == headline.ts]
    private = [m for m in _in_dm(bot, "U0001") if m.title == f"{say.DEFAULT_GROUP_NAME}: not answered yet"]
    await _rate(bot, "U0004", "Emerging")
    clock.advance(timedelta(minutes=5))
    await settle(bot)
    digest_messages = {headline.ts, *(m.ts for m in thread)}
    updates = [m for m in posted(bot, "chat.update") if m.channel == FORUM and m.ts in digest_messages]
    headlines = [m for m in posted(bot) if m.channel == FORUM and m.title == f"{say.DEFAULT_GROUP_NAME} · digest"]

    assert coming.texts() == [say.DIGEST_COMING]
    assert headline.texts()[0] == "2 of 4 members have answered so far."
    assert [m.title for m in thread] == [say.ATTENTION_TITLE, say.PROGRESS_TITLE, say.CHANGES_TITLE_FIRST]
    assert [m.channel for m in thread] == [FORUM, FORUM, FORUM]
    (lead_list,) = private
    assert {"*Not answered yet*\n<@U0001> a member", "*Not answered yet*\n<@U0004> a member"} <= {
        text.replace("joined 23 Nov 2026", "a member") for text in lead_list.texts()
    }
    assert [m.ts for m in updates] == [headline.ts, *(m.ts for m in thread)] and len(headlines) == 1
    assert updates[0].texts()[0] == "3 of 4 members have answered so far."
    assert all("<@U0004>" not in text for m in (headline, *thread, *updates) for text in m.texts())
