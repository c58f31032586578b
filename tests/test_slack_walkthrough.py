"""Slack end to end: signed requests to /slack/*, the real slack_sdk client talking to a fake Web API on 127.0.0.1."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Protocol

import pytest
from slack_sdk.models.blocks import Block

from adapters.http import SLACK, STORE
from app import configure_logging
from bot.framework import Level
from bot.keys import AssessmentKey, TeamKey, TenantKey
from bot.messages import TURN_FAILED
from bot.models import Action, Assessment, Response
from tests.harness import RunningBot, running_bot
from tests.slack_harness import SECRET, TOKEN, Posted, RunningSlackBot, SlackUser, as_json, running_slack_bot

NOT_FOUND = "I can't find that assessment for you. It may belong to someone else. Type start to begin your own."
SPACE = TeamKey(TenantKey("slack", "T0001"), "user:U0001")


def _value(posted: Posted, label: str) -> dict[str, Any]:
    return dict(json.loads(posted.buttons()[label]["value"]))


class Message(Protocol):
    @property
    def title(self) -> str | None: ...


class Driver(Protocol):
    """What a person can do in either channel: type, tap a button, or type into a card's text box."""

    async def say(self, text: str) -> list[Message]: ...
    async def tap(self, message: Message, label: str) -> list[Message]: ...
    async def type_into(self, message: Message, label: str, text: str) -> list[Message]: ...


class TeamsDriver:
    def __init__(self, bot: RunningBot) -> None:
        self.chat = bot.chat(user="29:alice")

    async def say(self, text: str) -> list[Message]:
        return list(await self.chat.say(text))

    async def tap(self, message: Message, label: str) -> list[Message]:
        return list(await self.chat.tap(message, label))  # type: ignore[arg-type]

    async def type_into(self, message: Message, label: str, text: str) -> list[Message]:
        return list(await self.chat.tap(message, label, text=text))  # type: ignore[arg-type]


class SlackDriver:
    def __init__(self, user: SlackUser) -> None:
        self.user = user

    async def say(self, text: str) -> list[Message]:
        return list(await self.user.dm(text))

    async def tap(self, message: Message, label: str) -> list[Message]:
        return list(await self.user.tap(message, label))  # type: ignore[arg-type]

    async def type_into(self, message: Message, label: str, text: str) -> list[Message]:
        return list(await self.user.type_into(message, label, text))  # type: ignore[arg-type]


async def _walk_prepare_phase(person: Driver) -> Message:
    """The same script in any channel: set-up, then every Prepare section, ending at the phase summary."""
    (welcome,) = await person.say("hi")
    (subject,) = await person.tap(welcome, "Start an assessment")
    (focus,) = await person.type_into(subject, "OK", "Diabetes prevention in Northtown")
    (footprint,) = await person.tap(focus, "Strategic")
    (stance,) = await person.tap(footprint, "Place")
    (phases,) = await person.tap(stance, "Planning new work")
    (card,) = await person.tap(phases, "Prepare · 0/3")
    for code, level in (("4a", "Maturing"), ("4b", "Not sure"), ("4c", "Thriving")):
        assert card.title is not None and card.title.startswith(code)
        (evidence,) = await person.tap(card, level)
        if code == "4a":
            (ideas,) = await person.type_into(evidence, "Save evidence", "Minutes of the March forum")
            await person.tap(ideas, "Add idea 2")
        else:
            (ideas,) = await person.tap(evidence, "No evidence now")
        (card,) = await person.tap(ideas, "Next section")
    return card


def _comparable(responses: list[Response], actions: list[Action]) -> tuple[object, object]:
    """What was stored, without ids, people and times, which differ by channel."""
    return (
        sorted((r.section, r.rating, r.evidence, [rev.rating for rev in r.history]) for r in responses),
        sorted((a.section, a.title, a.due, a.horizon, a.status) for a in actions),
    )


