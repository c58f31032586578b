"""One channel call per tap (issue 10): a tap that records and moves on turns the tapped card into the next step,
so a section is one message in the chat, on Teams through the real connector client and on Slack through slack_sdk
or the tap's response_url; and a card the channel will not update still reaches the person as a new message."""

from __future__ import annotations

import pytest

from adapters.http import STORE
from bot import messages as say
from bot.keys import AssessmentKey, TeamKey, TenantKey
from tests.harness import RunningBot, Sent, TeamsChat
from tests.slack_harness import Posted, RunningSlackBot, SlackUser

RATINGS = ["Emerging", "Developing", "Maturing", "Thriving", "Not sure"]
ALICE_SPACE = TeamKey(TenantKey("teams", "tenant-a"), "user:29:alice")


async def _teams_section(chat: TeamsChat) -> Sent:
    (subject,) = await chat.say("start")
    (card,) = await chat.tap(subject, "Whole system")
    for answer in ("Strategic", "Place", "Planning new work"):
        (card,) = await chat.tap(card, answer)
    (section,) = await chat.tap(card, "Prepare · 0/3")
    return section


async def test_a_teams_section_is_one_message_and_each_tap_one_connector_call(bot: RunningBot) -> None:
    chat = bot.chat()
    section = await _teams_section(chat)
    calls: list[list[str]] = []

    async def tap(card: Sent, label: str, **typed: str) -> Sent:
        before = len(bot.connector.requests)
        (shown,) = await chat.tap(card, label, **typed)
        calls.append([request.kind or "" for request in bot.connector.requests[before:]])
        return shown

    evidence = await tap(section, "Developing")
    ideas = await tap(evidence, "Save evidence", text="Two community forums")
    added = await tap(ideas, "Add idea 1")
    following = await tap(added, "Next section")

    assert calls == [["update"], ["update"], ["update"], ["send"]]
    assert section.id == evidence.id == ideas.id == added.id != following.id
    assert not set(RATINGS) & set(evidence.submits()) and "Save evidence" in evidence.submits()
    assert "✓ Your answer: Developing" in evidence.texts()
    assert "✓ Evidence saved: Two community forums" in ideas.texts()
    assert following.title is not None and following.title.startswith("4b ")


async def test_buttons_a_teams_card_gave_up_when_it_moved_on_are_spent(bot: RunningBot) -> None:
    chat = bot.chat()
    section = await _teams_section(chat)
    developing = chat.tapping(section, "Developing")
    await chat.post(developing)

    (refused,) = await chat.post({**developing, "id": "the-same-tap-again"})

    assert refused.text == say.ALREADY_DONE
    (response,) = await bot.app[STORE].responses(AssessmentKey(ALICE_SPACE, str(developing["value"]["assessment"])))
    assert response.history == ()


async def test_change_rating_brings_the_rating_buttons_back_on_the_same_card(bot: RunningBot) -> None:
    chat = bot.chat()
    section = await _teams_section(chat)
    (evidence,) = await chat.tap(section, "Developing")

    (again,) = await chat.tap(evidence, say.CHANGE_RATING)
    (evidence,) = await chat.tap(again, "Maturing")

    assert again.updated and again.id == section.id and list(again.submits())[:5] == RATINGS
    assert "Recorded: Developing" in again.texts() and "✓ Your answer: Maturing" in evidence.texts()
    (response,) = await bot.app[STORE].responses(AssessmentKey(ALICE_SPACE, str(section.submits()["Emerging"]["assessment"])))
    assert (response.rating, [revision.rating for revision in response.history]) == (3, [2])


async def test_a_tapped_card_teams_will_not_update_comes_as_a_new_message(bot: RunningBot) -> None:
    chat = bot.chat()
    section = await _teams_section(chat)
    bot.connector.fail_next(404, code="NotFound")

    (evidence,) = await chat.tap(section, "Developing")

    assert [request.kind for request in bot.connector.requests[-2:]] == ["update", "send"]
    assert not evidence.updated and evidence.id != section.id
    assert "✓ Your answer: Developing" in evidence.texts() and "Save evidence" in evidence.submits()


async def _slack_section(user: SlackUser, start: list[Posted]) -> Posted:
    (card,) = await user.tap(start[-1], "Whole system")
    for answer in ("Strategic", "Place", "Planning new work"):
        (card,) = await user.tap(card, answer)
    (section,) = await user.tap(card, "Prepare · 0/3")
    return section


@pytest.mark.parametrize("where", ["dm", "channel"])
async def test_a_slack_section_is_one_message_and_each_tap_one_web_api_call(slack: RunningSlackBot, where: str) -> None:
    alice = slack.user()
    start = await alice.dm("start") if where == "dm" else await alice.mention("C0TEAM", "start")
    section = await _slack_section(alice, start)
    calls: list[list[str]] = []

    async def tap(card: Posted, label: str) -> Posted:
        before = len(slack.api.requests)
        (shown,) = await alice.tap(card, label)
        calls.append([call.method for call in slack.api.requests[before:]])
        return shown

    evidence = await tap(section, "Developing")
    ideas = await tap(evidence, say.SKIP_EVIDENCE)
    following = await tap(ideas, say.NEXT_SECTION)

    update, new = ("chat.update", "chat.postMessage") if where == "dm" else ("response_url", "chat.postEphemeral")
    assert calls == [[update], [update], [new]]
    assert section.ts == evidence.ts == ideas.ts != following.ts and evidence.ephemeral == (where == "channel")
    assert "✓ No evidence added" in ideas.texts() and not set(RATINGS) & set(evidence.buttons())


async def test_a_private_slack_card_tapped_without_a_usable_response_url_gets_its_next_step_privately(
    slack: RunningSlackBot,
) -> None:
    alice = slack.user()
    (subject,) = await alice.mention("C0TEAM", "start")
    tap = {**alice.tapping(subject, "Whole system"), "response_url": "https://hooks.invalid/expired"}

    (focus,) = await alice.interaction(tap, subject)

    assert not focus.updated and focus.ephemeral and focus.channel == "C0TEAM"
    assert focus.texts()[0] == "✓ You chose: Whole system" and "Strategic" in focus.buttons()
