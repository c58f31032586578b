"""Cards for set-up: the welcome, the help list, and the four scope questions."""

from __future__ import annotations

from bot import messages as say
from bot.intents import NameSubject, Resume, SetScope, ShowActions, ShowAssessments, ShowHelp, StartAssessment
from bot.models import ScopeField
from bot.services.assessments import SCOPE_FIELDS, scope_options
from bot.views import Button, Card, TextInput

SUBJECT_MAX = 120
_SCOPE_TITLES = {
    "focus": say.SCOPE_FOCUS_TITLE,
    "footprint": say.SCOPE_FOOTPRINT_TITLE,
    "stance": say.SCOPE_STANCE_TITLE,
}


def welcome_card() -> Card:
    """Two sentences on what Reflect is for, and the ways in."""
    return Card(
        title=say.WELCOME_TITLE,
        lines=say.WELCOME,
        choices=(
            Button(label=say.START, intent=StartAssessment(), primary=True),
            Button(label=say.RESUME, intent=Resume()),
            Button(label=say.MY_ACTIONS, intent=ShowActions()),
            Button(label=say.MY_ASSESSMENTS, intent=ShowAssessments()),
            Button(label=say.HELP, intent=ShowHelp()),
        ),
    )


def help_card(*, unknown: bool = False, group: bool = False) -> Card:
    """The typed commands (a working group's, with `group`); `unknown` says first that the last message was not understood."""
    return Card(
        title=say.HELP_TITLE,
        lines=((say.UNKNOWN_TEXT,) if unknown else ()) + (say.GROUP_HELP_LINES if group else say.HELP_LINES),
        choices=(Button(label=say.START, intent=StartAssessment()), Button(label=say.RESUME, intent=Resume())),
    )


def subject_card() -> Card:
    """The first scope question: a typed name, or one tap for the whole system."""
    return Card(
        title=say.SCOPE_SUBJECT_TITLE,
        progress=say.SCOPE_STEP.format(step=1),
        lines=(say.SCOPE_SUBJECT_LINE,),
        choices=(Button(label=say.WHOLE_SYSTEM, intent=SetScope(field="subject", value=say.WHOLE_SYSTEM)),),
        text_input=TextInput(
            label=say.SUBJECT_BOX,
            placeholder=say.SCOPE_SUBJECT_PLACEHOLDER,
            max_length=SUBJECT_MAX,
            submit=Button(label="OK", intent=NameSubject(), primary=True),
        ),
        ref="scope:subject",
    )


def scope_card(field: ScopeField) -> Card:
    """One of the choice questions after the subject, its options read from the scope model."""
    return Card(
        title=_SCOPE_TITLES[field],
        progress=say.SCOPE_STEP.format(step=SCOPE_FIELDS.index(field) + 1),
        choices=tuple(
            Button(label=say.SCOPE_LABELS[option], intent=SetScope(field=field, value=option))
            for option in scope_options(field)
        ),
        ref=f"scope:{field}",
    )