async def test_teams_and_slack_walkthroughs_drive_the_same_dialogs_to_the_same_stored_answers(tmp_path: Path) -> None:
    async with running_bot(tmp_path / "teams") as teams:
        teams_summary = await _walk_prepare_phase(TeamsDriver(teams))
        teams_space = TeamKey(TenantKey("teams", "tenant-a"), "user:29:alice")
        (teams_assessment,) = await teams.app[STORE].find(teams_space, Assessment)
        teams_stored = _comparable(
            await teams.app[STORE].responses(AssessmentKey(teams_space, teams_assessment.id)),
            await teams.app[STORE].find(teams_space, Action),
        )
    async with running_slack_bot(tmp_path / "slack") as slack:
        slack_summary = await _walk_prepare_phase(SlackDriver(slack.user()))
        (slack_assessment,) = await slack.app[STORE].find(SPACE, Assessment)
        slack_stored = _comparable(
            await slack.app[STORE].responses(AssessmentKey(SPACE, slack_assessment.id)),
            await slack.app[STORE].find(SPACE, Action),
        )

    assert teams_summary.title == slack_summary.title == "Prepare phase: summary"
    assert teams_assessment.scope == slack_assessment.scope
    assert teams_stored == slack_stored
    responses, actions = slack_stored
    assert [(section, rating, evidence) for section, rating, evidence, _ in responses] == [  # type: ignore[attr-defined]
        ("4a", Level.MATURING, "Minutes of the March forum"), ("4b", "not_sure", None), ("4c", Level.THRIVING, None),
    ]
    assert len(actions) == 1  # type: ignore[arg-type]


async def test_a_dm_walkthrough_uses_slack_idioms(slack: RunningSlackBot) -> None:
    alice = slack.user()
    (welcome,) = await alice.dm("hello")
    (subject,) = await alice.tap(welcome, "Start an assessment")
    (focus,) = await alice.tap(subject, "Whole system")
    updated = alice.calls_since("chat.update", 0)
    (footprint,) = await alice.tap(focus, "Operational")
    (stance,) = await alice.tap(footprint, "System")
    (phases,) = await alice.tap(stance, "Looking back at past work")
    (card,) = await alice.tap(phases, "Evaluate · 0/3")
    before = len(slack.api.requests)
    (evidence,) = await alice.tap(card, "Developing")
    (rating_update,) = alice.calls_since("chat.update", before)

    assert welcome.title == "Welcome to Reflect" and welcome.channel == "DU0001"
    assert updated[0].body["ts"] == subject.ts == focus.ts and focus.updated
    assert "✓ You chose: Whole system" in json.dumps(updated[0].body["blocks"], ensure_ascii=False)
    assert card.title == "7a Planning evaluation"
    assert rating_update.body["ts"] == card.ts == evidence.ts and "✓ Your answer: Developing" in evidence.texts()
    assert evidence.buttons()["Save evidence"]["action_id"] == "reflect-text"
    before = len(slack.api.requests)
    (ideas,) = await alice.type_into(evidence, "Save evidence", "Survey of 300 residents")
    (opened,) = alice.calls_since("views.open", before)
    assert as_json(opened.body["view"])["type"] == "modal"
    assert ideas.updated and ideas.ts == card.ts and "✓ Evidence saved: Survey of 300 residents" in ideas.texts()
    assert ideas.title == "Next steps for 7a Planning evaluation"
    (response,) = await slack.app[STORE].find(SPACE, Response)
    assert (response.section, response.rating, response.evidence) == ("7a", Level.DEVELOPING, "Survey of 300 residents")


async def test_the_slash_command_replies_in_the_apps_dm(slack: RunningSlackBot) -> None:
    alice = slack.user()
    (help_card,) = await alice.command("")
    (subject,) = await alice.command("start")

    assert help_card.title == "What you can type"
    assert subject.title == "What are you assessing?"
    assert subject.channel == "DU0001"
    assert len(alice.calls_since("conversations.open", 0)) == 2


async def test_app_home_shows_assessments_with_progress_and_open_actions(slack: RunningSlackBot) -> None:
    alice = slack.user()
    await _walk_prepare_phase(SlackDriver(alice))

    assert await alice.event({"type": "app_home_opened", "user": "U0001", "channel": "DU0001", "tab": "home"}) == []

    (published,) = alice.calls_since("views.publish", 0)
    home = json.dumps(as_json(published.body["view"]))
    assert published.body["user_id"] == "U0001"
    assert "Diabetes prevention in Northtown (cycle 1, planning new work): Check 0/4" in home
    assert "Prepare 3/3" in home
    assert "due 7 Dec 2026" in home
    assert "Resume" in home and "Start an assessment" in home


