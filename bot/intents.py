"""Typed, versioned button payloads: every card carries its own intent.

A payload is parsed into exactly one of these models or rejected, so a tampered or
stale button can never reach a flow as anything but a polite notice. A button whose intent
changes stored data also carries a one-time nonce (`n`), so a tap delivered twice, even as
two different activities, changes the data once.
"""

from __future__ import annotations

import secrets
from datetime import date as Day
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, TypeAdapter

from bot.exports import ExportFormat
from bot.framework import Level
from bot.models import (
    ActionChange,
    ActionNote,
    ActionTitle,
    CheckInAnswer,
    CheckInNote,
    Evidence,
    Id,
    NudgeProfile,
    QuickWinTitle,
    Rating,
    Rationale,
    ScopeField,
    SectionCode,
)

PhaseNumber = Annotated[int, Field(ge=1, le=7)]
NONCE_BYTES = 12
Nonce = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{16}$")]
"""What `new_nonce` makes: 96 random bits, URL-safe base64."""


def _blank_is_none(value: object) -> object:
    """An empty text box means 'no answer', not a tampered payload."""
    return None if isinstance(value, str) and not value.strip() else value


Typed = BeforeValidator(_blank_is_none)


class _Intent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    changes_data: ClassVar[bool] = False
    v: Literal[1] = 1


class _Change(_Intent):
    """An intent that changes stored data: its button carries a one-time nonce; typed commands carry none."""

    changes_data: ClassVar[bool] = True
    n: Nonce | None = None


class OnAssessment(_Intent):
    """Names an assessment, and the working group it belongs to when it is a shared one.

    The group is only a claim: the pipeline honours it for a current member of that group and refuses it otherwise.
    """

    assessment: Id
    group: Id | None = None


class InGroup(_Intent):
    """Acts on a working group, which the pipeline honours only for a current member."""

    group: Id


class ShowMenu(_Intent):
    intent: Literal["menu"] = "menu"


class ShowHelp(_Intent):
    intent: Literal["help"] = "help"


class StartAssessment(_Intent):
    intent: Literal["start"] = "start"


class Resume(_Intent):
    intent: Literal["resume"] = "resume"


class ShowActions(_Intent):
    """A list of actions: the person's own or (`team`) the working group's, open ones or (`done`) the finished ones."""

    intent: Literal["actions"] = "actions"
    done: bool = False
    team: bool = False


class SetScope(_Change):
    """One tapped scope answer; a typed subject arrives as NameSubject instead."""

    intent: Literal["scope"] = "scope"
    field: ScopeField
    value: Annotated[str, Field(min_length=1, max_length=120)]


class NameSubject(_Change):
    """What is being assessed, typed into the card's text box (merged in under `text`)."""

    intent: Literal["subject"] = "subject"
    text: Annotated[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)] | None, Typed] = None


class ShowPhases(OnAssessment):
    intent: Literal["phases"] = "phases"


class ChoosePhase(OnAssessment):
    intent: Literal["phase"] = "phase"
    phase: PhaseNumber


class Rate(OnAssessment, _Change):
    intent: Literal["rate"] = "rate"
    section: SectionCode
    level: Rating


class AddEvidence(OnAssessment, _Change):
    """Evidence typed into the card's text box; Adaptive Cards merge the input into this payload."""

    intent: Literal["evidence"] = "evidence"
    section: SectionCode
    text: Annotated[Evidence | None, Typed] = None


class ChangeRating(OnAssessment):
    """Back from the evidence question to the section's rating buttons, on the same card."""

    intent: Literal["rerate"] = "rerate"
    section: SectionCode


class SkipEvidence(OnAssessment):
    intent: Literal["skip_evidence"] = "skip_evidence"
    section: SectionCode


class TakeIdea(OnAssessment, _Change):
    """Turn one of a section's next-step ideas into an action."""

    intent: Literal["idea"] = "idea"
    section: SectionCode
    idea: Annotated[int, Field(ge=0, le=3)]


class NextSection(OnAssessment):
    intent: Literal["next"] = "next"
    section: SectionCode


class OnAction(_Intent):
    """Names an action and the partition it lives in (a group's, or someone's own space); older cards name none.

    The partition is only a claim: the action there is changed only for its owner, its creator or a group lead.
    """

    action: Id
    space: Id | None = None


