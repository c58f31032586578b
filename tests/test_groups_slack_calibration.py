"""Calibration, cycles and membership changes in Slack over HTTP, as tests/test_groups_calibration.py and
tests/test_groups_teams.py prove them in Teams: shared results, an agreed level typed into a modal, movement after a
cycle closes, a late joiner catching up, and a removed member who keeps their answers but can no longer act.

On the memory store, which the contract suite holds to TinyDB's behaviour.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.http import STORE
from adapters.store.memory import MemoryStore
from bot import messages as say
from bot.keys import AssessmentKey, TeamKey, TenantKey
from bot.models import Agreement, Response, Team
from tests.group_harness import settle
from tests.manual_clock import ManualClock
from tests.slack_harness import Posted, RunningSlackBot, SlackUser, posted, running_slack_bot, start_group

FORUM = "C0FORUM"
WORKSPACE = TenantKey("slack", "T0001")
SPACE = TeamKey(WORKSPACE, FORUM)
MEMBERS = {FORUM: ["U0001", "U0002", "U0003", "U0004", "UREFLECTBOT"]}


pytestmark = pytest.mark.usefixtures("no_pacing")


@pytest.fixture
async def bot(tmp_path: Path, clock: ManualClock) -> AsyncIterator[RunningSlackBot]:
    async with running_slack_bot(tmp_path / "data", clock=clock, members=MEMBERS, store=MemoryStore()) as running:
        yield running


async def _group(bot: RunningSlackBot) -> Team:
    team = await bot.app[STORE].get(SPACE, Team, FORUM)
    assert team is not None
    return team


async def _answers(bot: RunningSlackBot) -> list[Response]:
    return await bot.app[STORE].responses(AssessmentKey(SPACE, (await _group(bot)).assessment_id or ""))


async def _set_up(bot: RunningSlackBot, *members: str) -> SlackUser:
    """U0001 links the channel, adds the members by mention and starts the group's assessment."""
    lead = await start_group(bot, FORUM, " ".join(f"<@{member}>" for member in members))
    await settle(bot)
    return lead


def _invites(bot: RunningSlackBot, user: str) -> list[Posted]:
    title = say.INVITE_TITLE.format(name=say.DEFAULT_GROUP_NAME)
    return [message for message in posted(bot) if message.channel == f"D{user}" and message.title == title]


async def _section(bot: RunningSlackBot, user: str) -> Posted:
    """The first section of the Check phase, opened from the person's latest invitation in their DM."""
    me = bot.user(user=user)
    (phases,) = await me.tap(_invites(bot, user)[-1], "Rate sections")
    (section,) = await me.tap(phases, next(label for label in phases.buttons() if label.startswith("Check")))
    return section


async def _rate(bot: RunningSlackBot, user: str, label: str, evidence: str | None = None) -> None:
    me = bot.user(user=user)
    (asked,) = await me.tap(await _section(bot, user), label)
    if evidence is not None:
        await me.type_into(asked, "Save evidence", evidence)


def _block(results: Posted, code: str) -> str:
    return next(text for text in results.texts() if code in text.split("\n")[0])


async def test_in_slack_members_see_results_once_shared_and_a_lead_records_an_agreed_level_through_a_modal(
    bot: RunningSlackBot,
) -> None:
    lead = await _set_up(bot, "U0002", "U0003", "U0004")
    for user, label in (("U0002", "Emerging"), ("U0003", "Thriving"), ("U0004", "Developing")):
        await _rate(bot, user, label, evidence="Forum minutes *October*" if user == "U0003" else None)
    member = bot.user(user="U0002")
    (hidden,) = await member.mention(FORUM, "results")
    (group_card,) = await lead.mention(FORUM, "group")
    await lead.tap(group_card, say.SHARE)
    (results,) = await lead.mention(FORUM, "results")
    (agree,) = await lead.tap(results, "Agree 1a")
    (reason,) = await lead.tap(agree, "Developing")
    await lead.type_into(reason, say.RATIONALE_SAVE, "Forums held, few carers yet")
    (shared,) = await member.mention(FORUM, "results")

    assert hidden.texts() == [say.RESULTS_HIDDEN]
    (agreement,) = await bot.app[STORE].find(SPACE, Agreement)
    assert (agreement.section, agreement.level, agreement.by, agreement.rationale) == (
        "1a", 2, "U0001", "Forums held, few carers yet",
    )
    block = _block(shared, "1a")
    assert "Agreed: Developing. Forums held, few carers yet" in block
    assert "Emerging 1 · Developing 1 · Maturing 0 · Thriving 1" in block and say.RESULTS_DISAGREE in block
    assert any("Forum minutes" in text for text in shared.texts())
    assert not any(label.startswith("Agree") for label in shared.buttons())


