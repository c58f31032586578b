"""Cards for a person's own assessments: the list to resume or close one, and the line that names an assessment."""

from __future__ import annotations

from collections.abc import Sequence

from bot import messages as say
from bot.intents import CloseAssessment, ShowPhases, StartAssessment
from bot.models import Assessment
from bot.services.assessments import PhaseProgress, sections_answered
from bot.views import Button, Card

MAX_LISTED_ASSESSMENTS = 6

Listed = tuple[Assessment, tuple[PhaseProgress, ...]]


def about(assessment: Assessment, progress: tuple[PhaseProgress, ...]) -> str:
    """One assessment in a line: subject, scope, cycle and progress, so two on the same subject can be told apart."""
    scope = assessment.scope
    answered, total = sections_answered(progress)
    return say.ASSESSMENT_ABOUT.format(
        subject=scope.subject,
        scope=", ".join((say.SCOPE_FOCUS[scope.focus], say.SCOPE_FOOTPRINT[scope.footprint], say.SCOPE_STANCE[scope.stance])),
        cycle=assessment.cycle,
        answered=answered,
        total=total,
        closed=say.ASSESSMENT_CLOSED_MARK if assessment.status == "closed" else "",
    )


def _buttons(number: int, assessment: Assessment, group: str | None) -> tuple[Button, ...]:
    resume = Button(label=say.RESUME_NUMBER.format(number=number), intent=ShowPhases(assessment=assessment.id, group=group))
    if assessment.shared:
        return (resume,)
    closing = assessment.status == "open"
    label = (say.CLOSE_NUMBER if closing else say.REOPEN_NUMBER).format(number=number)
    return (resume, Button(label=label, intent=CloseAssessment(assessment=assessment.id, group=group, close=closing)))


def assessments_card(listed: Sequence[Listed], group: str | None = None) -> Card:
    """Newest first, numbered, each with Resume and Close (or Reopen); a group's assessment only resumes here."""
    shown = list(listed)[:MAX_LISTED_ASSESSMENTS]
    return Card(
        title=say.ASSESSMENTS_TITLE,
        lines=(
            (say.ASSESSMENTS_LINE, *(say.ASSESSMENT_ITEM.format(number=n, about=about(a, p)) for n, (a, p) in enumerate(shown, 1)))
            if shown
            else (say.ASSESSMENTS_NONE,)
        ),
        choices=tuple(button for n, (a, _) in enumerate(shown, 1) for button in _buttons(n, a, group)),
        actions=(Button(label=say.START, intent=StartAssessment()),),
        ref="assessments",
    )
