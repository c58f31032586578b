"""Every delivery is handled once, across restarts (issue 8), proved through the real HTTP endpoints.

Teams and Slack both deliver the same activity again: a redelivery sends nothing and changes nothing, even after
the app is rebuilt over the same data folder, and even when several copies arrive at once. A first attempt that
failed runs again when it is redelivered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.http import STORE
from bot import messages as say
from bot.errors import StoreError
from bot.keys import AssessmentKey, TeamKey, TenantKey
from bot.models import Action, Response
from bot.store import Store
from tests.harness import NOW, RunningBot, Sent, TeamsChat, running_bot
from tests.slack_harness import Posted, RunningSlackBot, SlackUser, running_slack_bot

ALICE_SPACE = TeamKey(TenantKey("teams", "tenant-a"), "user:29:alice")
SLACK_SPACE = TeamKey(TenantKey("slack", "T0001"), "user:U0001")
DUE = date(2026, 12, 1)
ACTION = Action(
    id="act-0123456789abcdef", assessment_id="a-0123456789abcdef", section="4a", title="Map community networks",
    owner_id="29:alice", due=DUE, created_at=NOW, updated_at=NOW,
)


async def _action_card(bot: RunningBot, chat: TeamsChat) -> Sent:
    """Alice's one action, opened for editing from her actions list."""
    await bot.app[STORE].put(ALICE_SPACE, ACTION)
    (listed,) = await chat.say("actions")
    (card,) = await chat.tap(listed, "Edit 1")
    return card


async def _due(store: Store) -> date:
    (action,) = await store.find(ALICE_SPACE, Action)
    return action.due


async def test_a_teams_activity_delivered_again_sends_nothing_and_changes_nothing(bot: RunningBot) -> None:
    chat = bot.chat()
    push_back = chat.tapping(await _action_card(bot, chat), "Due a week later")
    (first,) = await chat.post(push_back)
    before = len(bot.connector.requests)

    again = await chat.post(push_back)

    assert first.updated and say.ACTION_UPDATED in first.said()
    assert again == [] and len(bot.connector.requests) == before
    assert await _due(bot.app[STORE]) == DUE + timedelta(days=7)


async def test_a_teams_redelivery_after_a_restart_is_still_caught(tmp_path: Path) -> None:
    async with running_bot(tmp_path / "data") as first:
        chat = first.chat()
        push_back = chat.tapping(await _action_card(first, chat), "Due a week later")
        await chat.post(push_back)
    async with running_bot(tmp_path / "data") as rebuilt:
        again = await rebuilt.chat().post({**push_back, "serviceUrl": rebuilt.connector.url})
        due = await _due(rebuilt.app[STORE])

    assert again == [] and rebuilt.connector.requests == []
    assert due == DUE + timedelta(days=7)


def _failing_once(store: Store, error: Exception) -> Callable[..., Awaitable[Any]]:
    """The store's `update`, raising `error` the first time an action is changed."""
    update, failed = store.update, []

    async def update_failing_once(team: TeamKey, kind: type[Any], doc_id: str, change: Callable[[Any], Any]) -> Any:
        if kind is Action and not failed:
            failed.append(error)
            raise error
        return await update(team, kind, doc_id, change)

    return update_failing_once


@pytest.mark.parametrize(
    ("error", "told"),
    [(StoreError("disk full"), say.SAVE_FAILED), (RuntimeError("a bug"), say.TURN_FAILED)],
    ids=["store error", "fault in a step"],
)
async def test_a_first_attempt_that_failed_runs_again_when_redelivered(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch, error: Exception, told: str
) -> None:
    chat = bot.chat()
    push_back = chat.tapping(await _action_card(bot, chat), "Due a week later")
    monkeypatch.setattr(bot.app[STORE], "update", _failing_once(bot.app[STORE], error))

    (failed,) = await chat.post(push_back)
    assert failed.text == told and await _due(bot.app[STORE]) == DUE
    (retried,) = await chat.post(push_back)

    assert retried.updated and say.ACTION_UPDATED in retried.said()
    assert await _due(bot.app[STORE]) == DUE + timedelta(days=7)


