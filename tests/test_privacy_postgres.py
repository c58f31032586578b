"""Erasure and purge on PostgreSQL through Slack's HTTP edge: `forget me` and an uninstall's purge delete rows under
row-level security, and another workspace's rows stay. The contract suite covers each call; this covers them together.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.http import SCHEDULER, STORE
from adapters.store.postgres.store import PostgresStore
from bot import messages as say
from bot.keys import TeamKey, TenantKey
from bot.models import ConversationRef, Team
from tests.manual_clock import ManualClock
from tests.slack_harness import RunningSlackBot, running_slack_bot

FORUM = "C0FORUM"
WORKSPACE, OTHER = TenantKey("slack", "T0001"), TenantKey("slack", "T0002")


pytestmark = pytest.mark.usefixtures("no_pacing")


@pytest.fixture
async def bot(tmp_path: Path, clock: ManualClock, postgres_url: str) -> AsyncIterator[RunningSlackBot]:
    members = {FORUM: ["U0001", "U0002", "UREFLECTBOT"]}
    store = PostgresStore(postgres_url, pool_size=2)
    async with running_slack_bot(tmp_path / "data", clock=clock, members=members, store=store) as running:
        yield running


async def _workspace(bot: RunningSlackBot, team: str) -> None:
    """A linked group, and U0002 talking to the bot in their DM."""
    lead = bot.user(team=team, user="U0001")
    await lead.mention(FORUM, "link this channel")
    await lead.mention(FORUM, "add everyone")
    me = bot.user(team=team, user="U0002")
    (welcome,) = await me.dm("hi")
    await me.tap(welcome, "Start an assessment")


async def test_forget_me_and_a_purge_delete_rows_in_postgresql_and_leave_other_workspaces(
    bot: RunningSlackBot, clock: ManualClock
) -> None:
    store = bot.app[STORE]
    await _workspace(bot, "T0001")
    await _workspace(bot, "T0002")
    me = bot.user(team="T0001", user="U0002")
    own = TeamKey(WORKSPACE, "user:U0002")

    (confirm,) = await me.dm("forget me")
    (report,) = await me.tap(confirm, say.FORGET_YES)

    assert report.text.startswith("Done.")
    assert await store.find(own, ConversationRef) == [] and await store.teams_of(WORKSPACE, "U0002") == []
    assert await store.teams_of(OTHER, "U0002") == [(TeamKey(OTHER, FORUM), "member")]

    envelope = {"type": "app_uninstalled"}
    await bot.user(team="T0001").event(envelope)
    clock.advance(timedelta(days=31))
    while await bot.app[SCHEDULER].run_now():
        pass

    assert await store.get(TeamKey(WORKSPACE, FORUM), Team, FORUM) is None
    assert await store.teams_of(WORKSPACE, "U0001") == []
    assert await store.get(TeamKey(OTHER, FORUM), Team, FORUM) is not None
    assert await store.find(TeamKey(OTHER, "user:U0002"), ConversationRef) != []
