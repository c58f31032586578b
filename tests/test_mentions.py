"""Mention stripping (corpus TM-1): only the bot's own @mention goes; everything else the user typed stays."""

from __future__ import annotations

from typing import Any

import pytest
from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ChannelAccount, Mention

from adapters.teams.mentions import strip_leading_mention

BOT_ID = "28:reflect-bot"


def _mention(account_id: str, name: str, text: str | None = None) -> dict[str, Any]:
    entity: dict[str, Any] = {"type": "mention", "mentioned": {"id": account_id, "name": name}}
    if text is not None:
        entity["text"] = text
    return entity


def _activity(text: str, mentions: list[dict[str, Any]], bot_name: str = "Bot") -> Activity:
    """Built the way the adapter builds it: deserialized from the channel's JSON."""
    return Activity().deserialize(
        {
            "type": "message",
            "text": text,
            "recipient": {"id": BOT_ID, "name": bot_name},
            "from": {"id": "29:user-1", "name": "Pat"},
            "entities": [*mentions, {"type": "clientInfo", "locale": "en-GB"}],
        }
    )


@pytest.mark.parametrize(
    ("text", "mentions", "bot_name", "expected"),
    [
        ("<at>Bot</at> help", [_mention(BOT_ID, "Bot", "<at>Bot</at>")], "Bot", "help"),
        ("help <at>Bot</at>", [_mention(BOT_ID, "Bot", "<at>Bot</at>")], "Bot", "help"),
        ("<at>Helper</at> ask Helper about x", [_mention(BOT_ID, "Helper", "<at>Helper</at>")], "Helper",
         "ask Helper about x"),
        ("<at>Bot (beta) + v1.2 &amp; *</at> rate 4c",
         [_mention(BOT_ID, "Bot (beta) + v1.2 & *", "<at>Bot (beta) + v1.2 &amp; *</at>")],
         "Bot (beta) + v1.2 & *", "rate 4c"),
        ("<at>Tom &amp; Jerry</at> go", [_mention(BOT_ID, "Tom & Jerry", "<at>Tom & Jerry</at>")], "Tom & Jerry",
         "go"),
        ("<at>Bot</at> evidence: Q&amp;A &lt;draft&gt; &quot;v2&quot;", [_mention(BOT_ID, "Bot", "<at>Bot</at>")],
         "Bot", 'evidence: Q&A <draft> "v2"'),
        ("<at>Bot</at> assign <at>Alice Smith</at> 4c",
         [_mention(BOT_ID, "Bot", "<at>Bot</at>"), _mention("29:alice", "Alice Smith", "<at>Alice Smith</at>")],
         "Bot", "assign <at>Alice Smith</at> 4c"),
        ("<at>Alice Smith</at> please ask <at>Bot</at> later",
         [_mention("29:alice", "Alice Smith", "<at>Alice Smith</at>"), _mention(BOT_ID, "Bot", "<at>Bot</at>")],
         "Bot", "<at>Alice Smith</at> please ask <at>Bot</at> later"),
        ("<at>Bot</at> tell <at>Bot</at> hi", [_mention(BOT_ID, "Bot", "<at>Bot</at>")], "Bot",
         "tell <at>Bot</at> hi"),
        ("  help  ", [], "Bot", "help"),
        ("help", [], "Bot", "help"),
        ("<at>Bot</at>", [_mention(BOT_ID, "Bot", "<at>Bot</at>")], "Bot", ""),
        ("<at>Bot</at>\u00a0 help", [_mention(BOT_ID, "Bot", "<at>Bot</at>")], "Bot", "help"),
        ("<at>Bot</at> help", [_mention(BOT_ID, "Bot")], "Bot", "help"),
        ("<at>Bot</at> help", [], "Bot", "help"),
        ("<at>Alice</at> help", [], "Bot", "<at>Alice</at> help"),
        ("<at>Bot</at> help", [_mention("29:someone-else", "Bot", "<at>Bot</at>")], "Bot", "<at>Bot</at> help"),
    ],
    ids=[
        "leading", "trailing", "bot name used later", "name with ( ) + . & *", "entity text unescaped",
        "HTML entities", "bot plus a user", "user mention first", "second bot mention kept", "no mention, padded",
        "no mention", "mention only", "non-breaking space", "entity without text", "no entities, names the bot",
        "no entities, names someone else", "a user who shares the bot's name",
    ],
)
def test_only_the_bots_own_mention_is_removed(
    text: str, mentions: list[dict[str, Any]], bot_name: str, expected: str
) -> None:
    assert strip_leading_mention(_activity(text, mentions, bot_name)) == expected


def test_mention_objects_built_in_code_work_too() -> None:
    activity = Activity(
        type="message",
        text="<at>Bot</at> help",
        recipient=ChannelAccount(id=BOT_ID, name="Bot"),
        entities=[Mention(mentioned=ChannelAccount(id=BOT_ID, name="Bot"), text="<at>Bot</at>", type="mention")],
    )

    assert strip_leading_mention(activity) == "help"


def test_the_activity_is_not_changed() -> None:
    activity = _activity("<at>Helper</at> ask Helper about x", [_mention(BOT_ID, "Helper", "<at>Helper</at>")])
    before = activity.serialize()

    assert strip_leading_mention(activity) == "ask Helper about x"
    assert activity.serialize() == before
    assert activity.text == "<at>Helper</at> ask Helper about x"


def test_the_sdk_helper_it_replaces_really_does_both_things_wrong() -> None:
    """Keeps the reason for this function honest: if the SDK is fixed, this fails and we can drop ours (T38)."""
    activity = _activity("<at>Helper</at> ask Helper about x", [_mention(BOT_ID, "Helper", "<at>Helper</at>")])

    assert TurnContext.remove_recipient_mention(activity) == " ask  about x"
    assert activity.text == " ask  about x"