class OpenAction(OnAction):
    intent: Literal["action"] = "action"


class EditAction(OnAction, _Change):
    """One change to an action; `rename` takes its new title from the card's text box."""

    intent: Literal["edit_action"] = "edit_action"
    change: ActionChange
    text: Annotated[ActionTitle | None, Typed] = None


class OpenGroup(InGroup):
    """A working group's card: its assessment, the person's progress, and what their role lets them do."""

    intent: Literal["group"] = "group"


class StartGroupAssessment(InGroup, _Change):
    """A lead starts the group's shared assessment with the same scope questions as anyone's."""

    intent: Literal["group_start"] = "group_start"


class MyAnswers(OnAssessment):
    """The person's own answers in an assessment, section by section."""

    intent: Literal["my_answers"] = "my_answers"


class GroupResults(OnAssessment):
    """The group's calibration view for one phase: spread, median, range and evidence per section."""

    intent: Literal["results"] = "results"
    phase: PhaseNumber


class ChooseAgreed(OnAssessment):
    """A lead opens the card for recording a section's agreed level."""

    intent: Literal["agree_open"] = "agree_open"
    section: SectionCode


class AgreeLevel(OnAssessment, _Change):
    """A lead's agreed level for a section, with its one-line rationale typed into the card's box."""

    intent: Literal["agree"] = "agree"
    section: SectionCode
    level: Level
    text: Annotated[Rationale | None, Typed] = None


class ShareResults(InGroup, _Change):
    """A lead lets members see the group's results (or stops it)."""

    intent: Literal["share"] = "share"
    share: bool


class ShowParticipation(InGroup):
    """A lead's view of completion per member and per phase, last activity, and who can be reached."""

    intent: Literal["participation"] = "participation"


class CloseCycle(OnAssessment, _Change):
    """A lead closes this cycle of the group's assessment and starts the next with the same scope."""

    intent: Literal["close_cycle"] = "close_cycle"


class ExportFile(_Intent):
    """Export an assessment as a file: the group's when the button names one (honoured for a current member), else
    the person's own."""

    intent: Literal["export"] = "export"
    format: ExportFormat
    history: bool = False
    group: Id | None = None


class LeaveGroup(InGroup, _Change):
    """A member leaves a group; their answers stay, marked as a former member's."""

    intent: Literal["leave"] = "leave"


class ShowAssessments(_Intent):
    """The person's own assessments, to resume any of them or close one."""

    intent: Literal["assessments"] = "assessments"


class CloseAssessment(OnAssessment, _Change):
    """Close one of the person's own assessments (or, with `close` false, reopen it); its answers stay."""

    intent: Literal["close_assessment"] = "close_assessment"
    close: bool = True


class AskActionDue(OnAction):
    """Open the card for choosing an action's new due date."""

    intent: Literal["action_due_open"] = "action_due_open"


class SetActionDue(OnAction, _Change):
    """A new due date: a quick pick, or the date input's value merged in under `date`."""

    intent: Literal["action_due"] = "action_due"
    pick: Literal["1w", "2w", "month_end"] | None = None
    date: Annotated[Day | None, Typed] = None


class AskActionOwner(OnAction):
    """Open the card for choosing an action's new owner."""

    intent: Literal["action_owner_open"] = "action_owner_open"


class AssignAction(OnAction, _Change):
    """A new owner, from the people picker merged in under `person`: a Teams user's object id, a Slack user id."""

    intent: Literal["action_owner"] = "action_owner"
    person: Annotated[Id | None, Typed] = None


class AskActionNote(OnAction):
    """Open the card for writing an action's note."""

    intent: Literal["action_note_open"] = "action_note_open"


class SetActionNote(OnAction, _Change):
    """An action's note, typed into the card's text box."""

    intent: Literal["action_note"] = "action_note"
    text: Annotated[ActionNote | None, Typed] = None


class ShowAudit(InGroup):
    """A lead's page of the group's audit trail; page 1 is the newest."""

    intent: Literal["audit"] = "audit"
    page: Annotated[int, Field(ge=1, le=10_000)] = 1


class ForgetMe(_Change):
    """The confirmation of `forget me`: erases the person's own data and anonymises them in their groups."""

    intent: Literal["forget_me"] = "forget_me"


