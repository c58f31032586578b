"""THE route table: every way into a flow step, declared once.

A card's button carries an intent; a person types a command; some text answers the question the
conversation state says the bot is waiting on; and a channel reports an install, a first message
or a visit to its home screen. The pipeline reads the channel's activity and asks this table, and
the flow diagrams (dialogs/diagrams.py) are drawn from it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, Literal

from pydantic import BaseModel

from bot.intents import (
    AddEvidence,
    AgreeLevel,
    ChooseAgreed,
    ChoosePhase,
    CloseCycle,
    EditAction,
    ExportFile,
    GroupResults,
    Intent,
    LeaveGroup,
    MyAnswers,
    NameSubject,
    NextSection,
    OpenAction,
    OpenGroup,
    Rate,
    Resume,
    SetScope,
    ShareResults,
    ShowActions,
    ShowHelp,
    ShowMenu,
    ShowParticipation,
    ShowPhases,
    SkipEvidence,
    StartAssessment,
    StartGroupAssessment,
    TakeIdea,
)
from dialogs import actions, calibration, digest, exports, groups, home, reflection, setup
from dialogs.flow import FlowContext, FlowResult
from dialogs.once import at_most_once

Step = Callable[[FlowContext], Awaitable[FlowResult]]
IntentStep = Callable[[FlowContext, Any], Awaitable[FlowResult]]
TextStep = Callable[[FlowContext, str], Awaitable[FlowResult]]
Event = Literal["installed", "first_contact", "home"]


def _bare(step: Step) -> IntentStep:
    """A button carrying nothing but its name runs the same step as the typed command."""

    @wraps(step)
    async def run(ctx: FlowContext, _intent: object) -> FlowResult:
        return await step(ctx)

    return run


INTENTS: dict[type[BaseModel], IntentStep] = {
    ShowMenu: _bare(setup.welcome),
    ShowHelp: _bare(setup.show_help),
    StartAssessment: _bare(setup.start),
    SetScope: setup.set_scope,
    NameSubject: setup.name_subject,
    Resume: _bare(reflection.resume),
    ShowPhases: reflection.show_phases,
    ChoosePhase: reflection.choose_phase,
    Rate: reflection.rate,
    AddEvidence: reflection.add_evidence,
    SkipEvidence: reflection.skip_evidence,
    TakeIdea: reflection.take_idea,
    NextSection: reflection.next_section,
    ShowActions: _bare(actions.show_actions),
    OpenAction: actions.open_action,
    EditAction: actions.edit_action,
    OpenGroup: groups.open_group,
    StartGroupAssessment: groups.start_group_button,
    ShareResults: groups.share,
    ShowParticipation: groups.show_participation,
    CloseCycle: groups.close_cycle,
    LeaveGroup: groups.leave_group,
    MyAnswers: calibration.my_answers,
    GroupResults: calibration.results,
    ChooseAgreed: calibration.choose_agreed,
    AgreeLevel: calibration.agree,
    ExportFile: exports.export_button,
}
COMMANDS: dict[str, Step] = {
    "help": setup.show_help,
    "start": setup.start,
    "menu": setup.welcome,
    "resume": reflection.resume,
    "status": groups.status,
    "skip": reflection.skip,
    "back": reflection.back,
    "stop": reflection.stop,
    "actions": actions.show_actions,
    "group help": setup.group_help,
    "link this channel": groups.link_channel,
    "groups": groups.list_groups,
    "group": groups.show_group,
    "leave": groups.leave,
    "start group assessment": groups.start_group,
    "close cycle": groups.close_cycle_typed,
    "participation": groups.participation_typed,
    "results": calibration.results_typed,
    "digest": digest.digest_now,
    "export": exports.export_menu,
}
COMMANDS_WITH_ARGUMENT: dict[str, TextStep] = {
    "phase": reflection.goto_phase,
    "add": groups.add,
    "remove": groups.remove,
    "rename": groups.rename,
    "set": groups.settings,
    "digest": digest.schedule,
    "export": exports.export_typed,
}
AWAITED: dict[str, TextStep] = {
    "scope_subject": setup.typed_subject,
    "evidence": reflection.typed_evidence,
    "rationale": calibration.typed_rationale,
}
NOT_UNDERSTOOD: Step = setup.not_understood
EVENTS: dict[Event, Step] = {
    "installed": setup.welcome,
    "first_contact": setup.welcome,
    "home": home.overview,
}


async def on_intent(ctx: FlowContext, intent: Intent) -> FlowResult:
    """A tapped button: its intent alone picks the step, whatever card it came from; a one-time button works once."""
    return await at_most_once(ctx, intent, INTENTS[type(intent)])


async def on_text(ctx: FlowContext, text: str, *, first: bool) -> FlowResult:
    """Whole-text commands first (so evidence starting with 'actions…' stays evidence); then a command with its
    argument (`phase N`, `add @name`), so a first message in a group's channel can already be one; a first message
    that is no command gets the welcome; then the text the bot awaits; anything else gets help."""
    typed = " ".join(text.split())
    command = COMMANDS.get(typed.casefold())
    if command is not None:
        return await command(ctx)
    word, _, argument = typed.partition(" ")
    with_argument = COMMANDS_WITH_ARGUMENT.get(word.casefold())
    if with_argument is not None and argument:
        return await with_argument(ctx, argument)
    if first:
        return await on_event(ctx, "first_contact")
    if ctx.state.awaiting is not None:
        return await AWAITED[ctx.state.awaiting.kind](ctx, text)
    return await NOT_UNDERSTOOD(ctx)


async def on_event(ctx: FlowContext, event: Event) -> FlowResult:
    """Something the channel reports rather than the person types: an install, a first message, a home visit."""
    return await EVENTS[event](ctx)