async def test_in_slack_a_closed_cycle_shows_each_member_their_last_answer_and_status_and_digest_show_movement(
    bot: RunningSlackBot,
) -> None:
    lead = await _set_up(bot, "U0002", "U0003", "U0004")
    for user in ("U0002", "U0003", "U0004"):
        await _rate(bot, user, "Emerging", evidence="One forum held" if user == "U0002" else None)
    (closed, _card) = await lead.mention(FORUM, "close cycle")
    await settle(bot)
    again = await _section(bot, "U0002")
    await bot.user(user="U0002").tap(again, "Developing")
    for user in ("U0003", "U0004"):
        await _rate(bot, user, "Developing")
    (status,) = await lead.mention(FORUM, "status")
    await lead.mention(FORUM, "digest")
    await settle(bot)
    (progress,) = [m for m in posted(bot) if m.channel == FORUM and m.title == say.PROGRESS_TITLE]

    assert closed.texts() == [say.CYCLE_CLOSED_NOTICE.format(old=1, new=2)]
    assert "Last cycle you chose: Emerging" in again.texts()
    assert "Your evidence then: One forum held" in again.texts()
    assert any("Check" in text and "Developing (Emerging → Developing)" in text for text in status.texts())
    assert "Moved since cycle 1: 1a Emerging → Developing" in status.texts()
    assert any("Moved since cycle 1: 1a Emerging → Developing" in text for text in progress.texts())


async def test_in_slack_a_late_joiner_catches_up_and_a_removed_member_keeps_answers_marked_former_but_cannot_act(
    bot: RunningSlackBot,
) -> None:
    lead = await _set_up(bot, "U0002", "U0003", "U0004")
    section = await _section(bot, "U0002")
    (asked,) = await bot.user(user="U0002").tap(section, "Emerging")
    await bot.user(user="U0002").type_into(asked, "Save evidence", "Carers survey")
    for user in ("U0003", "U0004"):
        await _rate(bot, user, "Developing")
    await lead.mention(FORUM, "add <@U0005>")
    await settle(bot)
    await lead.mention(FORUM, "remove <@U0002>")
    (refused,) = await bot.user(user="U0002").tap(section, "Thriving")
    (channel_refusal,) = await bot.user(user="U0002").mention(FORUM, "results")
    (results,) = await lead.mention(FORUM, "results")

    (late,) = _invites(bot, "U0005")
    assert say.INVITE_CATCH_UP in late.texts()
    assert refused.texts() == [say.NOT_A_MEMBER] and channel_refusal.texts() == [say.NOT_A_MEMBER]
    assert sorted((a.author_id, a.rating) for a in await _answers(bot)) == [("U0002", 1), ("U0003", 2), ("U0004", 2)]
    assert say.RESULTS_FORMER.format(count=say.counted(1, say.ANSWERS)) in _block(results, "1a")
    assert any(say.RESULTS_NOTE_FORMER.format(text="Carers survey") in text for text in results.texts())
    team = await _group(bot)
    assert [m.user_id for m in team.former] == ["U0002"] and await bot.app[STORE].teams_of(WORKSPACE, "U0002") == []


async def test_in_slack_only_a_lead_sees_participation_per_member_with_last_activity_and_reach(bot: RunningSlackBot) -> None:
    lead = await _set_up(bot, "U0002", "U0003")
    await _rate(bot, "U0002", "Maturing")
    (refused,) = await bot.user(user="U0003").mention(FORUM, "participation")
    (view,) = await lead.mention(FORUM, "participation")

    assert refused.texts() == [say.LEADS_ONLY]
    text = "\n".join(view.texts())
    assert "1 of 3 members have answered something. Least answered first." in text
    assert "<@U0002>" in text and "1 of 22 sections" in text and "last active 23 Nov 2026 · reachable" in text
    assert "last active never · not yet messaged" in text


async def test_in_slack_the_weekly_digest_comes_at_the_leads_time_in_a_thread_and_a_late_answer_updates_it_in_place(
    bot: RunningSlackBot, clock: ManualClock
) -> None:
    lead = await _set_up(bot, "U0002", "U0003")
    await _rate(bot, "U0002", "Developing")
    (scheduled,) = await lead.mention(FORUM, "digest friday 14:00")
    clock.set(datetime(2026, 11, 27, 14, 0, tzinfo=UTC))
    await settle(bot)
    title = say.DIGEST_TITLE.format(name=say.DEFAULT_GROUP_NAME)
    (headline,) = [m for m in posted(bot) if m.channel == FORUM and m.title == title]
    thread = [m for m in posted(bot) if m.thread_ts == headline.ts]
    await _rate(bot, "U0003", "Maturing")
    clock.advance(timedelta(minutes=5))
    await settle(bot)
    updated = [m for m in posted(bot, "chat.update") if m.channel == FORUM and m.ts == headline.ts]

    assert scheduled.texts() == [say.SCHEDULE_SET.format(day="Friday", time="14:00", zone="Europe/London")]
    assert headline.texts()[0] == "1 of 3 members have answered so far."
    assert say.DIGEST_WHY_WEEKLY.format(day="Friday", time="14:00") in headline.texts()
    assert [m.title for m in thread] == [say.ATTENTION_TITLE, say.PROGRESS_TITLE, say.CHANGES_TITLE_FIRST]
    assert updated and updated[-1].texts()[0] == "2 of 3 members have answered so far."
    assert len([m for m in posted(bot) if m.channel == FORUM and m.title == title]) == 1
    following = await bot.app[STORE].get_job(SPACE, "digest:2026-12-04:4-1400-Europe/London")
    assert following is not None and following.due_at == datetime(2026, 12, 4, 14, 0, tzinfo=UTC)
