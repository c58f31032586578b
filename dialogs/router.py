"""Turns one input (a card payload or typed text) into one flow step."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.intents import (
    AddEvidence,
    ChoosePhase,
    EditAction,
    Intent,
    NameSubject,
    NextSection,
    OpenAction,
    Rate,
    Resume,
    SetScope,
    ShowActions,
    ShowHelp,
    ShowMenu,
    ShowPhases,
    SkipEvidence,
    StartAssessment,
    TakeIdea,
)
from dialogs import assessment as flow
from dialogs.flow import FlowContext, FlowResult

Step = Callable[[FlowContext], Awaitable[FlowResult]]
COMMANDS: dict[str, Step] = {
    "help": flow.show_help,
    "start": flow.start,
    "resume": flow.resume,
    "status": flow.status,
    "actions": flow.show_actions,
    "skip": flow.skip,
    "back": flow.back,
    "stop": flow.stop,
    "menu": flow.welcome,
}


async def handle_intent(ctx: FlowContext, intent: Intent) -> FlowResult:
    match intent:
        case ShowMenu():
            return await flow.welcome(ctx)
        case ShowHelp():
            return await flow.show_help(ctx)
        case StartAssessment():
            return await flow.start(ctx)
        case Resume():
            return await flow.resume(ctx)
        case ShowActions():
            return await flow.show_actions(ctx)
        case SetScope():
            return await flow.set_scope(ctx, intent)
        case NameSubject():
            return await flow.name_subject(ctx, intent.text)
        case ShowPhases():
            return await flow.show_phases(ctx, intent.assessment)
        case ChoosePhase():
            return await flow.choose_phase(ctx, intent.assessment, intent.phase)
        case Rate():
            return await flow.rate(ctx, intent)
        case AddEvidence():
            return await flow.add_evidence(ctx, intent)
        case SkipEvidence():
            return await flow.skip_evidence(ctx, intent)
        case TakeIdea():
            return await flow.take_idea(ctx, intent)
        case NextSection():
            return await flow.next_section(ctx, intent.assessment, intent.section)
        case OpenAction():
            return await flow.open_action(ctx, intent.action)
        case EditAction():
            return await flow.edit_action(ctx, intent)


async def handle_text(ctx: FlowContext, text: str) -> FlowResult:
    """Whole-text commands first (so evidence starting with 'actions…' stays evidence), then awaited text."""
    typed = " ".join(text.split())
    command = typed.casefold()
    if command in COMMANDS:
        return await COMMANDS[command](ctx)
    if command.startswith("phase "):
        return await flow.goto_phase(ctx, typed[len("phase ") :])
    awaiting, state = ctx.state.awaiting, ctx.state
    if awaiting is not None and awaiting.kind == "evidence" and state.assessment_id and awaiting.section:
        return await flow.add_evidence(ctx, AddEvidence(assessment=state.assessment_id, section=awaiting.section, text=text.strip()))
    if awaiting is not None and awaiting.kind == "scope_subject":
        return await flow.name_subject(ctx, NameSubject(text=typed).text)
    return await flow.show_help(ctx, unknown=True)
