"""Slack's edge under hostile or odd input, and forms opened from a channel, through signed requests to the real app.

Issue 8: every bad body is a 4xx with no traceback and nothing written or sent; a modal keeps the conversation of
the card it was opened from, so its submission is handled in the channel's space.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from adapters.http import SLACK, STORE
from adapters.log_hygiene import install_log_hygiene
from bot.keys import AssessmentKey, TeamKey, TenantKey
from bot.models import Action, Assessment, Response
from tests.fakes.slack_api import sign
from tests.slack_harness import SECRET, Posted, RunningSlackBot, SlackUser

CHANNEL = "C0CHAN"
CHANNEL_SPACE = TeamKey(TenantKey("slack", "T0001"), CHANNEL)
OWN_SPACE = TeamKey(TenantKey("slack", "T0001"), "user:U0001")


def _files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


async def _mention(user: SlackUser, text: str) -> list[Posted]:
    return await user.event({"type": "app_mention", "channel": CHANNEL, "user": user.user, "text": f"<@U0BOT> {text}", "ts": "9.1"})


async def _set_up_in_channel(alice: SlackUser) -> Posted:
    """Start in the channel and type the subject into the set-up form; returns the phases card."""
    (subject,) = await _mention(alice, "start")
    (focus,) = await alice.type_into(subject, "OK", "Diabetes prevention in Northtown")
    (footprint,) = await alice.tap(focus, "Strategic")
    (stance,) = await alice.tap(footprint, "Place")
    (phases,) = await alice.tap(stance, "Planning new work")
    assert phases.channel == CHANNEL
    return phases


async def test_a_subject_typed_into_a_form_from_a_channel_card_sets_up_the_channels_assessment(
    slack: RunningSlackBot,
) -> None:
    alice = slack.user()

    await _set_up_in_channel(alice)

    (assessment,) = await slack.app[STORE].find(CHANNEL_SPACE, Assessment)
    assert assessment.scope.subject == "Diabetes prevention in Northtown"
    assert await slack.app[STORE].find(OWN_SPACE, Assessment) == []


async def test_evidence_typed_into_a_form_from_a_channel_card_is_saved_in_the_channels_space(
    slack: RunningSlackBot,
) -> None:
    alice = slack.user()
    phases = await _set_up_in_channel(alice)
    (card,) = await alice.tap(phases, "Prepare · 0/3")
    (evidence,) = await alice.tap(card, "Maturing")

    (ideas,) = await alice.type_into(evidence, "Save evidence", "Minutes of the March forum")

    assert ideas.channel == CHANNEL and "✓ Evidence saved: Minutes of the March forum" in ideas.texts()
    (assessment,) = await slack.app[STORE].find(CHANNEL_SPACE, Assessment)
    (response,) = await slack.app[STORE].responses(AssessmentKey(CHANNEL_SPACE, assessment.id))
    assert (response.section, response.evidence) == ("4a", "Minutes of the March forum")
    assert await slack.app[STORE].find(OWN_SPACE, Response) == []


async def test_an_action_renamed_through_a_form_from_a_channel_card_is_renamed_in_the_channels_space(
    slack: RunningSlackBot,
) -> None:
    alice = slack.user()
    phases = await _set_up_in_channel(alice)
    (card,) = await alice.tap(phases, "Prepare · 0/3")
    (evidence,) = await alice.tap(card, "Maturing")
    (ideas,) = await alice.tap(evidence, "No evidence now")
    await alice.tap(ideas, "Add idea 1")
    (actions,) = await _mention(alice, "actions")
    (action_card,) = await alice.tap(actions, "Edit 1")

    replies = await alice.type_into(action_card, "Rename", "Invite the Northtown patient panel")

    assert replies and {posted.channel for posted in replies} == {CHANNEL}
    (action,) = await slack.app[STORE].find(CHANNEL_SPACE, Action)
    assert action.title == "Invite the Northtown patient panel"


async def test_a_form_submission_whose_context_is_not_reflects_is_acknowledged_and_ignored(slack: RunningSlackBot) -> None:
    alice = slack.user()
    view = {"id": "V9", "type": "modal", "callback_id": "reflect-text", "private_metadata": '{"channel": 5}',
            "state": {"values": {"text": {"text": {"type": "plain_text_input", "value": "x"}}}}}

    posted = await alice.interaction({"type": "view_submission", "team": {"id": "T0001"},
                                      "user": {"id": "U0001", "team_id": "T0001"}, "view": view})

    assert posted == []
    assert slack.api.requests == []


def _envelope(event: dict[str, Any]) -> dict[str, Any]:
    return {"type": "event_callback", "team_id": "T0001", "event_id": "Ev-edge", "event_time": 1_763_890_000,
            "event": event}


def _dm(**overrides: Any) -> dict[str, Any]:
    return {"type": "message", "channel_type": "im", "channel": "DU0001", "user": "U0001", "text": "help",
            "ts": "1.1", **overrides}


def _nested(payload: dict[str, Any], depth: int) -> bytes:
    """The payload as JSON, with its "blocks" value replaced by lists nested `depth` deep."""
    return json.dumps(payload).replace('"NESTED"', "[" * depth + '"bottom"' + "]" * depth).encode()


BAD_EVENTS: dict[str, bytes] = {
    "NUL in the user id": json.dumps(_envelope(_dm(user="U00\u00001"))).encode(),
    "text that is a number": json.dumps(_envelope(_dm(text=42))).encode(),
    "text longer than Slack allows": json.dumps(_envelope(_dm(text="x" * 40_001))).encode(),
    "JSON nested 1,000 deep": _nested(_envelope(_dm(blocks="NESTED")), 1000),
    "JSON nested 65 deep": _nested(_envelope(_dm(blocks="NESTED")), 63),
    "a lone surrogate in the channel id": json.dumps(_envelope(_dm(channel="D\ud800"))).encode(),
    "a lone surrogate in the text": json.dumps(_envelope(_dm(text="hi \udfff"))).encode(),
    "NaN in the event time": json.dumps({**_envelope(_dm()), "event_time": float("nan")}).encode(),
}


@pytest.mark.parametrize("case", sorted(BAD_EVENTS))
async def test_a_signed_event_with_bad_content_is_a_400_with_nothing_run_written_or_logged_as_error(
    slack: RunningSlackBot, tmp_path: Path, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    before = _files(tmp_path)

    status = await slack.signed_post("/slack/events", BAD_EVENTS[case], "application/json")

    assert status == 400
    assert slack.api.requests == []
    assert _files(tmp_path) == before
    assert [record for record in caplog.records if record.levelno >= logging.ERROR or record.exc_info] == []


async def test_json_nested_64_deep_is_still_read(slack: RunningSlackBot) -> None:
    body = _nested(_envelope(_dm(blocks="NESTED")), 62)

    assert await slack.signed_post("/slack/events", body, "application/json") == 200
    assert [call.method for call in slack.api.requests] == ["chat.postMessage", "users.info"]


async def test_a_deeply_nested_interaction_payload_is_a_400(slack: RunningSlackBot) -> None:
    payload = {"type": "block_actions", "team": {"id": "T0001"}, "user": {"id": "U0001"}, "trigger_id": "t",
               "actions": "NESTED"}
    body = urlencode({"payload": _nested(payload, 2000).decode()}).encode()

    assert await slack.signed_post("/slack/interactive", body, "application/x-www-form-urlencoded") == 400
    assert slack.api.requests == []


async def test_a_client_that_hangs_up_mid_body_leaves_no_traceback(
    slack: RunningSlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    body = json.dumps(_envelope(_dm())).encode()
    headers = {**sign(SECRET, body, int(time.time())), "Content-Type": "application/json",
               "Content-Length": str(len(body) + 100)}
    host, port = slack.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    writer.write(f"POST /slack/events HTTP/1.1\r\nHost: {host}\r\n{head}\r\n".encode() + body)
    await writer.drain()
    writer.close()
    await writer.wait_closed()
    async with asyncio.timeout(5):
        while "body not received" not in caplog.text:
            await asyncio.sleep(0.01)
    await slack.app[SLACK].drain()

    assert "rejected Slack request to /slack/events (400): body not received" in caplog.text
    assert [record for record in caplog.records if record.levelno >= logging.ERROR or record.exc_info] == []
    assert slack.api.requests == []


async def test_control_characters_from_a_slack_body_are_escaped_in_the_log(
    slack: RunningSlackBot, caplog: pytest.LogCaptureFixture
) -> None:
    install_log_hygiene([caplog.handler])
    caplog.set_level(logging.INFO)
    body = json.dumps({"type": "app_rate_limited", "team_id": "T1\n2026-01-01 ERROR reflect forged line",
                       "minute_rate_limited": 1, "api_app_id": "A1"}).encode()

    assert await slack.signed_post("/slack/events", body, "application/json") == 200

    (line,) = [line for line in caplog.text.splitlines() if "rate-limited" in line]
    assert "Slack rate-limited events for team T1\\x0a2026-01-01 ERROR reflect forg" in line
    assert not any(line.startswith("2026-01-01") for line in caplog.text.splitlines())
