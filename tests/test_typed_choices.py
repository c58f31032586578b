"""Typing works everywhere: a choice's label or its number, typed as a message, does what tapping it does.

Driven as each channel delivers it: Teams activities over HTTP, Slack DMs as signed events, and the console through
its input stream. The last card's choices live in the stored conversation state, so they survive a restart.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.console.adapter import ConsoleAdapter
from adapters.http import STORE
from adapters.pipeline import ReflectBot
from adapters.render import render
from adapters.store.tinydb import TinyDBStore
from bot.framework import Level, load_framework
from bot.keys import AssessmentKey, TeamKey, TenantKey
from bot.models import Action, Assessment, Response
from tests import group_harness as g
from tests.fakes.connector import FakeConnector
from tests.harness import NOW, RunningBot, TeamsChat, running_bot
from tests.manual_clock import ManualClock
from tests.slack_harness import running_slack_bot

ALICE_SPACE = TeamKey(TenantKey("teams", "tenant-a"), "user:29:alice")
SLACK_SPACE = TeamKey(TenantKey("slack", "T0001"), "user:U0001")
CONSOLE_SPACE = TeamKey(TenantKey("console", "local"), "user:ada")


async def _typed_set_up(chat: TeamsChat) -> str:
    """The four scope questions answered by typing labels and numbers only; returns the assessment's id."""
    await chat.say("start")
    (focus,) = await chat.say("Whole system")
    (footprint,) = await chat.say("strategic")
    (stance,) = await chat.say("2")
    (phases,) = await chat.say("Looking back at past work")
    assert [focus.title, footprint.title, stance.title, phases.title] == [
        "Is this strategic or operational work?", "Is it at system or place level?",
        "Are you looking back or planning ahead?", "Choose a phase",
    ]
    return str(phases.submits()["Check · 0/4"]["assessment"])


async def test_teams_scope_and_rating_can_be_typed_by_label_and_number(bot: RunningBot) -> None:
    chat = bot.chat()
    assessment_id = await _typed_set_up(chat)
    (section,) = await chat.say("1")
    (evidence,) = await chat.say("Developing")
    (ideas,) = await chat.say("No evidence now")

    stored = await bot.app[STORE].get(ALICE_SPACE, Assessment, assessment_id)
    assert stored is not None
    assert (stored.scope.subject, stored.scope.focus, stored.scope.footprint, stored.scope.stance) == (
        "Whole system", "strategic", "place", "looking_back",
    )
    assert section.title == "1a Identifying stakeholders"
    assert evidence.title == "Any evidence for 1a Identifying stakeholders?"
    assert ideas.title == "Next steps for 1a Identifying stakeholders"
    (response,) = await bot.app[STORE].responses(AssessmentKey(ALICE_SPACE, assessment_id))
    assert (response.rating, response.evidence) == (Level.DEVELOPING, None)


async def test_a_number_that_matches_no_choice_is_refused_not_saved_as_evidence(bot: RunningBot) -> None:
    chat = bot.chat()
    assessment_id = await _typed_set_up(chat)
    await chat.say("1")
    await chat.say("Maturing")

    (refused,) = await chat.say("7")
    (ideas,) = await chat.say("Two community forums")

    assert refused.text == (
        "There is no choice 7 on the last card, so nothing was saved. Type a number from 1 to 2, or a choice's name."
    )
    assert not ideas.updated and ideas.texts()[2] == "✓ Evidence saved: Two community forums"
    (response,) = await bot.app[STORE].responses(AssessmentKey(ALICE_SPACE, assessment_id))
    assert response.evidence == "Two community forums"


async def test_a_typed_idea_is_the_button_not_the_add_command(bot: RunningBot) -> None:
    chat = bot.chat()
    await _typed_set_up(chat)
    await chat.say("1")
    await chat.say("Emerging")
    await chat.say("No evidence now")

    (added,) = await chat.say("add idea 1")

    assert added.text is not None and added.text.startswith("Added to your actions as a quick win")
    assert len(await bot.app[STORE].find(ALICE_SPACE, Action, owner_id="29:alice")) == 1


async def test_typed_text_fills_the_last_cards_text_box_once_to_rename_an_action(bot: RunningBot) -> None:
    chat = bot.chat()
    await _typed_set_up(chat)
    await chat.say("1")
    await chat.say("Emerging")
    await chat.say("No evidence now")
    await chat.say("add idea 1")
    (listed,) = await chat.say("actions")
    (action,) = await chat.say(next(title for title in listed.submits() if title.startswith("Edit")))

    (updated,) = await chat.say("Map the local community groups")

    (help_card,) = await chat.say("thanks")

    (stored,) = await bot.app[STORE].find(ALICE_SPACE, Action, owner_id="29:alice")
    assert action.title == "Action for 1a"
    assert updated.text == "Action updated."
    assert help_card.title == "What you can type"
    assert stored.title == "Map the local community groups"


