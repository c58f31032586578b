"""Typed, versioned button payloads: every card carries its own intent.

A payload is parsed into exactly one of these models or rejected, so a tampered or
stale button can never reach a flow as anything but a polite notice.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, TypeAdapter

from bot.models import ActionChange, Evidence, Id, Rating, ScopeField, SectionCode

PhaseNumber = Annotated[int, Field(ge=1, le=7)]


def _blank_is_none(value: object) -> object:
    """An empty text box means 'no answer', not a tampered payload."""
    return None if isinstance(value, str) and not value.strip() else value


Typed = BeforeValidator(_blank_is_none)


class _Intent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    v: Literal[1] = 1


class ShowMenu(_Intent):
    intent: Literal["menu"] = "menu"


class ShowHelp(_Intent):
    intent: Literal["help"] = "help"


class StartAssessment(_Intent):
    intent: Literal["start"] = "start"


class Resume(_Intent):
    intent: Literal["resume"] = "resume"


class ShowActions(_Intent):
    intent: Literal["actions"] = "actions"


class SetScope(_Intent):
    """One tapped scope answer; a typed subject arrives as NameSubject instead."""

    intent: Literal["scope"] = "scope"
    field: ScopeField
    value: Annotated[str, Field(min_length=1, max_length=120)]


class NameSubject(_Intent):
    """What is being assessed, typed into the card's text box (merged in under `text`)."""

    intent: Literal["subject"] = "subject"
    text: Annotated[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)] | None, Typed] = None


class ShowPhases(_Intent):
    intent: Literal["phases"] = "phases"
    assessment: Id


class ChoosePhase(_Intent):
    intent: Literal["phase"] = "phase"
    assessment: Id
    phase: PhaseNumber


class Rate(_Intent):
    intent: Literal["rate"] = "rate"
    assessment: Id
    section: SectionCode
    level: Rating


class AddEvidence(_Intent):
    """Evidence typed into the card's text box; Adaptive Cards merge the input into this payload."""

    intent: Literal["evidence"] = "evidence"
    assessment: Id
    section: SectionCode
    text: Annotated[Evidence | None, Typed] = None


class SkipEvidence(_Intent):
    intent: Literal["skip_evidence"] = "skip_evidence"
    assessment: Id
    section: SectionCode


class TakeIdea(_Intent):
    """Turn one of a section's next-step ideas into an action."""

    intent: Literal["idea"] = "idea"
    assessment: Id
    section: SectionCode
    idea: Annotated[int, Field(ge=0, le=3)]


class NextSection(_Intent):
    intent: Literal["next"] = "next"
    assessment: Id
    section: SectionCode


class OpenAction(_Intent):
    intent: Literal["action"] = "action"
    action: Id


class EditAction(_Intent):
    """One change to an action; `rename` takes its new title from the card's text box."""

    intent: Literal["edit_action"] = "edit_action"
    action: Id
    change: ActionChange
    text: Annotated[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None, Typed] = None


Intent = Annotated[
    ShowMenu | ShowHelp | StartAssessment | Resume | ShowActions | SetScope | NameSubject | ShowPhases | ChoosePhase | Rate
    | AddEvidence | SkipEvidence | TakeIdea | NextSection | OpenAction | EditAction,
    Field(discriminator="intent"),
]
INTENT = TypeAdapter(Intent)


def payload(intent: Intent) -> dict[str, object]:
    """The JSON a button carries; `parse` turns it back into the same intent."""
    return INTENT.dump_python(intent, mode="json", exclude_none=True)


def parse(value: object) -> Intent:
    """Raises pydantic.ValidationError for anything that is not exactly one known intent."""
    return INTENT.validate_python(value)
