"""No dead ends, over HTTP as Teams sends them: every assessment stays reachable, re-rating shows the evidence kept,
`status` names the assessment, and a section card shows the answers given before."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.http import STORE
from bot.keys import AssessmentKey, TeamKey, TenantKey
from bot.models import Assessment
from tests import builders
from tests.manual_clock import ManualClock
from tests.harness import RunningBot, Sent, TeamsChat, running_bot
from tests.slack_harness import Posted, as_json, running_slack_bot

ALICE_SPACE = TeamKey(TenantKey("teams", "tenant-a"), "user:29:alice")


@pytest.fixture
async def bot(tmp_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    async with running_bot(tmp_path / "data", clock=clock) as running:
        yield running


def fallback(sent: Sent) -> str:
    """The card as plain text (its fallback), free of the markdown escapes its TextBlocks carry."""
    assert sent.card is not None
    return str(sent.card["fallbackText"])


async def _start(chat: TeamsChat, clock: ManualClock, subject: str, focus: str = "Strategic") -> Sent:
    """A new assessment, a minute after anything before it, so 'newest first' has one order."""
    clock.advance(timedelta(minutes=1))
    (subject_card,) = await chat.say("start")
    (focus_card,) = await chat.tap(subject_card, "OK", text=subject)
    (footprint,) = await chat.tap(focus_card, focus)
    (stance,) = await chat.tap(footprint, "Place")
    (phases,) = await chat.tap(stance, "Looking back at past work")
    return phases


async def test_my_assessments_lists_every_assessment_with_scope_cycle_and_progress(bot: RunningBot, clock: ManualClock) -> None:
    chat = bot.chat()
    first = await _start(chat, clock, "Diabetes prevention")
    (section,) = await chat.tap(first, "Check · 0/4")
    await chat.tap(section, "Developing")
    await _start(chat, clock, "Falls service", focus="Operational")

    (listed,) = await chat.say("assessments")

    text = fallback(listed)
    assert listed.title == "Your assessments"
    assert "1. Falls service · operational, place level, looking back · cycle 1 · 0 of 22 sections answered" in text
    assert "2. Diabetes prevention · strategic, place level, looking back · cycle 1 · 1 of 22 sections answered" in text
    assert list(listed.submits()) == ["Resume 1", "Close 1", "Resume 2", "Close 2", "Start an assessment"]


async def test_an_older_assessment_can_be_resumed_and_status_names_it(bot: RunningBot, clock: ManualClock) -> None:
    chat = bot.chat()
    await _start(chat, clock, "Diabetes prevention")
    await _start(chat, clock, "Falls service")
    (listed,) = await chat.say("assessments")

    (phases,) = await chat.tap(listed, "Resume 2")
    (status,) = await chat.say("status")

    assert phases.title == status.title == "Choose a phase"
    assert "Now assessing: Diabetes prevention · strategic, place level, looking back · cycle 1" in fallback(status)
    (section,) = await chat.tap(status, "Check · 0/4")
    await chat.tap(section, "Emerging")
    diabetes = str(listed.submits()["Resume 2"]["assessment"])
    assert len(await bot.app[STORE].responses(AssessmentKey(ALICE_SPACE, diabetes))) == 1


async def test_closing_an_assessment_keeps_it_listed_and_resume_moves_to_an_open_one(bot: RunningBot, clock: ManualClock) -> None:
    chat = bot.chat()
    await _start(chat, clock, "Diabetes prevention")
    await _start(chat, clock, "Falls service")
    (listed,) = await chat.say("assessments")
    falls = str(listed.submits()["Close 1"]["assessment"])

    (refreshed,) = await chat.tap(listed, "Close 1")
    (resumed,) = await chat.say("resume")

    assert refreshed.updated and refreshed.id == listed.id
    assert refreshed.texts()[1] == "Closed Falls service. Its answers are kept, and you can reopen it from My assessments."
    stored = await bot.app[STORE].get(ALICE_SPACE, Assessment, falls)
    assert stored is not None and stored.status == "closed"
    assert "Falls service · strategic, place level, looking back · cycle 1 · 0 of 22 sections answered · closed" in fallback(refreshed)
    assert "Reopen 1" in refreshed.submits()
    assert "Now assessing: Diabetes prevention" in fallback(resumed)
    (reopened,) = await chat.tap(refreshed, "Reopen 1")
    assert reopened.updated and reopened.texts()[1] == "Reopened Falls service."
    assert "Close 1" in reopened.submits() and "Closed Falls service" not in fallback(reopened)


async def test_a_closed_button_cannot_close_someone_elses_assessment(bot: RunningBot, clock: ManualClock) -> None:
    await _start(bot.chat(), clock, "Diabetes prevention")
    (listed,) = await bot.chat().say("assessments")
    forged = listed.submits()["Close 1"]

    (refused,) = await bot.chat(user="29:bob").submit(forged)

    assert refused.text is not None and refused.text.startswith("I can't find that assessment")
    (mine,) = await bot.chat().say("assessments")
    assert "Close 1" in mine.submits()


async def test_my_assessments_is_reachable_from_the_menu_and_home(bot: RunningBot, clock: ManualClock) -> None:
    chat = bot.chat()
    (welcome,) = await chat.post(builders.bot_added(bot.connector.url))
    (from_menu,) = await chat.tap(welcome, "My assessments")
    (menu,) = await chat.say("menu")

    assert from_menu.title == "Your assessments"
    assert "You have no assessments yet" in fallback(from_menu)
    assert "My assessments" in menu.submits()
    (help_card,) = await chat.say("help")
    assert "assessments: list your assessments, to resume or close one" in fallback(help_card)


async def test_re_rating_asks_for_evidence_again_and_shows_the_evidence_kept(bot: RunningBot, clock: ManualClock) -> None:
    chat = bot.chat()
    phases = await _start(chat, clock, "Diabetes prevention")
    (section,) = await chat.tap(phases, "Check · 0/4")
    (evidence,) = await chat.tap(section, "Developing")
    (ideas,) = await chat.tap(evidence, "Save evidence", text="Minutes of the March forum")
    clock.advance(timedelta(days=2))

    (section,) = await chat.tap(ideas, "Change rating")
    (again,) = await chat.tap(section, "Maturing")
    assert "Evidence you gave before, kept unless you replace it: Minutes of the March forum" in fallback(again)
    (ideas,) = await chat.tap(again, "Keep this evidence")

    assert ideas.updated and ideas.id == again.id == section.id
    assert ideas.texts()[2] == "✓ Evidence kept: Minutes of the March forum"
    assert not any("No evidence added" in text for text in ideas.texts())
    assert ideas.title.startswith("Next steps for 1a")


async def test_a_section_card_shows_earlier_answers_and_when_they_changed(bot: RunningBot, clock: ManualClock) -> None:
    chat = bot.chat()
    phases = await _start(chat, clock, "Diabetes prevention")
    (section,) = await chat.tap(phases, "Check · 0/4")
    (evidence,) = await chat.tap(section, "Emerging")
    clock.advance(timedelta(days=3))
    (section,) = await chat.tap(evidence, "Change rating")
    assert "Recorded: Emerging" in fallback(section)
    (evidence,) = await chat.tap(section, "Maturing")

    (shown,) = await chat.tap(evidence, "Change rating")

    assert shown.updated and shown.id == section.id
    assert "Recorded: Maturing" in fallback(shown)
    assert "Earlier answers: Emerging (23 Nov 2026). Last changed 26 Nov 2026." in fallback(shown)


async def test_not_sure_asks_what_would_help_decide(bot: RunningBot, clock: ManualClock) -> None:
    chat = bot.chat()
    phases = await _start(chat, clock, "Diabetes prevention")
    (section,) = await chat.tap(phases, "Check · 0/4")

    (evidence,) = await chat.tap(section, "Not sure")

    assert "✓ Your answer: Not sure\nNote anything that would help you decide" in fallback(evidence)


async def test_slack_app_home_offers_my_assessments_and_it_opens_in_the_dm(tmp_path: Path) -> None:
    async with running_slack_bot(tmp_path / "slack") as slack:
        alice = slack.user()
        await alice.dm("hi")
        await alice.event({"type": "app_home_opened", "user": "U0001", "channel": "DU0001", "tab": "home"})
        (published,) = alice.calls_since("views.publish", 0)
        home = Posted(ts="home", channel="DU0001", text="", blocks=as_json(published.body["view"])["blocks"])

        (listed,) = await alice.interaction({**alice.tapping(home, "My assessments"), "container": {"type": "view"}})

    assert (listed.channel, listed.title) == ("DU0001", "Your assessments")
