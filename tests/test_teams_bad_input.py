"""Bad and hostile input through /api/messages: each gets a clear message and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.http import STORE
from bot.keys import AssessmentKey, TeamKey, TenantKey
from bot.models import Action, Assessment, Response
from tests.harness import RunningBot, TeamsChat

BAD_INPUT = "Sorry, I couldn't read that. Nothing was changed."
NOT_FOUND = "I can't find that assessment for you. It may belong to someone else. Type start to begin your own."


async def _assessment_of(chat: TeamsChat) -> str:
    (subject,) = await chat.say("start")
    (focus,) = await chat.tap(subject, "Whole system")
    (footprint,) = await chat.tap(focus, "Strategic")
    (stance,) = await chat.tap(footprint, "Place")
    (phases,) = await chat.tap(stance, "Planning new work")
    return str(phases.submits()["Check · 0/4"]["assessment"])


def _space(user: str, tenant: str = "tenant-a") -> TeamKey:
    return TeamKey(TenantKey("teams", tenant), f"user:{user}")


async def _everything(bot: RunningBot, *teams: TeamKey) -> list[object]:
    """Every answer, action and assessment in the given partitions, to prove that nothing changed."""
    store = bot.app[STORE]
    found: list[object] = []
    for team in teams:
        for kind in (Assessment, Response, Action):
            found.extend(await store.find(team, kind))
    return found


@pytest.mark.parametrize(
    "value",
    [
        pytest.param({"intent": "rate", "section": "9z", "level": 2, "v": 1}, id="unknown-section"),
        pytest.param({"intent": "rate", "section": "4a", "level": "high", "v": 1}, id="level-wrong-type"),
        pytest.param({"intent": "rate", "section": "4a", "level": 7, "v": 1}, id="level-out-of-range"),
        pytest.param({"intent": "rate", "section": ["4a"], "level": 2, "v": 1}, id="section-wrong-type"),
        pytest.param({"intent": "rate", "section": "4a", "level": 2, "v": 2}, id="unknown-version"),
        pytest.param({"intent": "drop_tables", "v": 1}, id="unknown-intent"),
        pytest.param({"intent": "rate", "section": "4a", "level": 2, "v": 1, "admin": True}, id="extra-field"),
        pytest.param({"intent": "idea", "section": "4a", "idea": 3, "v": 1}, id="idea-out-of-range"),
        pytest.param({"intent": "evidence", "section": "4a", "v": 1}, id="evidence-for-unrated-section"),
    ],
)
async def test_a_malformed_payload_gets_a_clear_message_and_stores_nothing(bot: RunningBot, value: dict[str, Any]) -> None:
    chat = bot.chat()
    assessment = await _assessment_of(chat)
    before = await _everything(bot, _space("29:alice"))

    (reply,) = await chat.submit({"assessment": assessment, **value})

    assert reply.text == BAD_INPUT
    assert await _everything(bot, _space("29:alice")) == before


async def test_a_payload_naming_another_users_assessment_is_refused(bot: RunningBot) -> None:
    bob_assessment = await _assessment_of(bot.chat(user="29:bob"))
    alice = bot.chat(user="29:alice")
    await alice.say("hi")
    before = await _everything(bot, _space("29:alice"), _space("29:bob"))

    (reply,) = await alice.submit({"intent": "rate", "assessment": bob_assessment, "section": "1a", "level": 4, "v": 1})

    assert reply.text == NOT_FOUND
    assert await _everything(bot, _space("29:alice"), _space("29:bob")) == before


async def test_a_payload_naming_another_tenants_assessment_is_refused(bot: RunningBot) -> None:
    theirs = await _assessment_of(bot.chat(user="29:alice", tenant="tenant-a"))
    impostor = bot.chat(user="29:alice", tenant="tenant-b")
    await impostor.say("hi")
    before = await _everything(bot, _space("29:alice"), _space("29:alice", "tenant-b"))

    (reply,) = await impostor.submit({"intent": "phase", "assessment": theirs, "phase": 1, "v": 1})
    (rated,) = await impostor.submit({"intent": "rate", "assessment": theirs, "section": "1a", "level": 1, "v": 1})

    assert reply.text == rated.text == NOT_FOUND
    assert await _everything(bot, _space("29:alice"), _space("29:alice", "tenant-b")) == before


async def test_oversized_evidence_is_refused_and_the_answer_keeps_no_evidence(bot: RunningBot) -> None:
    chat = bot.chat()
    assessment = await _assessment_of(chat)
    (card,) = await chat.submit({"intent": "phase", "assessment": assessment, "phase": 1, "v": 1})
    (evidence,) = await chat.tap(card, "Maturing")

    (tapped,) = await chat.tap(evidence, "Save evidence", text="x" * 2001)
    (typed,) = await chat.say("y" * 4001)

    assert tapped.text == typed.text == "That is longer than I can keep (2000 characters at most). Nothing was saved; please shorten it."
    (response,) = await bot.app[STORE].responses(AssessmentKey(_space("29:alice"), assessment))
    assert (response.evidence, response.history) == (None, ())


async def test_typed_evidence_while_awaited_is_saved_but_commands_still_work(bot: RunningBot) -> None:
    chat = bot.chat()
    assessment = await _assessment_of(chat)
    (card,) = await chat.submit({"intent": "phase", "assessment": assessment, "phase": 1, "v": 1})
    await chat.tap(card, "Developing")

    (help_card,) = await chat.say("help")
    (ideas,) = await chat.say("actions agreed at the June board")

    assert help_card.title == "What you can type"
    assert ideas.title == "Next steps for 1a Identifying stakeholders"
    assert ideas.texts()[2] == "✓ Evidence saved: actions agreed at the June board"
    (response,) = await bot.app[STORE].responses(AssessmentKey(_space("29:alice"), assessment))
    assert response.evidence == "actions agreed at the June board"
