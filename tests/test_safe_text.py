"""Safe text: what people type is shown as typed in Teams and Slack, never as markup, a mention or a link; every
message carries a sentence for notifications; every required box says what is missing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from adapters.slack.blocks import WORD_JOINER
from adapters.teams.cards import plain
from tests.harness import RunningBot, Sent, TeamsChat
from tests.slack_harness import RunningSlackBot, SlackUser, as_json

TYPED = "*Urgent* _now_ ~old~ `x` <!channel> <@U0BOSS> **bold** [link](https://x.example) &amp; <at>Bob</at>"


def _objects(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for item in node:
            yield from _objects(item)


def _slack_shows(mrkdwn: str) -> str:
    """What Slack displays for escaped mrkdwn text once its entities are read and the zero-width spaces vanish."""
    return mrkdwn.replace(WORD_JOINER, "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


async def _teams_action_renamed(chat: TeamsChat) -> list[Sent]:
    """A Teams assessment and action named with the typed text; returns every message of the closing steps."""
    (subject,) = await chat.say("start")
    (focus,) = await chat.tap(subject, "OK", text=TYPED)
    (footprint,) = await chat.tap(focus, "Strategic")
    (stance,) = await chat.tap(footprint, "Place")
    await chat.tap(stance, "Looking back at past work")
    (listed,) = await chat.say("assessments")
    return [listed, *await chat.tap(listed, "Close 1")]


def _lines(sent: Sent) -> list[str]:
    assert sent.card is not None
    return [element["text"] for element in _objects(sent.card) if element.get("type") == "TextBlock"]


async def test_teams_shows_a_typed_subject_as_typed_on_cards_and_in_plain_notices(bot: RunningBot) -> None:
    chat = bot.chat()
    listed, closed = await _teams_action_renamed(chat)
    added, _card = await chat.say(f"add action {TYPED}")

    assert any(plain(TYPED) in line for line in _lines(listed))
    assert listed.card is not None and TYPED not in json.dumps(listed.card["body"])
    assert closed.updated and closed.card is not None and TYPED not in json.dumps(closed.card["body"])
    assert plain(f"Closed {TYPED}. Its answers are kept, and you can reopen it from My assessments.") in _lines(closed)
    assert added.body["textFormat"] == "plain"
    as_typed = TYPED.replace("&amp;", "&")  # a Teams message's text arrives HTML-escaped; card inputs do not
    assert added.text is not None and added.text.startswith(f"Added to your actions: {as_typed} (quick win")


async def test_every_teams_card_has_a_summary_and_every_required_box_an_error_message_and_its_own_label(bot: RunningBot) -> None:
    chat = bot.chat()
    sent = [*await chat.say("hello"), *await chat.say("start")]
    sent += await _teams_action_renamed(chat)

    cards = [message for message in sent if message.card is not None]
    assert cards and all(message.body.get("summary") for message in cards)
    boxes = [(message.title, element) for message in cards for element in _objects(message.card) if element.get("type") == "Input.Text"]
    assert boxes and all(box.get("isRequired") and box.get("errorMessage") for _, box in boxes)
    assert [title for title, box in boxes if box["label"] == title] == []


async def _slack_action_named(me: SlackUser) -> None:
    (subject,) = await me.dm("start")
    (focus,) = await me.type_into(subject, "OK", TYPED)
    (footprint,) = await me.tap(focus, "Strategic")
    (stance,) = await me.tap(footprint, "Place")
    (phases,) = await me.tap(stance, "Looking back at past work")
    (section,) = await me.tap(phases, "Check · 0/4")
    (evidence,) = await me.tap(section, "Emerging")
    (ideas,) = await me.tap(evidence, "No evidence now")
    await me.tap(ideas, "Add idea 1")
    (listed,) = await me.dm("actions")
    (action,) = await me.tap(listed, "Edit 1")
    await me.type_into(action, "Rename", TYPED)


async def test_slack_shows_typed_text_as_typed_and_never_as_a_mention_link_or_emphasis(slack: RunningSlackBot) -> None:
    me = slack.user()
    await _slack_action_named(me)
    (listed,) = await me.dm("actions")

    (field,) = [text for text in listed.texts() if "Urgent" in text]
    value = field.split("\n", 1)[1]
    assert _slack_shows(value) == TYPED
    assert "*Urgent*" not in value and "_now_" not in value and "~old~" not in value
    calls = [call.body for call in slack.api.requests if call.method.startswith("chat.")]
    markup = [body["text"] for body in calls] + [
        element["text"] for body in calls for element in _objects(as_json(body["blocks"])) if element.get("type") == "mrkdwn"
    ]
    assert markup and not any("<!channel>" in text or "<@U0BOSS>" in text for text in markup)


async def test_every_slack_message_has_notification_text_and_lines_are_plain_text(slack: RunningSlackBot) -> None:
    me = slack.user()
    await _slack_action_named(me)

    calls = [call for call in slack.api.requests if call.method in ("chat.postMessage", "chat.update")]
    assert calls and all(call.body.get("text") for call in calls)
    sections = [block for call in calls for block in as_json(call.body["blocks"]) if block["type"] == "section"]
    lines = [block["text"] for block in sections if "text" in block]
    assert lines and {line["type"] for line in lines} == {"plain_text"}
    assert any(TYPED in line["text"] for line in lines)
