"""The route table: complete for every intent, command and awaited answer, and asked in the right order."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import get_args

from bot import messages as say
from bot.framework import Level, load_framework
from bot.intents import Intent
from bot.keys import AssessmentKey, TeamKey, TenantKey
from bot.models import Awaiting, ConversationState, Scope
from bot.services import assessments
from bot.store import Store
from bot.views import Card, Notice
from dialogs import routes
from dialogs.flow import FlowContext

FRAMEWORK = load_framework()
TEAM = TeamKey(TenantKey("console", "local"), "user:ada")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _context(store: Store, **state: object) -> FlowContext:
    conversation = ConversationState(conversation_id="c-1", user_id="ada", updated_at=NOW, **state)  # type: ignore[arg-type]
    return FlowContext(store, FRAMEWORK, TEAM, "ada", "c-1", NOW, conversation)


def _titles(views: tuple[object, ...]) -> list[str]:
    return [view.title if isinstance(view, Card) else view.text for view in views]  # type: ignore[attr-defined]


def test_every_intent_type_has_exactly_one_route() -> None:
    intent_types = get_args(get_args(Intent)[0])

    assert len(intent_types) == len(set(intent_types))
    assert set(routes.INTENTS) == set(intent_types)


def test_every_command_in_the_help_text_has_a_route() -> None:
    listed = [line.split(":", 1)[0].strip() for line in say.HELP_LINES]
    plain = [command for command in listed if " " not in command]
    with_argument = [command.split(" ", 1)[0] for command in listed if " " in command]

    assert plain and with_argument == ["phase"]
    assert set(plain) <= set(routes.COMMANDS)
    assert set(with_argument) <= set(routes.COMMANDS_WITH_ARGUMENT)


def test_every_awaited_text_kind_has_a_route() -> None:
    assert set(routes.AWAITED) == set(get_args(Awaiting.model_fields["kind"].annotation))


async def test_a_first_message_gets_the_welcome_unless_it_is_a_command(store: Store) -> None:
    hello = await routes.on_text(_context(store), "hello there", first=True)
    start = await routes.on_text(_context(store), " START ", first=True)

    assert _titles(hello.views) == [say.WELCOME_TITLE]
    assert _titles(start.views) == [say.SCOPE_SUBJECT_TITLE]


async def test_installs_first_contact_and_the_home_screen_go_through_the_table(store: Store) -> None:
    installed = await routes.on_event(_context(store), "installed")
    first = await routes.on_event(_context(store), "first_contact")
    home = await routes.on_event(_context(store), "home")

    assert _titles(installed.views + first.views + home.views) == [say.WELCOME_TITLE, say.WELCOME_TITLE, say.HOME_TITLE]


async def _awaiting_evidence(store: Store) -> FlowContext:
    scope = Scope(subject="Whole system", focus="strategic", footprint="place", stance="looking_back")
    assessment = await assessments.start(store, TEAM, "ada", scope, NOW)
    await assessments.rate(store, AssessmentKey(TEAM, assessment.id), "ada", "4a", Level.MATURING, NOW)
    return _context(store, assessment_id=assessment.id, phase=4, section="4a", awaiting=Awaiting(kind="evidence", section="4a"))


async def test_a_whole_command_wins_over_awaited_text_but_longer_text_is_the_answer(store: Store) -> None:
    ctx = await _awaiting_evidence(store)

    listed = await routes.on_text(ctx, "actions", first=False)
    saved = await routes.on_text(ctx, "Actions  we took: a forum", first=False)

    assert _titles(listed.views) == [say.ACTIONS_TITLE]
    assert saved.recorded == say.STEP_EVIDENCE.format(text="Actions  we took: a forum")
    assert _titles(saved.views) == ["Next steps for 4a Reaching under-served people and communities"]
    response = await assessments.rated(store, ctx.key(str(ctx.state.assessment_id)), "ada", "4a")
    assert response.evidence == "Actions  we took: a forum"


async def test_phase_with_a_name_or_number_jumps_and_anything_unawaited_gets_help(store: Store) -> None:
    ctx = await _awaiting_evidence(store)
    idle = _context(store, assessment_id=ctx.state.assessment_id)

    by_name = await routes.on_text(idle, "Phase  prepare", first=False)
    by_number = await routes.on_text(idle, "phase 1", first=False)
    unknown = await routes.on_text(idle, "phase", first=False)

    assert _titles(by_name.views) == [f"4b {FRAMEWORK.section('4b').title}"]
    assert _titles(by_number.views) == [f"1a {FRAMEWORK.section('1a').title}"]
    assert _titles(unknown.views) == [say.HELP_TITLE]
    assert isinstance(unknown.views[0], Card) and unknown.views[0].lines[0] == say.UNKNOWN_TEXT
    assert not any(isinstance(view, Notice) for view in by_name.views)