class OnCheckIn(InGroup):
    """Names one check-in of a working group; the group is checked by the pipeline like any group claim."""

    checkin: Id


class PreviewCheckIn(InGroup):
    """A lead picks which of their groups to check in with (typed in a direct message); shows the preview."""

    intent: Literal["checkin_preview"] = "checkin_preview"
    phase: PhaseNumber | None = None
    by: Day | None = None


class ConfirmCheckIn(OnCheckIn, _Change):
    """A lead confirms the previewed check-in with a nudge profile: every member is then asked."""

    intent: Literal["checkin_confirm"] = "checkin_confirm"
    profile: NudgeProfile


class ExtendCheckIn(OnCheckIn, _Change):
    """A lead moves an open check-in's deadline a working day later."""

    intent: Literal["checkin_extend"] = "checkin_extend"


class CancelCheckIn(OnCheckIn, _Change):
    """A lead cancels a previewed or open check-in."""

    intent: Literal["checkin_cancel"] = "checkin_cancel"


class AnswerCheckIn(OnCheckIn, _Change):
    """A member's Done, Progressing or Stuck for one of their quick wins."""

    intent: Literal["checkin_answer"] = "checkin_answer"
    action: Id
    answer: CheckInAnswer


class NoteCheckIn(OnCheckIn, _Change):
    """A one-line note on a quick win just answered, typed into the card's box."""

    intent: Literal["checkin_note"] = "checkin_note"
    action: Id
    text: Annotated[CheckInNote | None, Typed] = None


class NameQuickWin(OnCheckIn, _Change):
    """A member with no open quick win names one for the next fortnight, typed into the card's box."""

    intent: Literal["checkin_new"] = "checkin_new"
    text: Annotated[QuickWinTitle | None, Typed] = None


class SnoozeCheckIn(OnCheckIn, _Change):
    """Not now: remind me tomorrow."""

    intent: Literal["checkin_snooze"] = "checkin_snooze"


class AwayCheckIn(OnCheckIn, _Change):
    """I'm away: skip me in this check-in."""

    intent: Literal["checkin_away"] = "checkin_away"


Intent = Annotated[
    ShowMenu | ShowHelp | StartAssessment | Resume | ShowActions | SetScope | NameSubject | ShowPhases | ChoosePhase | Rate
    | AddEvidence | ChangeRating | SkipEvidence | TakeIdea | NextSection | OpenAction | EditAction | OpenGroup | StartGroupAssessment
    | MyAnswers | GroupResults | ChooseAgreed | AgreeLevel | ShareResults | ShowParticipation | CloseCycle | LeaveGroup
    | ShowAssessments | CloseAssessment
    | AskActionDue | SetActionDue | AskActionOwner | AssignAction | AskActionNote | SetActionNote | ShowAudit | ForgetMe
    | PreviewCheckIn | ConfirmCheckIn | ExtendCheckIn | CancelCheckIn | AnswerCheckIn | NoteCheckIn | NameQuickWin
    | SnoozeCheckIn | AwayCheckIn
    | ExportFile,
    Field(discriminator="intent"),
]
INTENT = TypeAdapter(Intent)


def new_nonce() -> str:
    """Unguessable and never reused, so one nonce names one rendered button."""
    return secrets.token_urlsafe(NONCE_BYTES)


def payload(intent: Intent) -> dict[str, object]:
    """The JSON a button carries; `parse` turns it back into the same intent.

    Each call gives an intent that changes data a fresh nonce from `new_nonce`, so every button rendered is a tap
    of its own; tests that compare two renderings replace `new_nonce`.
    """
    data = INTENT.dump_python(intent, mode="json", exclude_none=True)
    if intent.changes_data:
        data["n"] = new_nonce()
    return data


def nonce_of(intent: Intent) -> str | None:
    """The one-time nonce a tapped button carried; None for typed commands and intents that change nothing."""
    return intent.n if isinstance(intent, _Change) else None


def parse(value: object) -> Intent:
    """Raises pydantic.ValidationError for anything that is not exactly one known intent."""
    return INTENT.validate_python(value)



GroupClaim = OnAssessment | InGroup | ExportFile
"""Intents that say for themselves which group (if any) they act on; any other turn follows the conversation's group."""
