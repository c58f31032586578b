"""Hypothesis strategies for what a client may send Reflect: activities, Slack bodies, and oddities in their fields.

Mostly well-formed bodies with a few fields changed to anything JSON can hold, so generated input gets past the
first checks and reaches the turn, where the crashes were. `REFLECT_FUZZ_EXAMPLES` raises the example count for a
long session (and then examples are random; otherwise the suite runs the same examples each time).
"""

from __future__ import annotations

import json
import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests import builders

LONG_SESSION = os.environ.get("REFLECT_FUZZ_EXAMPLES")


def fuzz_settings(examples: int) -> Any:
    """A modest, repeatable run in the suite; REFLECT_FUZZ_EXAMPLES=N runs N random examples per property."""
    return settings(
        max_examples=int(LONG_SESSION) if LONG_SESSION else examples,
        derandomize=not LONG_SESSION,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


ODD_TEXT = [
    "", " ", "\x00", "a\nb", "\ud800", "x\udfffy", "²", "phase ²", "phase ٣", "phase 4", "phase", "start", "help",
    "resume", "status", "actions", "skip", "back", "stop", "menu", "<at>Reflect</at> help", "<at >" * 50,
    "<at " * 300, "&amp;<at>Reflect</at>", "x" * 2001, "y" * 4001, "🙂" * 10, "\u2028", "1e999", "-0",
]
ODD_IDS = ["a:1", "29:alice", "29:bob", "", "\x00", "\ud800", "x" * 257, "19:chan@thread.tacv2", "U0001", "D\u0000"]

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(ODD_TEXT)
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
texts = st.sampled_from(ODD_TEXT) | st.text(max_size=60)
ids = st.sampled_from(ODD_IDS) | st.text(min_size=1, max_size=12)

INTENTS = ["rate", "phase", "evidence", "skip_evidence", "idea", "next", "start", "menu", "help", "resume",
           "actions", "scope", "subject", "phases", "action", "edit_action", "drop_tables"]


@st.composite
def intent_values(draw: st.DrawFn) -> dict[str, Any]:
    """Card payloads shaped like Reflect's own, with plausible and implausible field values."""
    value: dict[str, Any] = {"intent": draw(st.sampled_from(INTENTS)), "v": draw(st.sampled_from([1, 1, 2, "1"]))}
    optional = {
        "assessment": st.sampled_from(["a-0123456789abcdef", "a-x", ""]) | ids,
        "section": st.sampled_from(["1a", "4c", "7c", "9z", ""]) | json_values,
        "level": st.integers(min_value=-2, max_value=6) | st.sampled_from(["not_sure", "high"]),
        "phase": st.integers(min_value=-1, max_value=9),
        "idea": st.integers(min_value=-1, max_value=5),
        "text": texts,
        "field": st.sampled_from(["subject", "focus", "footprint", "stance", "other"]),
        "change": st.sampled_from(["done", "reopen", "later_7", "rename", "explode"]),
        "action": ids,
    }
    for name in draw(st.lists(st.sampled_from(sorted(optional)), max_size=4, unique=True)):
        value[name] = draw(optional[name])
    return value


TEAMS_FIELDS = ["membersAdded", "membersRemoved", "entities", "channelData", "conversation", "from", "recipient",
                "replyToId", "name", "id", "channelId", "text", "attachments", "timestamp", "value", "type"]
TEAMS_TYPES = ["message", "message", "message", "conversationUpdate", "invoke", "event", "messageReaction",
               "installationUpdate", "typing", "endOfConversation"]


@st.composite
def teams_activities(draw: st.DrawFn, service_url: str) -> dict[str, Any]:
    """An activity as Teams or the Emulator might send it, then up to three fields changed or removed."""
    body = builders.message(
        draw(st.sampled_from([service_url, service_url, service_url, "https://attacker.example/", "http://10.0.0.1/"])),
        draw(st.none() | texts),
        user=draw(ids),
        tenant=draw(st.none() | st.sampled_from(["tenant-a", "tenant-b"]) | ids),
        conversation=draw(st.none() | ids),
        conversation_type=draw(st.sampled_from(["personal", "channel", "groupChat", "other"])),
        channel_id=draw(st.sampled_from(["msteams", "msteams", "emulator", "webchat", "slack", "console", "other"])),
        team=draw(st.none() | ids),
    )
    body["type"] = draw(st.sampled_from(TEAMS_TYPES) | st.text(max_size=8))
    if draw(st.booleans()):
        body["value"] = draw(intent_values() | json_values)
    if body["type"] == "conversationUpdate":
        body["membersAdded"] = draw(st.lists(st.sampled_from([{"id": builders.BOT_ID}, {"id": "29:alice"}, None]), max_size=2))
    for name in draw(st.lists(st.sampled_from(TEAMS_FIELDS), max_size=3, unique=True)):
        if draw(st.booleans()):
            body.pop(name, None)
        else:
            body[name] = draw(json_values)
    return body


SLACK_EVENT_TYPES = ["message", "app_mention", "app_home_opened", "reaction_added"]


@st.composite
def slack_events(draw: st.DrawFn) -> dict[str, Any]:
    """An Events API envelope around a message, mention or App Home visit, with fields changed."""
    event: dict[str, Any] = {
        "type": draw(st.sampled_from(SLACK_EVENT_TYPES) | ids),
        "user": draw(st.sampled_from(["U0001", "U0002"]) | ids),
        "channel": draw(st.sampled_from(["DU0001", "C0CHAN", "G0GROUP"]) | ids),
        "channel_type": draw(st.sampled_from(["im", "channel", "group"])),
        "text": draw(texts | json_values),
        "tab": draw(st.sampled_from(["home", "messages"])),
        "ts": "1.1",
    }
    for name in draw(st.lists(st.sampled_from(["subtype", "bot_id", "user", "text", "channel"]), max_size=2, unique=True)):
        event[name] = draw(json_values)
    envelope: dict[str, Any] = {
        "type": draw(st.sampled_from(["event_callback", "event_callback", "url_verification", "app_rate_limited"])),
        "team_id": draw(st.sampled_from(["T0001", "T0002"]) | ids),
        "event_id": draw(st.uuids().map(str)),
        "event_time": draw(st.integers(min_value=0, max_value=2**40) | json_values),
        "challenge": draw(texts),
        "event": event,
    }
    return envelope


@st.composite
def slack_interactions(draw: st.DrawFn, intents: Any) -> dict[str, Any]:
    """block_actions (buttons carrying Reflect's payloads, or not) and view_submission (with any metadata)."""
    user = {"id": draw(st.sampled_from(["U0001", "U0002"]) | ids), "team_id": "T0001"}
    channel = draw(st.sampled_from(["DU0001", "C0CHAN"]) | ids)
    if draw(st.booleans()):
        action = {"type": "button", "block_id": "b", "action_id": draw(st.sampled_from(["reflect:1", "reflect-text", "other"])),
                  "value": draw(intents.map(_compact) | texts)}
        return {"type": "block_actions", "team": {"id": "T0001"}, "user": user, "trigger_id": "trigger-1",
                "container": {"type": "message", "message_ts": "1.2", "channel_id": channel},
                "actions": [action]}
    metadata = draw(
        st.builds(lambda submit, ch: _compact({"submit": submit, "channel": ch, "ts": "1.2"}), intents, st.just(channel))
        | texts
    )
    view = {"id": "V1", "type": "modal", "callback_id": draw(st.sampled_from(["reflect-text", "other"])),
            "private_metadata": metadata,
            "state": {"values": {"text": {"text": {"type": "plain_text_input", "value": draw(texts | json_values)}}}}}
    return {"type": "view_submission", "team": {"id": "T0001"}, "user": user, "view": view}


slack_commands = st.fixed_dictionaries({
    "command": st.sampled_from(["/reflect", "reflect", "/" + "x" * 90]),
    "text": texts,
    "team_id": st.sampled_from(["T0001"]) | ids,
    "user_id": st.sampled_from(["U0001"]) | ids,
    "channel_id": st.sampled_from(["C0001", "DU0001"]) | ids,
    "trigger_id": st.just("trigger-2"),
    "response_url": st.just("https://hooks.invalid/x"),
})


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