async def test_a_button_naming_another_workspaces_assessment_is_refused(slack: RunningSlackBot) -> None:
    theirs = slack.user(team="T0001", user="U0001")
    (welcome,) = await theirs.dm("hi")
    (subject,) = await theirs.tap(welcome, "Start an assessment")
    (focus,) = await theirs.tap(subject, "Whole system")
    (footprint,) = await theirs.tap(focus, "Strategic")
    (stance,) = await theirs.tap(footprint, "Place")
    (phases,) = await theirs.tap(stance, "Planning new work")
    forged = {"v": 1, "intent": "rate", "assessment": _value(phases, "Check · 0/4")["assessment"], "section": "1a", "level": 4}
    intruder = slack.user(team="T0002", user="U0001")
    await intruder.dm("hi")

    (reply,) = await intruder.interaction({
        "type": "block_actions", "team": {"id": "T0002"}, "user": {"id": "U0001", "team_id": "T0002"},
        "trigger_id": "t", "container": {"type": "message", "message_ts": "1.2", "channel_id": "DU0001"},
        "actions": [{"type": "button", "action_id": "reflect:0", "value": json.dumps(forged), "block_id": "b"}],
    })

    assert reply.texts() == [NOT_FOUND]
    other = TeamKey(TenantKey("slack", "T0002"), "user:U0001")
    assert await slack.app[STORE].find(other, Response) == []
    assert await slack.app[STORE].find(SPACE, Response) == []


async def test_a_429_from_chat_post_message_is_retried_after_retry_after(slack: RunningSlackBot) -> None:
    slack.api.fail_next("chat.postMessage", status=429, retry_after=1)

    (welcome,) = await slack.user().dm("hi")

    attempts = [call for call in slack.api.requests if call.method == "chat.postMessage"]
    assert [call.status for call in attempts] == [429, 200]
    assert welcome.title == "Welcome to Reflect"


async def test_a_retried_event_is_answered_once(slack: RunningSlackBot) -> None:
    alice = slack.user()
    event = {"type": "message", "channel_type": "im", "channel": "DU0001", "user": "U0001", "text": "help", "ts": "1.5"}
    first = await alice.event(event, event_id="Ev-same")
    again = await alice.event(event, event_id="Ev-same")

    assert len(first) == 1 and again == []


async def test_unsigned_requests_reach_nothing(slack: RunningSlackBot) -> None:
    body = json.dumps({"type": "event_callback", "team_id": "T0001", "event_id": "Ev1", "event_time": 1,
                       "event": {"type": "message", "channel_type": "im", "channel": "D1", "user": "U1", "text": "hi"}}).encode()
    async with slack.session.post(f"{slack.url}/slack/events", data=body, headers={"Content-Type": "application/json"}) as reply:
        assert reply.status == 401
    await slack.app[SLACK].drain()

    assert slack.api.requests == []


async def test_an_app_mention_in_a_channel_is_answered_in_that_channel(slack: RunningSlackBot) -> None:
    alice = slack.user()
    mention = {"type": "app_mention", "channel": "C0CHAN", "user": "U0001", "ts": "2.1"}
    await alice.event({**mention, "text": "<@U0BOT> hi"})
    (help_card,) = await alice.event({**mention, "text": "<@U0BOT>   help"})
    (subject,) = await alice.event({**mention, "text": "<@U0BOT|reflect> start"})

    assert help_card.channel == "C0CHAN" and help_card.title == "What you can type"
    assert "Sorry, I didn't catch that" not in json.dumps(help_card.blocks)
    assert subject.title == "What are you assessing?"


async def test_the_bots_own_messages_never_start_a_turn(slack: RunningSlackBot) -> None:
    own = {"type": "message", "channel_type": "im", "channel": "DU0001", "user": "U0BOT", "text": "Welcome", "ts": "3.1"}

    assert await slack.user().event({**own, "bot_id": "B0001"}) == []
    assert await slack.user().event({**own, "subtype": "bot_message"}) == []
    assert slack.api.requests == []