async def test_typed_choices_survive_a_restart(tmp_path: Path) -> None:
    async with running_bot(tmp_path / "data") as bot:
        chat = bot.chat()
        assessment_id = await _typed_set_up(chat)
        await chat.say("1")
    async with running_bot(tmp_path / "data") as bot:
        (evidence,) = await bot.chat().say("Thriving")
        (response,) = await bot.app[STORE].responses(AssessmentKey(ALICE_SPACE, assessment_id))

    assert evidence.title == "Any evidence for 1a Identifying stakeholders?"
    assert response.rating == Level.THRIVING


async def test_commands_still_win_over_a_cards_text_box(bot: RunningBot) -> None:
    chat = bot.chat()
    await chat.say("hello")
    (subject,) = await chat.say("start")

    (help_card,) = await chat.say("help")

    assert subject.title == "What are you assessing?"
    assert help_card.title == "What you can type"


async def test_slack_dm_choices_can_be_typed(tmp_path: Path) -> None:
    async with running_slack_bot(tmp_path / "data") as slack:
        me = slack.user()
        await me.dm("start")
        for typed in ("Whole system", "Operational", "1", "Planning new work"):
            await me.dm(typed)
        (section,) = await me.dm("3")
        (evidence,) = await me.dm("maturing")
        (response,) = await slack.app[STORE].find(SLACK_SPACE, Response)

    assert section.title == "3a Purpose of engagement"
    assert evidence.title == "Any evidence for 3a Purpose of engagement?"
    assert (response.section, response.rating) == ("3a", Level.MATURING)


async def _console(tmp_path: Path, *lines: str) -> tuple[str, TinyDBStore]:
    out = io.StringIO()

    async def typed() -> AsyncIterator[str]:
        for line in lines:
            yield line + "\n"

    store = TinyDBStore(tmp_path / "data")
    async with store:
        bot = ReflectBot(store, load_framework(), clock=lambda: NOW, render=render)
        await ConsoleAdapter("ada", out, clock=lambda: NOW).run(bot, typed())
        actions = await store.find(CONSOLE_SPACE, Action)
        responses = await store.find(CONSOLE_SPACE, Response)
    return out.getvalue(), (actions, responses)  # type: ignore[return-value]


async def test_console_refuses_a_number_at_the_evidence_prompt_and_renames_by_typing(tmp_path: Path) -> None:
    screen, (actions, responses) = await _console(
        tmp_path,
        "1", "Whole system", "1", "1", "1", "1", "Developing",
        "9", "No evidence now", "Add idea 1", "actions", "Edit 1", "A new title typed in the console", "quit",
    )

    assert "There is no choice 9 on the last card, so nothing was saved." in screen
    assert "Choose one to make it an action for you" in screen
    assert "Tap" not in screen
    (response,) = responses
    assert (response.rating, response.evidence) == (Level.DEVELOPING, None)
    (action,) = actions
    assert action.title == "A new title typed in the console"


async def test_console_reprints_an_updated_card_and_numbers_follow_it(tmp_path: Path) -> None:
    screen, (actions, _) = await _console(
        tmp_path, "1", "Whole system", "1", "1", "1", "1", "1", "No evidence now", "1", "1", "quit",
    )

    assert "(updated) Next steps for 1a" in screen
    assert len(actions) == 2


async def test_an_invitation_sent_without_a_turn_can_be_answered_by_typing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    g.unpaced(monkeypatch)
    roster = FakeConnector(roster=set(g.PEOPLE), members={g.TEAM: g.ROSTER}, page_limit=2)
    async with roster as connector, running_bot(tmp_path / "data", clock=ManualClock(NOW), connector=connector) as bot:
        await g.set_up(bot)
        await g.settle(bot)
        (invite,) = g.sent_in_direct(bot, "29:bob")
        bob = bot.chat(user="29:bob", conversation=invite.body["conversation"]["id"])

        (phases,) = await bob.say("Rate sections")
        (section,) = await bob.say("1")
        await bob.say("Maturing")
        (answer,) = await g.answers(bot)

    assert phases.title == "Choose a phase"
    assert section.title == "1a Identifying stakeholders"
    assert (answer.author_id, answer.section, answer.rating) == ("29:bob", "1a", Level.MATURING)