async def test_a_turn_whose_reply_was_not_delivered_after_its_change_stays_handled(bot: RunningBot) -> None:
    chat = bot.chat()
    push_back = chat.tapping(await _action_card(bot, chat), "Due a week later")
    tapped = len(bot.connector.requests)
    bot.connector.fail_next(500, times=100)

    assert await bot.post(push_back) == 201
    before = len(bot.connector.requests)
    redelivered = await bot.post(push_back)

    assert redelivered == 201 and len(bot.connector.requests) == before
    tried = bot.connector.requests[tapped:]
    assert {request.status for request in tried} == {500} and {request.kind for request in tried} == {"update", "send"}
    assert await _due(bot.app[STORE]) == DUE + timedelta(days=7)


async def test_a_refused_activity_delivered_again_is_not_answered_twice(bot: RunningBot) -> None:
    bob = bot.chat(user="29:bob")
    await bob.say("hi")
    forged = bob.submission({"intent": "edit_action", "action": ACTION.id, "change": "done", "v": 1})

    (refused,) = await bob.post(forged)
    again = await bob.post(forged)

    assert refused.text == say.NOT_FOUND_ACTION
    assert again == []


async def test_concurrent_copies_of_one_teams_activity_run_exactly_once(bot: RunningBot) -> None:
    chat = bot.chat()
    push_back = chat.tapping(await _action_card(bot, chat), "Due a week later")
    before = len(bot.connector.requests)

    statuses = await asyncio.gather(*(bot.post(push_back) for _ in range(4)))

    assert set(statuses) == {201}
    assert [request.kind for request in bot.connector.requests[before:]] == ["update"]
    assert await _due(bot.app[STORE]) == DUE + timedelta(days=7)


async def test_the_same_activity_id_in_another_conversation_is_another_delivery(bot: RunningBot) -> None:
    alice, bob = bot.chat(user="29:alice"), bot.chat(user="29:bob")
    said_by_alice = {**alice.submission({"intent": "help", "v": 1}), "id": "shared-id"}
    said_by_bob = {**bob.submission({"intent": "help", "v": 1}), "id": "shared-id"}

    (to_alice,) = await alice.post(said_by_alice)
    (to_bob,) = await bob.post(said_by_bob)

    assert to_alice.title == to_bob.title == "What you can type"


async def _section_card(user: SlackUser) -> Posted:
    """Set up an assessment in Slack and open the first section of Prepare."""
    (subject,) = await user.dm("start")
    (focus,) = await user.tap(subject, "Whole system")
    (footprint,) = await user.tap(focus, "Strategic")
    (stance,) = await user.tap(footprint, "Place")
    (phases,) = await user.tap(stance, "Planning new work")
    (section,) = await user.tap(phases, "Prepare · 0/3")
    return section


def _calls(slack: RunningSlackBot, since: int) -> list[str]:
    return [call.method for call in slack.api.requests[since:]]


async def test_a_slack_tap_delivered_again_is_handled_once(slack: RunningSlackBot) -> None:
    user = slack.user()
    section = await _section_card(user)
    developing = user.tapping(section, "Developing")
    (evidence,) = await user.interaction(developing, section)
    before = len(slack.api.requests)

    again = await user.interaction(developing, section)

    assert evidence.title is not None and evidence.title.startswith("Any evidence for 4a")
    assert again == [] and _calls(slack, before) == []
    (response,) = await slack.app[STORE].find(SLACK_SPACE, Response)
    assert response.history == ()


async def test_a_slack_modal_submitted_again_is_handled_once(slack: RunningSlackBot) -> None:
    user = slack.user()
    (evidence,) = await user.tap(await _section_card(user), "Developing")
    submission = await user.filling(evidence, "Save evidence", "Minutes of the March forum")
    (saved,) = await user.interaction(submission, evidence)
    before = len(slack.api.requests)

    again = await user.interaction(submission, evidence)

    assert saved.updated and say.STEP_EVIDENCE.format(text="Minutes of the March forum") in saved.said()
    assert again == [] and _calls(slack, before) == []


async def test_a_slack_command_delivered_again_is_handled_once(slack: RunningSlackBot) -> None:
    user = slack.user()
    (help_card,) = await user.command("help", trigger_id="trigger-same")
    before = len(slack.api.requests)

    again = await user.command("help", trigger_id="trigger-same")

    assert help_card.title == "What you can type"
    assert again == [] and _calls(slack, before) == ["conversations.open"]


