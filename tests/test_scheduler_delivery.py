"""The scheduler inside the running app, sending through the real Teams and Slack clients to the fakes on loopback.

A one-line handler stands in for reminders here, so these tests are about delivery alone: the loop starts and stops
with the app, a 429 is retried when Retry-After says, a permanent refusal is recorded and never retried, and an
unreachable person is marked and left alone until they write.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.http import SCHEDULER, STORE
from bot.conversation_refs import personal_ref
from bot.jobs import JobContext, JobHandler, Message, ToConversation, ToPerson
from bot.keys import TeamKey, TenantKey
from bot.models import ScheduledJob
from bot.views import Notice
from dialogs.jobs import HANDLERS
from tests import builders
from tests.manual_clock import ManualClock
from tests.fakes.connector import FakeConnector
from tests.harness import NOW, RunningBot, running_bot
from tests.slack_harness import RunningSlackBot, running_slack_bot

GENERAL = "19:general@thread.tacv2"
TEAMS_TENANT = TenantKey("teams", "tenant-a")
WORKSPACE = TenantKey("slack", "T0001")


async def _say(ctx: JobContext, job: ScheduledJob) -> Message:
    via = ToConversation(job.payload["via"]) if job.payload["via"].startswith("19:") else ToPerson(job.payload["via"])
    return Message(ToPerson(job.payload["user"], via=via), Notice(text="Your action is due on Friday."))


@pytest.fixture(autouse=True)
def reminders_say_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(HANDLERS, "reminder", JobHandler(compose=_say))


@pytest.fixture
async def teams(tmp_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    async with FakeConnector(roster={"29:alice", "29:bob"}) as connector:
        async with running_bot(tmp_path / "data", clock=clock, connector=connector) as running:
            chat = running.chat(conversation=GENERAL, conversation_type="channel", team=GENERAL)
            await chat.say("<at>Reflect</at> help", entities=[builders.mention()])
            yield running


@pytest.fixture
async def slack(tmp_path: Path, clock: ManualClock) -> AsyncIterator[RunningSlackBot]:
    async with running_slack_bot(tmp_path / "data", clock=clock) as running:
        await running.user().dm("hi")
        yield running


async def _due(app_store: object, tenant: TenantKey, user: str, via: str, job_id: str = "job-1") -> ScheduledJob:
    job = ScheduledJob(
        id=job_id, team=TeamKey(tenant, "team-1"), kind="reminder", due_at=NOW, payload={"user": user, "via": via}
    )
    return await app_store.add_job(job)  # type: ignore[attr-defined, no-any-return]


async def _status(bot: RunningBot | RunningSlackBot, tenant: TenantKey, job_id: str = "job-1") -> ScheduledJob:
    job = await bot.app[STORE].get_job(TeamKey(tenant, "team-1"), job_id)
    assert job is not None
    return job


def _sent_to(bot: RunningBot, conversation: str) -> list[dict[str, object]]:
    return [a for a in bot.connector.activities if a["conversation"]["id"] == conversation]


# -- Teams -----------------------------------------------------------------------------------------------------------


async def test_the_loop_runs_with_the_app_and_reaches_a_team_member_who_never_wrote(teams: RunningBot) -> None:
    await _due(teams.app[STORE], TEAMS_TENANT, "29:bob", GENERAL)

    assert await teams.app[SCHEDULER].run_now() == ["sent"]

    (created,) = teams.connector.conversations
    assert created["members"] == [{"id": "29:bob"}]
    bob = await personal_ref(teams.app[STORE], TEAMS_TENANT, "29:bob")
    assert bob is not None
    assert [a["text"] for a in _sent_to(teams, bob.conversation_id)] == ["Your action is due on Friday."]
    assert (await _status(teams, TEAMS_TENANT)).status == "done"


async def test_the_loop_stops_with_the_app(tmp_path: Path, clock: ManualClock) -> None:
    async with running_bot(tmp_path / "data", clock=clock) as running:
        scheduler = running.app[SCHEDULER]
        assert await scheduler.run_now() == []

    with pytest.raises(RuntimeError):
        await scheduler.run_now()


async def test_a_teams_429_is_retried_after_retry_after_and_then_delivered_once(
    teams: RunningBot, clock: ManualClock
) -> None:
    await _due(teams.app[STORE], TEAMS_TENANT, "29:alice", GENERAL)
    await teams.chat().say("hi")
    before = len(teams.connector.activities)
    teams.connector.fail_next(429, code="Throttled", retry_after=3)

    assert await teams.app[SCHEDULER].run_now() == ["retrying"]
    assert (await _status(teams, TEAMS_TENANT)).due_at == NOW + timedelta(seconds=3)
    clock.advance(timedelta(seconds=3))
    assert await teams.app[SCHEDULER].run_now() == ["sent"]

    assert [a["text"] for a in teams.connector.activities[before:]] == ["Your action is due on Friday."]


async def test_a_permanent_teams_403_is_recorded_and_never_retried(teams: RunningBot, clock: ManualClock) -> None:
    await teams.chat().say("hi")
    await _due(teams.app[STORE], TEAMS_TENANT, "29:alice", GENERAL)
    teams.connector.fail_next(403, code="BotDisabledByAdmin")

    assert await teams.app[SCHEDULER].run_now() == ["failed"]
    clock.advance(timedelta(days=1))
    assert await teams.app[SCHEDULER].run_now() == []

    assert (await _status(teams, TEAMS_TENANT)).last_error == "failed: 403 BotDisabledByAdmin"
    assert await personal_ref(teams.app[STORE], TEAMS_TENANT, "29:alice") is not None


async def test_a_teams_user_who_blocked_the_bot_is_marked_and_left_alone_until_they_write(
    teams: RunningBot, clock: ManualClock
) -> None:
    await teams.chat().say("hi")
    await _due(teams.app[STORE], TEAMS_TENANT, "29:alice", GENERAL, "first")
    teams.connector.fail_next(403, code="Forbidden", sub_code="MessageWritesBlocked")
    assert await teams.app[SCHEDULER].run_now() == ["unreachable"]
    alice = await personal_ref(teams.app[STORE], TEAMS_TENANT, "29:alice")
    assert alice is not None and not alice.active
    requests = len(teams.connector.requests)

    await _due(teams.app[STORE], TEAMS_TENANT, "29:alice", GENERAL, "second")
    assert await teams.app[SCHEDULER].run_now() == ["unreachable"]
    assert len(teams.connector.requests) == requests

    clock.advance(timedelta(minutes=5))
    await teams.chat().say("hi again")
    await _due(teams.app[STORE], TEAMS_TENANT, "29:alice", GENERAL, "third")
    clock.advance(timedelta(minutes=1))
    assert await teams.app[SCHEDULER].run_now() == ["sent"]


async def test_someone_outside_every_roster_is_marked_unreachable_without_a_send(teams: RunningBot) -> None:
    await _due(teams.app[STORE], TEAMS_TENANT, "29:stranger", GENERAL)

    assert await teams.app[SCHEDULER].run_now() == ["unreachable"]
    await _due(teams.app[STORE], TEAMS_TENANT, "29:stranger", GENERAL, "again")
    assert await teams.app[SCHEDULER].run_now() == ["unreachable"]

    assert [r.kind for r in teams.connector.requests if r.kind == "create"] == ["create"]
    assert teams.connector.conversations == []


# -- Slack -----------------------------------------------------------------------------------------------------------


async def test_a_slack_429_is_retried_after_retry_after_and_then_delivered_once(
    slack: RunningSlackBot, clock: ManualClock
) -> None:
    await _due(slack.app[STORE], WORKSPACE, "U0002", "U0001")
    slack.api.fail_next("chat.postMessage", 429, retry_after=2)
    before = len(slack.api.requests)

    assert await slack.app[SCHEDULER].run_now() == ["retrying"]
    clock.advance(timedelta(seconds=2))
    assert await slack.app[SCHEDULER].run_now() == ["sent"]

    posted = [c for c in slack.api.requests[before:] if c.method == "chat.postMessage" and c.response.get("ok")]
    assert [(c.body["channel"], c.body["text"]) for c in posted] == [("DU0002", "Your action is due on Friday.")]
    assert slack.api.calls("conversations.open")[-1]["users"] == "U0002"


async def test_a_permanent_slack_refusal_is_recorded_and_never_retried(slack: RunningSlackBot, clock: ManualClock) -> None:
    await _due(slack.app[STORE], WORKSPACE, "U0001", "U0001")
    slack.api.fail_next("chat.postMessage", 403, error="restricted_action")

    assert await slack.app[SCHEDULER].run_now() == ["failed"]
    clock.advance(timedelta(days=1))
    assert await slack.app[SCHEDULER].run_now() == []
    assert (await _status(slack, WORKSPACE)).last_error == "failed: 403 restricted_action"


async def test_a_deactivated_slack_user_is_marked_unreachable_and_not_asked_for_again(slack: RunningSlackBot) -> None:
    await _due(slack.app[STORE], WORKSPACE, "U0009", "U0001")
    slack.api.fail_next("conversations.open", 200, error="user_disabled")

    assert await slack.app[SCHEDULER].run_now() == ["unreachable"]
    await _due(slack.app[STORE], WORKSPACE, "U0009", "U0001", "again")
    assert await slack.app[SCHEDULER].run_now() == ["unreachable"]

    assert slack.api.calls("conversations.open") == [{"users": "U0009"}]