async def test_a_button_on_app_home_replies_in_the_dm(slack: RunningSlackBot) -> None:
    alice = slack.user()
    await alice.event({"type": "app_home_opened", "user": "U0001", "channel": "DU0001", "tab": "home"})
    (published,) = alice.calls_since("views.publish", 0)
    blocks = as_json(published.body["view"])["blocks"]
    start = next(e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["text"]["text"] == "Start an assessment")

    (subject,) = await alice.interaction({
        "type": "block_actions", "team": {"id": "T0001"}, "user": {"id": "U0001", "team_id": "T0001"},
        "trigger_id": "t-home", "container": {"type": "view", "view_id": "V1"},
        "actions": [{"type": "button", "action_id": start["action_id"], "value": start["value"], "block_id": "b"}],
    })

    assert (subject.channel, subject.title) == ("DU0001", "What are you assessing?")


async def test_answers_and_secrets_never_reach_the_logs_even_at_debug(
    slack: RunningSlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    configure_logging("DEBUG")
    caplog.set_level(logging.DEBUG)
    alice = slack.user()
    await _walk_prepare_phase(SlackDriver(alice))
    await alice.dm("Our private note about the Northtown forum")

    logged = caplog.text
    assert "Minutes of the March forum" not in logged
    assert "Diabetes prevention in Northtown" not in logged
    assert "private note" not in logged
    assert SECRET not in logged and TOKEN not in logged
    assert "turn intent=rate" in logged


async def test_the_longest_evidence_reaches_slack_within_block_kit_limits(slack: RunningSlackBot) -> None:
    alice = slack.user()
    (welcome,) = await alice.dm("hi")
    (subject,) = await alice.tap(welcome, "Start an assessment")
    (focus,) = await alice.type_into(subject, "OK", "語" * 120)
    (footprint,) = await alice.tap(focus, "Strategic")
    (stance,) = await alice.tap(footprint, "Place")
    (phases,) = await alice.tap(stance, "Planning new work")
    (card,) = await alice.tap(phases, "Check · 0/4")
    (evidence,) = await alice.tap(card, "Maturing")
    await alice.type_into(evidence, "Save evidence", "🙂 evidence " * 181 + "x" * 9)

    sent = [call for call in slack.api.requests if call.method in ("chat.postMessage", "chat.update")]
    assert len(sent) >= 9 and "✓ Evidence saved: 🙂 evidence" in json.dumps(as_json(sent[-1].body["blocks"]), ensure_ascii=False)
    for call in sent:
        blocks = as_json(call.body["blocks"])
        assert Block.parse_all(blocks) and [b.to_dict() for b in Block.parse_all(blocks)] == blocks
        assert len(blocks) <= 50
        assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section" and "text" in b)
        assert all(len(e["value"]) <= 2000 and len(e["text"]["text"]) <= 75 for b in blocks if b["type"] == "actions" for e in b["elements"])
    (response,) = await slack.app[STORE].find(SPACE, Response)
    assert response.evidence is not None and len(response.evidence) == 2000


async def test_a_turn_that_fails_in_slack_apologises_instead_of_going_silent(
    slack: RunningSlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    alice = slack.user()
    (subject,) = await alice.dm("start")
    slack.api.fail_next("chat.update", status=200, error="message_not_found")
    slack.api.fail_next("chat.postMessage", status=200, error="channel_not_found")

    (apology,) = await alice.tap(subject, "Whole system")

    assert apology.texts() == [TURN_FAILED]
    assert "turn failed: SlackApiError" in caplog.text


async def test_a_tapped_message_slack_will_not_update_comes_as_a_new_one(slack: RunningSlackBot) -> None:
    alice = slack.user()
    (subject,) = await alice.dm("start")
    slack.api.fail_next("chat.update", status=200, error="message_not_found")

    (focus,) = await alice.tap(subject, "Whole system")

    assert not focus.updated and focus.ts != subject.ts
    assert focus.texts()[0] == "✓ You chose: Whole system" and "Strategic" in focus.buttons()