async def test_a_slack_event_retried_after_a_restart_is_handled_once(tmp_path: Path) -> None:
    message = {"type": "message", "channel_type": "im", "channel": "DU0001", "user": "U0001", "text": "help", "ts": "1.1"}
    async with running_slack_bot(tmp_path / "data") as first:
        answered = await first.user().event(message, event_id="EvRETRIED")
    async with running_slack_bot(tmp_path / "data") as rebuilt:
        retried = await rebuilt.user().event(message, event_id="EvRETRIED")
        assert rebuilt.api.requests == []

    assert len(answered) == 1 and retried == []


async def test_concurrent_copies_of_one_slack_event_run_exactly_once(slack: RunningSlackBot) -> None:
    user = slack.user()
    await user.dm("hi")
    message = {"type": "message", "channel_type": "im", "channel": user.channel, "user": user.user, "text": "help"}
    before = len(slack.api.requests)

    await asyncio.gather(*(user.event(message, event_id="EvCONCURRENT") for _ in range(4)))

    assert _calls(slack, before) == ["chat.postMessage"]


def _again(activity: dict[str, Any], activity_id: str = "redelivered-as-new") -> dict[str, Any]:
    """The same tap as another activity: what Teams' second layer of retries sends."""
    return {**activity, "id": activity_id}


async def test_a_tap_delivered_again_as_a_new_activity_pushes_the_date_back_once(bot: RunningBot) -> None:
    chat = bot.chat()
    push_back = chat.tapping(await _action_card(bot, chat), "Due a week later")
    await chat.post(push_back)
    updates = len(bot.connector.updates)

    (notice,) = await chat.post(_again(push_back))

    assert notice.text == say.ALREADY_DONE and len(bot.connector.updates) == updates
    assert await _due(bot.app[STORE]) == DUE + timedelta(days=7)


async def test_a_card_updated_after_a_tap_carries_new_one_time_buttons(bot: RunningBot) -> None:
    chat = bot.chat()
    card = await _action_card(bot, chat)
    (refreshed,) = await chat.tap(card, "Due a week later")

    (second,) = await chat.tap(refreshed, "Due a week later")

    assert refreshed.id == second.id == card.id and say.ACTION_UPDATED in second.said()
    assert refreshed.submits()["Due a week later"]["n"] != card.submits()["Due a week later"]["n"]
    assert await _due(bot.app[STORE]) == DUE + timedelta(days=14)


async def test_a_one_time_tap_is_still_caught_after_a_restart(tmp_path: Path) -> None:
    async with running_bot(tmp_path / "data") as first:
        chat = first.chat()
        push_back = chat.tapping(await _action_card(first, chat), "Due a week later")
        await chat.post(push_back)
    async with running_bot(tmp_path / "data") as rebuilt:
        (notice,) = await rebuilt.chat().post({**_again(push_back), "serviceUrl": rebuilt.connector.url})
        due = await _due(rebuilt.app[STORE])

    assert notice.text == say.ALREADY_DONE and due == DUE + timedelta(days=7)


async def test_concurrent_copies_of_one_tap_as_different_activities_change_the_date_once(bot: RunningBot) -> None:
    chat = bot.chat()
    push_back = chat.tapping(await _action_card(bot, chat), "Due a week later")
    before = len(bot.connector.requests)

    await asyncio.gather(*(bot.post(_again(push_back, f"copy-{number}")) for number in range(4)))

    answered = [Sent(request.reply["id"], request.body, request.kind == "update") for request in bot.connector.requests[before:]]
    assert sorted(sent.said()[0] for sent in answered if not sent.updated) == [say.ALREADY_DONE] * 3
    (updated,) = [sent for sent in answered if sent.updated]
    assert say.ACTION_UPDATED in updated.said()
    assert await _due(bot.app[STORE]) == DUE + timedelta(days=7)


