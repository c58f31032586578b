"""The Teams conversation end to end: activities posted to /api/messages, replies caught by a fake connector."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from adapters.http import STORE
from bot.framework import Level, load_framework
from bot.keys import AssessmentKey, TeamKey, TenantKey
from bot.models import Action, Assessment, ConversationState, Response
from tests import builders
from tests.harness import NOW, RunningBot, Sent, TeamsChat, running_bot

FRAMEWORK = load_framework()
ALICE_SPACE = TeamKey(TenantKey("teams", "tenant-a"), "user:29:alice")


async def _set_up(chat: TeamsChat) -> tuple[str, Sent]:
    """Start an assessment with the four scope taps; returns its id and the phases card."""
    (subject,) = await chat.say("start")
    (focus,) = await chat.tap(subject, "Whole system")
    (footprint,) = await chat.tap(focus, "Strategic")
    (stance,) = await chat.tap(footprint, "Place")
    (phases,) = await chat.tap(stance, "Planning new work")
    assessment = phases.submits()["Prepare · 0/3"]["assessment"]
    return str(assessment), phases


async def _responses(bot: RunningBot, key: AssessmentKey) -> dict[str, Response]:
    return {r.section: r for r in await bot.app[STORE].responses(key)}


async def test_install_sends_a_two_sentence_welcome_with_five_offers(bot: RunningBot) -> None:
    (welcome,) = await bot.chat().post(builders.bot_added(bot.connector.url))

    assert welcome.title == "Welcome to Reflect"
    assert len(welcome.texts()) == 3
    assert list(welcome.submits()) == ["Start an assessment", "Resume", "My actions", "My assessments", "Help"]


async def test_first_message_is_welcomed_and_unknown_text_later_gets_help(bot: RunningBot) -> None:
    chat = bot.chat()
    (welcome,) = await chat.say("hello there")
    (help_card,) = await chat.say("what is this")

    assert welcome.title == "Welcome to Reflect"
    assert help_card.title == "What you can type"
    assert help_card.texts()[1].startswith("Sorry, I didn't catch that")


async def test_scope_takes_four_taps_and_creates_the_assessment(bot: RunningBot) -> None:
    chat = bot.chat()
    (subject,) = await chat.say("start")
    (focus,) = await chat.tap(subject, "OK", text="Diabetes prevention in Northtown")
    (footprint,) = await chat.tap(focus, "Operational")
    (stance,) = await chat.tap(footprint, "System")
    (phases,) = await chat.tap(stance, "Looking back at past work")

    assert [subject.title, focus.title, footprint.title, stance.title] == [
        "What are you assessing?", "Is this strategic or operational work?",
        "Is it at system or place level?", "Are you looking back or planning ahead?",
    ]
    assert list(phases.submits()) == [
        "Check · 0/4", "Challenge · 0/3", "Plan · 0/3", "Prepare · 0/3",
        "Engage · 0/3", "Involve · 0/3", "Evaluate · 0/3",
    ]
    assert [request.kind for request in bot.connector.requests] == ["send", "update", "update", "update", "update"]
    assert all(card.updated and card.id == subject.id for card in (focus, footprint, stance, phases))
    assert [[text for text in card.texts() if text.startswith("✓")] for card in (focus, footprint, stance, phases)] == [
        ["✓ You chose: Diabetes prevention in Northtown"], ["✓ You chose: Operational"], ["✓ You chose: System"],
        ["✓ You chose: Looking back at past work"],
    ]
    (assessment,) = await bot.app[STORE].find(ALICE_SPACE, Assessment)
    assert assessment.scope.model_dump() == {
        "subject": "Diabetes prevention in Northtown", "focus": "operational",
        "footprint": "system", "stance": "looking_back",
    }
    assert (assessment.owner_id, assessment.cycle, assessment.created_at) == ("29:alice", 1, NOW)


async def test_a_whole_phase_walkthrough_stores_answers_evidence_and_an_action(bot: RunningBot) -> None:
    chat = bot.chat()
    assessment, phases = await _set_up(chat)
    (card,) = await chat.tap(phases, "Prepare · 0/3")
    ratings = {"4a": "Maturing", "4b": "Developing", "4c": "Not sure"}

    for index, code in enumerate(("4a", "4b", "4c"), start=1):
        section = FRAMEWORK.section(code)
        assert card.title == f"{code} {section.title}"
        assert card.texts()[1] == f"Prepare · section {index} of 3 · phase 4 of 7"
        assert list(card.submits())[:5] == ["Emerging", "Developing", "Maturing", "Thriving", "Not sure"]
        (evidence,) = await chat.tap(card, ratings[code])
        assert evidence.updated and evidence.id == card.id and evidence.texts()[2] == f"✓ Your answer: {ratings[code]}"
        if code == "4a":
            (ideas,) = await chat.tap(evidence, "Save evidence", text="Two community forums in March")
            assert ideas.updated and ideas.texts()[2] == "✓ Evidence saved: Two community forums in March"
            (added,) = await chat.tap(ideas, "Add idea 1")
            assert added.updated and added.texts()[2].startswith("Added to your actions as a quick win, due ")
            assert "Add idea 1" not in added.submits() and "Add idea 2" in added.submits()
        else:
            (ideas,) = await chat.tap(evidence, "No evidence now")
        assert ideas.title == f"Next steps for {code} {section.title}"
        (card,) = await chat.tap(ideas, "Next section")

    assert card.title == "Prepare phase: summary"
    assert "3 of 3 sections answered · 1 with evidence · 1 new action" in card.texts()
    assert "4a Reaching under-served people and communities: Maturing · evidence" in card.texts()
    assert "4c Defining scope: Not sure" in card.texts()
    assert list(card.submits())[0] == "Next phase: Engage"

    key = AssessmentKey(ALICE_SPACE, assessment)
    stored = await _responses(bot, key)
    assert {code: r.rating for code, r in stored.items()} == {"4a": Level.MATURING, "4b": Level.DEVELOPING, "4c": "not_sure"}
    assert stored["4a"].evidence == "Two community forums in March"
    assert [revision.rating for revision in stored["4a"].history] == [Level.MATURING]
    (action,) = await bot.app[STORE].find(ALICE_SPACE, Action)
    assert (action.title, action.section, action.owner_id, action.horizon, action.status) == (
        FRAMEWORK.section("4a").next_steps(Level.MATURING)[0], "4a", "29:alice", "quick_win", "open",
    )
    assert action.due == (NOW + timedelta(days=14)).date()


async def test_the_whole_framework_can_be_walked_through_in_loop_order(bot: RunningBot) -> None:
    chat = bot.chat()
    assessment, phases = await _set_up(chat)
    (card,) = await chat.tap(phases, "Check · 0/4")
    seen: list[str] = []
    for _ in range(7):
        for _ in range(5):
            if card.title is None or card.title.endswith("summary"):
                break
            seen.append(card.title.split()[0])
            (evidence,) = await chat.tap(card, "Developing")
            (ideas,) = await chat.tap(evidence, "No evidence now")
            (card,) = await chat.tap(ideas, "Next section")
        next_phase = next(title for title in card.submits() if title.startswith("Next phase"))
        (card,) = await chat.tap(card, next_phase)

    assert seen == [section.code for section in FRAMEWORK.sections]
    assert card.title == "Check phase: summary"
    stored = await _responses(bot, AssessmentKey(ALICE_SPACE, assessment))
    assert len(stored) == 22
    assert {r.rating for r in stored.values()} == {Level.DEVELOPING}


async def test_resume_after_the_app_is_rebuilt_continues_from_stored_answers(tmp_path: Path) -> None:
    async with running_bot(tmp_path / "data") as first:
        chat = first.chat()
        _, phases = await _set_up(chat)
        (card,) = await chat.tap(phases, "Prepare · 0/3")
        await chat.tap(card, "Thriving")
    async with running_bot(tmp_path / "data") as second:
        (resumed,) = await second.chat().say("resume")
        (status,) = await second.chat().say("status")

    assert resumed.title == "4b Building trust and relationships"
    assert "Prepare · 1/3" in status.submits()


async def test_a_tap_on_an_old_card_changes_that_answer_and_keeps_a_revision(bot: RunningBot) -> None:
    chat = bot.chat()
    assessment, phases = await _set_up(chat)
    (old_card,) = await chat.tap(phases, "Prepare · 0/3")
    (evidence,) = await chat.tap(old_card, "Emerging")
    (ideas,) = await chat.tap(evidence, "No evidence now")
    await chat.tap(ideas, "Next section")

    (evidence_again,) = await chat.tap(old_card, "Thriving")

    stored = await _responses(bot, AssessmentKey(ALICE_SPACE, assessment))
    assert stored["4a"].rating == Level.THRIVING
    assert [revision.rating for revision in stored["4a"].history] == [Level.EMERGING]
    assert evidence_again.updated and evidence_again.id == old_card.id
    assert evidence_again.title == "Any evidence for 4a Reaching under-served people and communities?"


async def test_a_channel_message_with_a_mention_runs_the_command(bot: RunningBot) -> None:
    chat = bot.chat(conversation="19:general@thread.tacv2", conversation_type="channel", team="19:team-1")
    await chat.say("<at>Reflect</at> hello", entities=[builders.mention()])
    (help_card,) = await chat.say("<at>Reflect</at> help", entities=[builders.mention()])
    (subject,) = await chat.say("<at>Reflect</at> start", entities=[builders.mention()])

    assert help_card.title == "What you can type"
    assert "Sorry, I didn't catch that" not in " ".join(help_card.texts())
    assert subject.title == "What are you assessing?"


async def test_assessments_started_in_a_channel_belong_to_its_team(bot: RunningBot) -> None:
    chat = bot.chat(conversation="19:general@thread.tacv2", conversation_type="channel", team="19:team-1")
    await chat.say("<at>Reflect</at> hi", entities=[builders.mention()])
    await _set_up(chat)

    team = TeamKey(TenantKey("teams", "tenant-a"), "19:team-1")
    assert len(await bot.app[STORE].find(team, Assessment)) == 1
    assert await bot.app[STORE].find(ALICE_SPACE, Assessment) == []


async def test_typed_commands_skip_back_phase_stop_and_actions(bot: RunningBot) -> None:
    chat = bot.chat()
    assessment, phases = await _set_up(chat)

    (prepare,) = await chat.say("phase prepare")
    (skipped_to,) = await chat.say("skip")
    (back_to,) = await chat.say("back")
    (evidence,) = await chat.tap(back_to, "Developing")
    (ideas,) = await chat.say("skip")
    await chat.tap(ideas, "Add idea 2")
    (actions,) = await chat.say("actions")
    (paused,) = await chat.say("stop")
    (unknown_phase,) = await chat.say("phase 9")
    (by_number,) = await chat.say("phase 7")

    assert [prepare.title, skipped_to.title, back_to.title] == [
        "4a Reaching under-served people and communities", "4b Building trust and relationships",
        "4a Reaching under-served people and communities",
    ]
    assert evidence.title == "Any evidence for 4a Reaching under-served people and communities?"
    assert ideas.title == "Next steps for 4a Reaching under-served people and communities"
    assert actions.title == "Your open actions"
    assert actions.texts()[1:3] == ["1\\. 4a · due 7 Dec 2026 · Open", FRAMEWORK.section("4a").next_steps(Level.DEVELOPING)[1]]
    assert paused.text == "Paused. Your answers are saved; type resume whenever you are ready."
    assert unknown_phase.text is not None and unknown_phase.text.startswith("There is no phase called '9'")
    assert by_number.title == "7a Planning evaluation"
    stored = await _responses(bot, AssessmentKey(ALICE_SPACE, assessment))
    assert {code: r.rating for code, r in stored.items()} == {"4a": Level.DEVELOPING}


async def test_commands_before_any_assessment_explain_what_to_do(bot: RunningBot) -> None:
    chat = bot.chat()
    await chat.say("hi")

    (no_actions,) = await chat.say("actions")
    (nothing,) = await chat.say("status")
    notice, subject = await chat.say("resume")

    assert no_actions.texts()[1].startswith("You have no open actions yet.")
    assert nothing.text == "You don't have an assessment open. Type start to begin one."
    assert notice.text == "There is nothing to resume yet, so let's start one."
    assert subject.title == "What are you assessing?"


async def test_the_bot_framework_emulator_works_in_local_mode(bot: RunningBot) -> None:
    emulator = bot.chat(user="emulator-user", tenant=None)
    service_url = bot.connector.url.replace("127.0.0.1", "localhost")
    (welcome,) = await emulator.post(builders.message(service_url, "hi", user="emulator-user", tenant=None, channel_id="emulator"))
    (subject,) = await emulator.post(builders.message(service_url, "start", user="emulator-user", tenant=None, channel_id="emulator"))

    assert (welcome.title, subject.title) == ("Welcome to Reflect", "What are you assessing?")
    local_space = TeamKey(TenantKey("teams", "local"), "user:emulator-user")
    assert len(await bot.app[STORE].find(local_space, ConversationState)) == 1


async def _one_action(chat: TeamsChat) -> Sent:
    """Rate a section, take its first idea, and open the actions list."""
    _, phases = await _set_up(chat)
    (card,) = await chat.tap(phases, "Prepare · 0/3")
    (evidence,) = await chat.tap(card, "Developing")
    (ideas,) = await chat.tap(evidence, "No evidence now")
    await chat.tap(ideas, "Add idea 1")
    (listed,) = await chat.say("actions")
    return listed


async def test_an_action_can_be_edited_later_and_each_edit_is_stored(bot: RunningBot) -> None:
    chat = bot.chat()
    listed = await _one_action(chat)
    (card,) = await chat.tap(listed, "Edit 1")
    (original,) = await bot.app[STORE].find(ALICE_SPACE, Action)

    assert card.title == "Action for 4a"
    assert list(card.submits()) == [
        "Mark done", "Mark in progress", "Due a week later", "Due 4 weeks later", "Make it long term", "Drop it",
        "Due date", "Reassign", "Note", "Rename", "My actions",
    ]
    (later,) = await chat.tap(card, "Due 4 weeks later")
    await chat.tap(card, "Make it long term")
    await chat.tap(card, "Rename", text="Map community networks with the VCSE alliance")
    (done,) = await chat.tap(card, "Mark done")
    (after,) = await chat.say("actions")

    (action,) = await bot.app[STORE].find(ALICE_SPACE, Action)
    assert (action.due - original.due).days == 28
    assert (action.horizon, action.status, action.title) == ("long_term", "done", "Map community networks with the VCSE alliance")
    assert "Action updated." in later.said() and "Well done: marked as done." in done.said()
    assert done.updated and done.id == card.id and "Status: Done" in done.texts() and "Reopen" in done.submits()
    assert after.texts()[1].startswith("You have no open actions yet.")
    assert [entry.what for entry in action.history] == ["created", "due", "horizon", "title", "status"]


async def test_someone_elses_action_cannot_be_opened_or_edited(bot: RunningBot) -> None:
    listed = await _one_action(bot.chat(user="29:alice"))
    alices = listed.submits()["Edit 1"]["action"]
    bob = bot.chat(user="29:bob")
    await bob.say("hi")

    (opened,) = await bob.submit({"intent": "action", "action": alices, "v": 1})
    (edited,) = await bob.submit({"intent": "edit_action", "action": alices, "change": "done", "v": 1})

    assert opened.text == edited.text == "I can't find that action among yours, so nothing was changed."
    (action,) = await bot.app[STORE].find(ALICE_SPACE, Action)
    assert action.status == "open"
