"""Quick-win check-ins in Slack over HTTP: started by an app mention, answered in DMs with the card updated in place,
a nudge only to the member who has not answered, and the summary in the digest's thread. On the memory store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from adapters.http import STORE
from adapters.store.memory import MemoryStore
from bot import messages as say
from bot.keys import TeamKey, TenantKey
from bot.models import Action, Team
from tests.checkin_harness import DEADLINE, HALFWAY, MONDAY
from tests.group_harness import settle
from tests.manual_clock import ManualClock
from tests.slack_harness import Posted, RunningSlackBot, SlackUser, posted, running_slack_bot, start_group

FORUM = "C0FORUM"
SPACE = TeamKey(TenantKey("slack", "T0001"), FORUM)
MEMBERS = {FORUM: ["U0001", "U0002", "U0003", "U0004", "UREFLECTBOT"]}
ASK_TITLE = say.CHECKIN_ASK_TITLE.format(name=say.DEFAULT_GROUP_NAME)


pytestmark = pytest.mark.usefixtures("no_pacing")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY)


@pytest.fixture
async def bot(tmp_path: Path, clock: ManualClock) -> AsyncIterator[RunningSlackBot]:
    async with running_slack_bot(tmp_path / "data", clock=clock, members=MEMBERS, store=MemoryStore()) as running:
        yield running


async def _group(bot: RunningSlackBot) -> SlackUser:
    """U0001 links the channel, adds everyone and starts the assessment; U0002 has one open quick win."""
    me = await start_group(bot, FORUM)
    team = await bot.app[STORE].get(SPACE, Team, FORUM)
    assert team is not None and team.assessment_id is not None
    await bot.app[STORE].put(SPACE, Action(
        id="act-u2", assessment_id=team.assessment_id, section="1a", title="Phone the carers' centre",
        owner_id="U0002", due=date(2026, 11, 30), created_at=MONDAY, updated_at=MONDAY,
    ))
    await settle(bot)
    return me


def _asks(bot: RunningSlackBot, user: str) -> list[Posted]:
    return [m for m in posted(bot) if m.channel == f"D{user}" and m.title == ASK_TITLE]


async def test_a_slack_check_in_is_started_by_mention_answered_in_dms_nudged_and_summarised_in_the_digest_thread(
    bot: RunningSlackBot, clock: ManualClock
) -> None:
    me = await _group(bot)
    await me.mention(FORUM, "digest")
    await settle(bot)
    (headline,) = [m for m in posted(bot) if m.channel == FORUM and m.title == f"{say.DEFAULT_GROUP_NAME} · digest"]
    (preview,) = await me.mention(FORUM, "check-in")
    (started,) = await me.tap(preview, say.CHECKIN_START_LIGHT)
    await settle(bot)
    (card,) = _asks(bot, "U0002")
    await bot.user(user="U0002").tap(card, "1 Stuck")
    (updated,) = [m for m in posted(bot, "chat.update") if m.channel == "DU0002"]
    await bot.user(user="U0003").type_into(_asks(bot, "U0003")[0], say.CHECKIN_NEW_SAVE, "Join the PCN huddle")
    await bot.user(user="U0004").tap(_asks(bot, "U0004")[0], say.CHECKIN_AWAY)
    clock.set(HALFWAY)
    await settle(bot)
    clock.set(DEADLINE)
    await settle(bot)
    clock.set(datetime(2026, 11, 26, 8, 0, tzinfo=UTC))
    await settle(bot)

    assert started.texts() == [say.CHECKIN_STARTED.format(members="4 members", when="Wed 25 Nov 20:00")]
    assert "1 · Phone the carers' centre · due 30 Nov 2026 · your answer: Stuck" in updated.texts()
    assert {user: len(_asks(bot, user)) for user in ("U0001", "U0002", "U0003", "U0004")} == {
        "U0001": 2, "U0002": 1, "U0003": 1, "U0004": 1,
    }
    (summary,) = [m for m in posted(bot) if m.title == say.CHECKIN_SUMMARY_TITLE.format(name=say.DEFAULT_GROUP_NAME)]
    assert (summary.channel, summary.thread_ts) == (FORUM, headline.ts)
    assert summary.texts()[0] == "2 of 4 members responded. 1 away."
    assert any("Phone the carers' centre" in t and "<@U0002>" in t for t in summary.texts())
    assert all("U0001" not in t for t in summary.texts())
    (action,) = await bot.app[STORE].find(SPACE, Action, owner_id="U0003")
    assert action.title == "Join the PCN huddle"
    leads = [m for m in posted(bot) if m.channel == "DU0001" and m.title and "who did not answer" in m.title]
    assert len(leads) == 1 and any("<@U0001>" in t for t in leads[0].texts())


async def test_a_slack_member_is_refused_when_starting_a_check_in(bot: RunningSlackBot) -> None:
    await _group(bot)

    (refused,) = await bot.user(user="U0002").mention(FORUM, "check-in")

    assert refused.texts() == [say.LEADS_ONLY]


async def test_in_slack_everyone_answering_closes_it_early_and_a_late_change_updates_the_summary_in_place(
    bot: RunningSlackBot, clock: ManualClock
) -> None:
    me = await _group(bot)
    (preview,) = await me.mention(FORUM, "check-in")
    await me.tap(preview, say.CHECKIN_START_LIGHT)
    await settle(bot)
    await bot.user(user="U0002").tap(_asks(bot, "U0002")[0], "1 Progressing")
    for user in ("U0001", "U0003"):
        await bot.user(user=user).type_into(_asks(bot, user)[0], say.CHECKIN_NEW_SAVE, f"Quick win of {user}")
    await bot.user(user="U0004").tap(_asks(bot, "U0004")[0], say.CHECKIN_AWAY)
    await settle(bot)
    (summary,) = [m for m in posted(bot) if m.title == say.CHECKIN_SUMMARY_TITLE.format(name=say.DEFAULT_GROUP_NAME)]
    (updated_card,) = [m for m in posted(bot, "chat.update") if m.channel == "DU0002"]
    await bot.user(user="U0002").tap(updated_card, "1 Done")
    clock.set(MONDAY.replace(minute=35))
    await settle(bot)

    assert (summary.channel, summary.thread_ts) == (FORUM, None)
    assert summary.texts()[0] == "3 of 4 members responded. 1 away."
    (late,) = [m for m in posted(bot, "chat.update") if m.channel == FORUM and m.ts == summary.ts]
    assert any("<@U0002>" in t and "(late)" in t for t in late.texts())
    assert any(t.startswith("*Done*") for t in late.texts())