async def test_a_refused_tap_leaves_its_button_usable(bot: RunningBot) -> None:
    chat = bot.chat()
    card = await _action_card(bot, chat)

    (refused,) = await chat.tap(card, "Rename", text="   ")
    (renamed,) = await chat.post(_again(chat.tapping(card, "Rename", text="Map networks with the VCSE alliance")))

    assert refused.text == say.RENAME_EMPTY and renamed.updated and say.ACTION_UPDATED in renamed.said()
    (action,) = await bot.app[STORE].find(ALICE_SPACE, Action)
    assert action.title == "Map networks with the VCSE alliance"


async def _section(chat: TeamsChat) -> tuple[str, Sent]:
    """Set up an assessment in Teams; returns its id and the first section card of Prepare."""
    (subject,) = await chat.say("start")
    (focus,) = await chat.tap(subject, "Whole system")
    (footprint,) = await chat.tap(focus, "Strategic")
    (stance,) = await chat.tap(footprint, "Place")
    (phases,) = await chat.tap(stance, "Planning new work")
    (section,) = await chat.tap(phases, "Prepare · 0/3")
    return str(section.submits()["Emerging"]["assessment"]), section


async def test_an_idea_tapped_twice_as_two_activities_makes_one_action(bot: RunningBot) -> None:
    chat = bot.chat()
    _, section = await _section(chat)
    (evidence,) = await chat.tap(section, "Developing")
    (ideas,) = await chat.tap(evidence, "No evidence now")
    take = chat.tapping(ideas, "Add idea 1")
    await chat.post(take)

    (notice,) = await chat.post(_again(take))

    assert notice.text == say.ALREADY_DONE
    assert len(await bot.app[STORE].find(ALICE_SPACE, Action)) == 1


async def test_another_button_on_an_old_card_records_one_revision_however_often_it_arrives(bot: RunningBot) -> None:
    chat = bot.chat()
    assessment, old_card = await _section(chat)
    await chat.tap(old_card, "Emerging")
    thriving = chat.tapping(old_card, "Thriving")

    (evidence,) = await chat.post(thriving)
    (notice,) = await chat.post(_again(thriving))

    assert evidence.title is not None and evidence.title.startswith("Any evidence for 4a")
    assert notice.text == say.ALREADY_DONE
    (response,) = await bot.app[STORE].responses(AssessmentKey(ALICE_SPACE, assessment))
    assert [revision.rating for revision in response.history] == [1]
    assert response.rating == 4


@pytest.mark.parametrize(
    "value",
    [
        {"intent": "edit_action", "action": ACTION.id, "change": "later_7", "n": "short", "v": 1},
        {"intent": "edit_action", "action": ACTION.id, "change": "later_7", "n": "has spaces in it!", "v": 1},
        {"intent": "menu", "n": "abcdefghijklmnop", "v": 1},
    ],
    ids=["too short", "not URL-safe", "on an intent that changes nothing"],
)
async def test_a_malformed_or_misplaced_nonce_is_refused_and_changes_nothing(
    bot: RunningBot, value: dict[str, Any]
) -> None:
    await bot.app[STORE].put(ALICE_SPACE, ACTION)

    (refused,) = await bot.chat().submit(value)

    assert refused.text == say.BAD_INPUT
    assert await _due(bot.app[STORE]) == DUE


async def test_a_slack_tap_sent_again_as_a_new_interaction_changes_nothing(slack: RunningSlackBot) -> None:
    user = slack.user()
    developing = user.tapping(await _section_card(user), "Developing")
    await user.interaction(developing)
    action = {**developing["actions"][0], "action_ts": "1763890000.999999"}

    (notice,) = await user.interaction({**developing, "trigger_id": "trigger-again", "actions": [action]})

    assert notice.text == say.ALREADY_DONE
    (response,) = await slack.app[STORE].find(SLACK_SPACE, Response)
    assert response.history == ()


async def test_a_slack_message_updated_after_a_tap_carries_new_one_time_buttons(slack: RunningSlackBot) -> None:
    user = slack.user()
    (evidence,) = await user.tap(await _section_card(user), "Developing")
    (section,) = await user.tap(evidence, "Change rating")

    (evidence,) = await user.tap(section, "Thriving")

    assert evidence.updated and evidence.title is not None and evidence.title.startswith("Any evidence for 4a")
    (response,) = await slack.app[STORE].find(SLACK_SPACE, Response)
    assert ([revision.rating for revision in response.history], response.rating) == ([2], 4)
