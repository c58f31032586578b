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
    AnswerCheckIn,
    AskActionDue,
    AskActionNote,
    AskActionOwner,
    AssignAction,
    AwayCheckIn,
    CancelCheckIn,
    ChangeRating,
    ChooseAgreed,
    ChoosePhase,
    CloseAssessment,
    CloseCycle,
    ConfirmCheckIn,
    EditAction,
    ExportFile,
    ExtendCheckIn,
    ForgetMe,
    GroupResults,
    Intent,
    LeaveGroup,
    MyAnswers,
    NameQuickWin,
    NameSubject,
    NextSection,
    NoteCheckIn,
    OpenAction,
    OpenGroup,
    PreviewCheckIn,
    Rate,
    Resume,
    SetActionDue,
    SetActionNote,
    SetScope,
    ShareResults,
    ShowActions,
    ShowAssessments,
    ShowAudit,
    ShowHelp,
    ShowMenu,
    ShowParticipation,
    ShowPhases,
    SkipEvidence,
    SnoozeCheckIn,
    StartAssessment,
    StartGroupAssessment,
    TakeIdea,
)
from bot.models import ConversationState
from dialogs import actions, assessments, calibration, checkins, digest, exports, groups, home, reflection, reminders, setup
from dialogs import typed as typed_choices
from dialogs import audit, privacy
from dialogs.flow import FlowContext, FlowResult
from dialogs.once import at_most_once
from dialogs.typed import Typed

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
    ChangeRating: reflection.change_rating,
    SkipEvidence: reflection.skip_evidence,
    TakeIdea: reflection.take_idea,
    NextSection: reflection.next_section,
    ShowActions: actions.list_actions,
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
    ShowAssessments: _bare(assessments.show_assessments),
    CloseAssessment: assessments.close_assessment,
    AskActionDue: actions.ask_due,
    SetActionDue: actions.set_due,
    AskActionOwner: actions.ask_owner,
    AssignAction: actions.assign,
    AskActionNote: actions.ask_note,
    SetActionNote: actions.set_note,
    ShowAudit: audit.audit_button,
    ForgetMe: privacy.forget_me,
    ExportFile: exports.export_button,
    PreviewCheckIn: checkins.preview,
    ConfirmCheckIn: checkins.confirm,
    ExtendCheckIn: checkins.extend,
    CancelCheckIn: checkins.cancel,
    AnswerCheckIn: checkins.answer,
    NoteCheckIn: checkins.note,
    NameQuickWin: checkins.name_quick_win,
    SnoozeCheckIn: checkins.snooze,
    AwayCheckIn: checkins.away,
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
    "assessments": assessments.show_assessments,
    "team actions": actions.team_actions,
    "add action": actions.add_how,
    "my data": privacy.my_data,
    "forget me": privacy.ask_to_forget,
    "audit": audit.show_audit,
    "reminders": reminders.show,
    "export": exports.export_menu,
    "check-in": checkins.checkin_typed,
    "checkin": checkins.checkin_typed,
}
COMMANDS_WITH_ARGUMENT: dict[str, TextStep] = {
    "phase": reflection.goto_phase,
    "add": groups.add,
    "remove": groups.remove,
    "rename": groups.rename,
    "set": groups.settings,
    "digest": digest.schedule,
    "audit": audit.audit_page,
    "reminders": reminders.change,
    "export": exports.export_typed,
    "check-in": checkins.checkin_with,
    "checkin": checkins.checkin_with,
}
PHRASES_WITH_ARGUMENT: dict[str, TextStep] = {
    "add action": actions.add_typed,
}
"""Two-word commands with an argument, read before the one-word ones (`add action …` before `add @name`)."""
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


def typed_intent(state: ConversationState, text: str, *, first: bool) -> Typed | None:
    """Typed text that stands for a tap: a whole command comes first, then a choice of the last card (by label or
    number, so `add idea 1` is the button, not `add`); then, once commands with an argument, a first message and
    any awaited answer have had their turn, the last card's text box. None leaves the text to `on_text`."""
    typed = " ".join(text.split())
    if first or typed.casefold() in COMMANDS:
        return None
    chosen = typed_choices.choice(state, typed)
    if chosen is not None:
        return Typed(chosen, into_box=False)
    word, _, argument = typed.partition(" ")
    if (word.casefold() in COMMANDS_WITH_ARGUMENT and argument) or state.awaiting is not None:
        return None
    filled = typed_choices.text_box(state, text)
    return None if filled is None else Typed(filled, into_box=True)


async def on_text(ctx: FlowContext, text: str, *, first: bool) -> FlowResult:
    """Whole-text commands first (so evidence starting with 'actions…' stays evidence); then a command with its
    argument (`add action …`, then `phase N`, `add @name`), so a first message in a group's channel can already be
    one; a first message that is no command gets the welcome; then the text the bot awaits; anything else gets help."""
    typed = " ".join(text.split())
    command = COMMANDS.get(typed.casefold())
    if command is not None:
        return await command(ctx)
    for phrase, phrase_step in PHRASES_WITH_ARGUMENT.items():
        if typed.casefold().startswith(phrase + " "):
            return await phrase_step(ctx, typed[len(phrase) + 1 :])
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
