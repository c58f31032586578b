"""Reminders in Slack, over HTTP with the fake Web API: the owner's zone is read from their profile (users.info `tz`),
the reminder comes to their DM at 09:00 their time with working buttons, a 429 is retried once Retry-After has
passed and the reminder is posted once, and pressing Done on it closes the action and updates it in place."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.http import STORE
from bot.keys import TeamKey, TenantKey
from bot.models import Action
from tests.manual_clock import ManualClock
from tests.reminder_harness import london, run_jobs, sent_times
from tests.slack_harness import Posted, RunningSlackBot, SlackUser, posted, running_slack_bot

WORKSPACE = TenantKey("slack", "T0001")
SPACE = TeamKey(WORKSPACE, "user:U0001")
REMINDER_TITLES = ("Coming up", "Due today", "Overdue")


pytestmark = pytest.mark.usefixtures("no_pacing")


@pytest.fixture
async def slack(tmp_path: Path, clock: ManualClock) -> AsyncIterator[RunningSlackBot]:
    async with running_slack_bot(tmp_path / "data", clock=clock) as running:
        yield running


async def _take_an_action(user: SlackUser) -> None:
    (welcome,) = await user.dm("hi")
    (subject,) = await user.tap(welcome, "Start an assessment")
    (focus,) = await user.tap(subject, "Whole system")
    (footprint,) = await user.tap(focus, "Strategic")
    (stance,) = await user.tap(footprint, "Place")
    (phases,) = await user.tap(stance, "Planning new work")
    (card,) = await user.tap(phases, "Prepare · 0/3")
    (evidence,) = await user.tap(card, "Developing")
    (ideas,) = await user.tap(evidence, "No evidence now")
    await user.tap(ideas, "Add idea 1")


def _reminders(slack: RunningSlackBot) -> list[Posted]:
    return [p for p in posted(slack) if (p.title or "").startswith(REMINDER_TITLES)]


async def test_a_reminder_comes_at_nine_in_the_zone_of_the_owners_slack_profile(
    slack: RunningSlackBot, clock: ManualClock
) -> None:
    slack.api.users["U0001"] = {"id": "U0001", "tz": "Asia/Kolkata"}
    await _take_an_action(slack.user())

    passes = await run_jobs(slack, clock, until=london(2026, 12, 8, 0))

    assert sent_times(passes) == [london(2026, 12, 3, 3, 30), london(2026, 12, 7, 3, 30)]  # 09:00 in India
    assert [r.channel for r in _reminders(slack)] == ["DU0001", "DU0001"]
    assert slack.api.calls("users.info") == [{"user": "U0001"}]  # asked once, not on every message


async def test_pressing_done_on_a_slack_reminder_closes_the_action_and_updates_the_reminder_in_place(
    slack: RunningSlackBot, clock: ManualClock
) -> None:
    user = slack.user()
    await _take_an_action(user)
    await run_jobs(slack, clock, until=london(2026, 12, 3, 9))
    (reminder,) = _reminders(slack)
    assert list(reminder.buttons()) == ["Done", "Snooze a week", "Update"]

    await user.tap(reminder, "Done")
    passes = await run_jobs(slack, clock, until=london(2027, 1, 1, 0))

    (action,) = await slack.app[STORE].find(SPACE, Action)
    assert action.status == "done"
    assert sent_times(passes) == []
    final = [c.body for c in slack.api.requests if c.method == "chat.update" and c.body["ts"] == reminder.ts][-1]
    assert final["text"].startswith("Action done")
    assert "Done" not in str(final.get("blocks"))


async def test_a_slack_429_on_a_reminder_is_retried_after_retry_after_and_posted_once(
    slack: RunningSlackBot, clock: ManualClock
) -> None:
    await _take_an_action(slack.user())
    slack.api.fail_next("chat.postMessage", 429, retry_after=30)

    passes = await run_jobs(slack, clock, until=london(2026, 12, 3, 10))

    assert [p.outcomes for p in passes] == [("retrying",), ("sent",)]
    assert passes[1].at - passes[0].at == timedelta(seconds=30)
    assert len(_reminders(slack)) == 1


async def test_a_permanent_slack_refusal_of_a_reminder_is_recorded_and_the_next_one_still_goes(
    slack: RunningSlackBot, clock: ManualClock
) -> None:
    await _take_an_action(slack.user())
    slack.api.fail_next("chat.postMessage", 403, error="restricted_action")

    passes = await run_jobs(slack, clock, until=london(2026, 12, 8, 0))

    assert [p.outcomes for p in passes] == [("failed",), ("sent",)]
    assert [r.title for r in _reminders(slack)] == ["Due today: one of your actions"]
