"""The home card: a person's overview, for a channel's home screen such as Slack's App Home."""

from __future__ import annotations

from collections.abc import Iterable

from bot import messages as say
from bot.intents import Resume, ShowActions, ShowAssessments, StartAssessment
from bot.models import Action, Assessment
from bot.services.assessments import PhaseProgress
from bot.views import Button, Card
from dialogs.actions_cards import MAX_LISTED_ACTIONS, action_fact, soonest_first


def _assessment_line(assessment: Assessment, progress: Iterable[PhaseProgress]) -> str:
    return say.HOME_ASSESSMENT.format(
        subject=assessment.scope.subject,
        cycle=assessment.cycle,
        stance=say.SCOPE_LABELS[assessment.scope.stance].lower(),
        progress=" · ".join(f"{p.phase.name} {p.answered}/{p.total}" for p in progress),
    )


def home_card(assessments: Iterable[tuple[Assessment, tuple[PhaseProgress, ...]]], actions: Iterable[Action]) -> Card:
    """Each assessment with progress per phase, open actions with due dates, and where to go next."""
    lines = [_assessment_line(assessment, progress) for assessment, progress in assessments]
    listed = soonest_first(actions)
    return Card(
        title=say.HOME_TITLE,
        lines=(say.HOME_INTRO, *(lines or [say.HOME_EMPTY]), *(() if listed else (say.HOME_ACTIONS_NONE,))),
        facts=tuple(action_fact(a) for a in listed[:MAX_LISTED_ACTIONS]),
        choices=(
            Button(label=say.RESUME, intent=Resume(), primary=True),
            Button(label=say.START, intent=StartAssessment()),
            Button(label=say.MY_ACTIONS, intent=ShowActions()),
            Button(label=say.MY_ASSESSMENTS, intent=ShowAssessments()),
        ),
    )
