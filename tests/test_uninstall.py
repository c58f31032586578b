"""Uninstalls over HTTP: Slack's app_uninstalled and tokens_revoked, Teams' installationUpdate and the bot removed
from a team. Jobs stop at once; the data goes when the grace period ends (the scheduler, on a manual clock), and a
reinstall within it keeps everything. On TinyDB for Slack and the memory store for Teams.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from adapters.http import SCHEDULER, STORE
from adapters.store.memory import MemoryStore
from bot.config import Settings
from bot.keys import TeamKey, TenantKey
from bot.models import ConversationRef, Team
from bot.services.uninstall import Uninstalled, install_space
from bot.store import Store
from tests import builders
from tests import group_harness as g
from tests.fakes.connector import FakeConnector
from tests.harness import RunningBot, running_bot
from tests.manual_clock import ManualClock
from tests.slack_harness import RunningSlackBot, SlackUser, running_slack_bot

FORUM = "C0FORUM"
WORKSPACE, OTHER = TenantKey("slack", "T0001"), TenantKey("slack", "T0002")
GRACE = timedelta(days=30)


pytestmark = pytest.mark.usefixtures("no_pacing")


@pytest.fixture
async def slack(tmp_path: Path, clock: ManualClock) -> AsyncIterator[RunningSlackBot]:
    members = {FORUM: ["U0001", "U0002", "UREFLECTBOT"]}
    async with running_slack_bot(tmp_path / "data", clock=clock, members=members) as running:
        yield running


async def _linked(bot: RunningSlackBot, team: str) -> SlackUser:
    """A linked group with members in a workspace: its weekly digest is scheduled."""
    lead = bot.user(team=team, user="U0001")
    await lead.mention(FORUM, "link this channel")
    await lead.mention(FORUM, "add everyone")
    await lead.dm("hi")
    return lead


async def _statuses(store: Store, tenant: TenantKey) -> dict[str, str]:
    return {job.id: job.status for job in await store.jobs_of(tenant)}


def _removal(team: str, event: dict[str, Any]) -> bytes:
    envelope = {
        "type": "event_callback", "team_id": team, "api_app_id": "A0001", "event_id": f"Ev-{event['type']}-{team}",
        "event_time": 1_763_890_000, "event": event,
    }
    return json.dumps(envelope).encode()


async def _uninstall(bot: RunningSlackBot, team: str, event: dict[str, Any] | None = None) -> None:
    body = _removal(team, event or {"type": "app_uninstalled"})
    assert await bot.signed_post("/slack/events", body, "application/json") == 200


async def _run_due(bot: RunningSlackBot | RunningBot) -> None:
    while await bot.app[SCHEDULER].run_now():
        pass


async def test_slack_uninstall_stops_jobs_at_once_and_purges_after_the_grace_period(
    slack: RunningSlackBot, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    store = slack.app[STORE]
    await _linked(slack, "T0001")
    await _linked(slack, "T0002")
    before_other = await _statuses(store, OTHER)
    assert "pending" in (await _statuses(store, WORKSPACE)).values()

    await _uninstall(slack, "T0001")

    statuses = await _statuses(store, WORKSPACE)
    assert statuses.pop("purge:*") == "pending"
    assert set(statuses.values()) == {"cancelled"}
    assert await _statuses(store, OTHER) == before_other
    clock.advance(GRACE - timedelta(hours=1))
    await _run_due(slack)
    assert await store.get(TeamKey(WORKSPACE, FORUM), Team, FORUM) is not None

    clock.advance(timedelta(hours=2))
    with caplog.at_level(logging.INFO, logger="reflect.uninstall"):
        await _run_due(slack)

    assert await store.get(TeamKey(WORKSPACE, FORUM), Team, FORUM) is None
    assert await store.find(TeamKey(WORKSPACE, "user:U0001"), ConversationRef) == []
    assert await store.teams_of(WORKSPACE, "U0001") == []
    assert await store.get(TeamKey(OTHER, FORUM), Team, FORUM) is not None
    assert await store.teams_of(OTHER, "U0001") == [(TeamKey(OTHER, FORUM), "lead")]
    assert await _statuses(store, WORKSPACE) == {"purge:*": "done"}
    (line,) = [r.getMessage() for r in caplog.records if r.getMessage().startswith("purged")]
    assert line.startswith("purged slack tenant T0001 scope *: ") and "documents" in line and "jobs" in line


async def test_slack_reinstall_within_the_grace_period_cancels_the_purge(slack: RunningSlackBot, clock: ManualClock) -> None:
    store = slack.app[STORE]
    lead = await _linked(slack, "T0001")
    await _uninstall(slack, "T0001")
    await _uninstall(slack, "T0001", {"type": "tokens_revoked", "tokens": {"bot": ["UREFLECTBOT"]}})
    clock.advance(timedelta(days=3))

    await lead.dm("hi")
    clock.advance(GRACE)
    await _run_due(slack)

    assert await store.get(TeamKey(WORKSPACE, FORUM), Team, FORUM) is not None
    assert await store.find(install_space(WORKSPACE), Uninstalled) == []
    assert (await _statuses(store, WORKSPACE))["purge:*"] == "cancelled"


async def test_revoking_only_user_tokens_is_not_an_uninstall(slack: RunningSlackBot) -> None:
    await _linked(slack, "T0001")

    await _uninstall(slack, "T0001", {"type": "tokens_revoked", "tokens": {"oauth": ["U0001"]}})

    assert "purge:*" not in await _statuses(slack.app[STORE], WORKSPACE)
    assert "pending" in (await _statuses(slack.app[STORE], WORKSPACE)).values()


@pytest.fixture
async def teams(tmp_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    async with FakeConnector(roster=set(g.PEOPLE)) as connector:
        async with running_bot(tmp_path / "data", clock=clock, connector=connector, store=MemoryStore()) as running:
            yield running


def _teams_removal(bot: RunningBot, kind: str) -> dict[str, Any]:
    body = builders.message(bot.connector.url, user="29:alice", conversation=g.CHANNEL, conversation_type="channel", team=g.TEAM)
    if kind == "installationUpdate":
        body.update(type="installationUpdate", action="remove")
    else:
        body.update(type="conversationUpdate", membersRemoved=[{"id": builders.BOT_ID, "name": builders.BOT_NAME}])
    return body


@pytest.mark.parametrize("kind", ["installationUpdate", "conversationUpdate"])
async def test_teams_removal_from_a_team_stops_its_jobs_and_purges_only_that_team(
    teams: RunningBot, clock: ManualClock, kind: str
) -> None:
    store = teams.app[STORE]
    await g.set_up(teams, members=("29:bob",))
    await teams.chat(user="29:alice").say("hi")
    team_jobs = {job.id for job in await store.jobs_of(g.TENANT, g.TEAM)}
    assert team_jobs

    assert await teams.post(_teams_removal(teams, kind)) in (200, 201)

    assert {job.status for job in await store.jobs_of(g.TENANT, g.TEAM)} == {"cancelled"}
    clock.advance(GRACE + timedelta(minutes=1))
    await _run_due(teams)
    assert await store.get(g.SPACE, Team, g.TEAM) is None
    assert await store.teams_of(g.TENANT, "29:bob") == []
    assert await store.jobs_of(g.TENANT, g.TEAM) == []
    assert await store.find(TeamKey(g.TENANT, "user:29:alice"), ConversationRef) != []


async def test_teams_reinstall_within_the_grace_period_keeps_the_team(teams: RunningBot, clock: ManualClock) -> None:
    store = teams.app[STORE]
    await g.set_up(teams, members=("29:bob",))
    await teams.post(_teams_removal(teams, "installationUpdate"))
    added = _teams_removal(teams, "installationUpdate")
    added["action"] = "add"

    assert await teams.post(added) in (200, 201)
    clock.advance(GRACE + timedelta(days=1))
    await _run_due(teams)

    assert await store.get(g.SPACE, Team, g.TEAM) is not None
    assert await store.find(install_space(g.TENANT), Uninstalled) == []


def test_the_grace_period_is_read_from_its_variable_and_checked(tmp_path: Path) -> None:
    def settings(**values: object) -> Settings:
        return Settings(_env_file=None, REFLECT_LOCAL_MODE=True, REFLECT_DATA_DIR=tmp_path, **values)  # type: ignore[call-arg]

    assert settings().purge_after_days == 30
    assert settings(REFLECT_PURGE_AFTER_DAYS="7").purge_after_days == 7
    with pytest.raises(ValidationError):
        settings(REFLECT_PURGE_AFTER_DAYS="-1")


async def test_teams_removal_from_a_personal_chat_purges_only_that_persons_own_space(
    teams: RunningBot, clock: ManualClock
) -> None:
    store = teams.app[STORE]
    await g.set_up(teams, members=("29:bob",))
    bob = teams.chat(user="29:bob")
    await bob.say("hi")
    removal = builders.message(teams.connector.url, user="29:bob")
    removal.update(type="installationUpdate", action="remove")

    assert await teams.post(removal) in (200, 201)
    clock.advance(GRACE + timedelta(minutes=1))
    await _run_due(teams)

    assert await store.find(TeamKey(g.TENANT, "user:29:bob"), ConversationRef) == []
    assert await store.find(TeamKey(g.TENANT, "user:29:alice"), ConversationRef) != []
    assert await store.get(g.SPACE, Team, g.TEAM) is not None
    assert await store.teams_of(g.TENANT, "29:bob") == [(g.SPACE, "member")]
