"""Slack idioms, over signed requests to the real app with a fake Web API on loopback: personal replies in a channel
go to the person only, `/reflect` answers where it was typed, and modal titles are cut at a word."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import MODAL_TITLE_MAX, clip_at_word
from adapters.slack.responses import ResponseUrls
from bot import messages as say
from tests.slack_harness import Posted, RunningSlackBot, SlackUser, as_json

CHANNEL = "C0TEAM"


async def _mention(user: SlackUser, text: str) -> list[Posted]:
    return await user.mention(CHANNEL, text)


async def test_a_mention_in_a_channel_answers_the_person_only(slack: RunningSlackBot) -> None:
    alice = slack.user()
    before = len(slack.api.requests)

    (subject,) = await _mention(alice, "start")

    (ephemeral,) = alice.calls_since("chat.postEphemeral", before)
    assert (ephemeral.body["channel"], ephemeral.body["user"]) == (CHANNEL, "U0001")
    assert ephemeral.body["text"]
    assert alice.calls_since("chat.postMessage", before) == []
    assert subject.ephemeral and subject.title == "What are you assessing?"


async def test_a_tap_on_a_card_only_the_person_sees_updates_it_through_its_response_url(slack: RunningSlackBot) -> None:
    alice = slack.user()
    (subject,) = await _mention(alice, "start")
    before = len(slack.api.requests)

    (focus,) = await alice.tap(subject, "Whole system")

    (replaced,) = [call for call in alice.calls_since("response_url", before) if call.body.get("replace_original")]
    assert "You chose: Whole system" in str(replaced.body["blocks"])
    assert replaced.body["response_type"] == "ephemeral"
    assert alice.calls_since("chat.update", before) == []
    assert focus.ephemeral and focus.title == "Is this strategic or operational work?"


async def test_evidence_typed_into_a_form_from_a_private_card_replaces_that_card(slack: RunningSlackBot) -> None:
    alice = slack.user()
    (subject,) = await _mention(alice, "start")
    (focus,) = await alice.tap(subject, "Whole system")
    (footprint,) = await alice.tap(focus, "Strategic")
    (stance,) = await alice.tap(footprint, "Place")
    (phases,) = await alice.tap(stance, "Planning new work")
    (section,) = await alice.tap(phases, "Challenge · 0/3")
    (evidence,) = await alice.tap(section, "Developing")
    before = len(slack.api.requests)

    (ideas,) = await alice.type_into(evidence, "Save evidence", "Notes from the March forum")

    (opened,) = alice.calls_since("views.open", before)
    assert as_json(opened.body["view"])["title"]["text"] == "Any evidence for 2a…"
    (replaced,) = [call for call in alice.calls_since("response_url", before) if call.body.get("replace_original")]
    assert ideas.updated and ideas.ephemeral and ideas.ts == evidence.ts
    assert "✓ Evidence saved: Notes from the March forum" in ideas.texts() and ideas.blocks == as_json(replaced.body["blocks"])


async def test_the_slash_command_answers_where_it_was_typed_and_carries_on_in_the_dm(slack: RunningSlackBot) -> None:
    alice = slack.user()
    before = len(slack.api.requests)

    pointer, help_card = await alice.command("help", channel=CHANNEL, answer_here=True)

    assert pointer.ephemeral and pointer.channel == CHANNEL
    assert pointer.texts() == [say.SLACK_CONTINUED_IN_DM]
    assert (help_card.channel, help_card.title) == ("DU0001", "What you can type")
    assert len(alice.calls_since("chat.postMessage", before)) == 1


async def test_a_slash_command_that_only_needs_a_sentence_is_answered_where_it_was_typed(slack: RunningSlackBot) -> None:
    alice = slack.user()
    before = len(slack.api.requests)

    (answer,) = await alice.command("skip", channel=CHANNEL, answer_here=True)

    assert answer.ephemeral and answer.channel == CHANNEL
    assert answer.texts() == [say.NO_ASSESSMENT]
    assert alice.calls_since("chat.postMessage", before) == []


async def test_a_slash_command_in_the_apps_dm_answers_in_the_dm(slack: RunningSlackBot) -> None:
    alice = slack.user()
    before = len(slack.api.requests)

    (help_card,) = await alice.command("help", channel="DU0001", answer_here=True)

    assert (help_card.channel, help_card.ephemeral) == ("DU0001", False)
    assert alice.calls_since("response_url", before) == []


async def test_a_response_url_off_slacks_hooks_host_is_never_posted_to(slack: RunningSlackBot) -> None:
    alice = slack.user()
    before = len(slack.api.requests)

    (answer,) = await alice.command("skip", channel=CHANNEL)

    assert (answer.channel, answer.texts()) == ("DU0001", [say.NO_ASSESSMENT])
    assert alice.calls_since("response_url", before) == []


def test_only_slacks_hooks_host_or_the_local_fake_is_a_usable_response_url() -> None:
    production = ResponseUrls(AsyncWebClient(token="x"))
    local = ResponseUrls(AsyncWebClient(token="x", base_url="http://127.0.0.1:9/api/"))

    assert production.usable("https://hooks.slack.com/commands/T1/2/abc") == "https://hooks.slack.com/commands/T1/2/abc"
    assert production.usable("http://hooks.slack.com/commands/T1/2/abc") is None
    assert production.usable("https://hooks.slack.com.evil.example/x") is None
    assert production.usable("http://127.0.0.1:9/response/x") is None
    assert local.usable("http://127.0.0.1:9/response/x") == "http://127.0.0.1:9/response/x"
    assert local.usable(5) is None


@pytest.mark.parametrize(
    ("title", "shortened"),
    [
        ("Any evidence for 2a Examining assumptions?", "Any evidence for 2a…"),
        ("Agree a level for 2a Examining assumptions", "Agree a level for 2a…"),
        ("Why Developing for 2a?", "Why Developing for 2a?"),
        ("Supercalifragilisticexpialidocious", "Supercalifragilisticexp…"),
    ],
)
def test_modal_titles_are_cut_at_a_word_within_slacks_limit(title: str, shortened: str) -> None:
    assert clip_at_word(title, MODAL_TITLE_MAX) == shortened
    assert len(shortened) <= MODAL_TITLE_MAX
