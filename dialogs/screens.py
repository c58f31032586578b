"""Pure builders from framework and stored answers to channel-neutral cards."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot import messages as say
from bot.framework import Framework, Level, Phase, Section
from bot.intents import (
    AddEvidence,
    ChoosePhase,
    EditAction,
    NameSubject,
    NextSection,
    OpenAction,
    Rate,
    Resume,
    SetScope,
    ShowActions,
    ShowHelp,
    ShowPhases,
    SkipEvidence,
    StartAssessment,
    TakeIdea,
)
from bot.models import EVIDENCE_MAX_CHARS, NOT_SURE, Action, Assessment, Rating, Response
from bot.views import Button, Card, Fact, TextInput

MAX_IDEAS = 3
LABEL_MAX = 60


def rating_label(rating: Rating | None) -> str:
    if rating is None:
        return say.SUMMARY_UNANSWERED
    return say.NOT_SURE if rating == NOT_SURE else Level(rating).label


def section_heading(section: Section) -> str:
    return f"{section.code} {section.title}"


def _short(text: str, limit: int = LABEL_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def answered(card: Card, recorded: str) -> Card:
    """The card as it should look once answered: what was recorded, and nothing left to tap."""
    return card.model_copy(update={"lines": (*card.lines, recorded), "choices": (), "text_input": None, "actions": ()})


def welcome_card() -> Card:
    return Card(
        title=say.WELCOME_TITLE,
        lines=say.WELCOME,
        choices=(
            Button(label=say.START, intent=StartAssessment(), primary=True),
            Button(label=say.RESUME, intent=Resume()),
            Button(label=say.MY_ACTIONS, intent=ShowActions()),
            Button(label=say.HELP, intent=ShowHelp()),
        ),
    )


def help_card(*, unknown: bool = False) -> Card:
    return Card(
        title=say.HELP_TITLE,
        lines=((say.UNKNOWN_TEXT,) if unknown else ()) + say.HELP_LINES,
        choices=(Button(label=say.START, intent=StartAssessment()), Button(label=say.RESUME, intent=Resume())),
    )


def subject_card() -> Card:
    return Card(
        title=say.SCOPE_SUBJECT_TITLE,
        progress=say.SCOPE_STEP.format(step=1),
        lines=(say.SCOPE_SUBJECT_LINE,),
        choices=(Button(label=say.WHOLE_SYSTEM, intent=SetScope(field="subject", value=say.WHOLE_SYSTEM)),),
        text_input=TextInput(
            placeholder=say.SCOPE_SUBJECT_PLACEHOLDER,
            max_length=120,
            submit=Button(label="OK", intent=NameSubject(), primary=True),
        ),
        ref="scope:subject",
    )


SCOPE_QUESTIONS: dict[str, tuple[int, str, tuple[str, str]]] = {
    "focus": (2, say.SCOPE_FOCUS_TITLE, ("strategic", "operational")),
    "footprint": (3, say.SCOPE_FOOTPRINT_TITLE, ("system", "place")),
    "stance": (4, say.SCOPE_STANCE_TITLE, ("looking_back", "planning_ahead")),
}


def scope_card(field: str) -> Card:
    step, title, options = SCOPE_QUESTIONS[field]
    return Card(
        title=title,
        progress=say.SCOPE_STEP.format(step=step),
        choices=tuple(
            Button(label=say.SCOPE_LABELS[option], intent=SetScope(field=field, value=option))  # type: ignore[arg-type]
            for option in options
        ),
        ref=f"scope:{field}",
    )


def phases_card(framework: Framework, assessment_id: str, answered: Iterable[str]) -> Card:
    done = set(answered)
    return Card(
        title=say.PHASES_TITLE,
        lines=(say.PHASES_LINE,),
        choices=tuple(
            Button(
                label=say.PHASE_BUTTON.format(
                    number=phase.number,
                    name=phase.name,
                    answered=sum(section.code in done for section in phase.sections),
                    total=len(phase.sections),
                ),
                intent=ChoosePhase(assessment=assessment_id, phase=phase.number),
            )
            for phase in framework.phases
        ),
        ref=f"phases:{assessment_id}",
    )


def _progress(phase: Phase, section: Section) -> str:
    index = [s.code for s in phase.sections].index(section.code) + 1
    return say.SECTION_PROGRESS.format(phase=phase.name, index=index, count=len(phase.sections), number=phase.number)


def section_card(framework: Framework, assessment_id: str, section: Section, response: Response | None) -> Card:
    """The rating card; once answered it shows the recorded choice and still lets the person change it."""
    recorded = () if response is None or response.rating is None else (say.RECORDED.format(rating=rating_label(response.rating)),)
    return Card(
        title=section_heading(section),
        progress=_progress(framework.phase_of(section.code), section),
        lines=(*recorded, section.summary, section.why, say.SECTION_QUESTION),
        facts=tuple(Fact(label=level.label, value=section.level(level).descriptor) for level in Level),
        choices=(
            *(Button(label=level.label, intent=Rate(assessment=assessment_id, section=section.code, level=level)) for level in Level),
            Button(label=say.NOT_SURE, intent=Rate(assessment=assessment_id, section=section.code, level=NOT_SURE)),
        ),
        actions=(Button(label=say.SKIP, intent=NextSection(assessment=assessment_id, section=section.code)),),
        ref=f"section:{assessment_id}:{section.code}",
    )


def evidence_card(framework: Framework, assessment_id: str, section: Section, rating: Rating) -> Card:
    return Card(
        title=say.EVIDENCE_TITLE.format(section=section_heading(section)),
        progress=_progress(framework.phase_of(section.code), section),
        lines=(say.EVIDENCE_LINE.format(rating=rating_label(rating)),),
        text_input=TextInput(
            placeholder=say.EVIDENCE_PLACEHOLDER,
            max_length=EVIDENCE_MAX_CHARS,
            submit=Button(label=say.SAVE_EVIDENCE, intent=AddEvidence(assessment=assessment_id, section=section.code), primary=True),
        ),
        actions=(Button(label=say.SKIP_EVIDENCE, intent=SkipEvidence(assessment=assessment_id, section=section.code)),),
        ref=f"evidence:{assessment_id}:{section.code}",
    )


def ideas_for(section: Section, rating: Rating | None) -> tuple[str, ...]:
    level = None if rating is None or rating == NOT_SURE else Level(rating)
    return section.next_steps(level)[:MAX_IDEAS]


def ideas_card(framework: Framework, assessment_id: str, section: Section, rating: Rating | None, taken: set[str]) -> Card:
    """Next-step ideas from the level above; ideas already taken as actions are ticked and lose their button."""
    ideas = ideas_for(section, rating)
    if rating is None or rating == NOT_SURE:
        intro = say.IDEAS_START_LINE
    elif Level(rating) is Level.THRIVING:
        intro = say.IDEAS_SUSTAIN_LINE
    else:
        intro = say.IDEAS_LINE.format(level=Level(rating + 1).label)
    lines = tuple(
        say.IDEA_TAKEN.format(title=idea) if idea in taken else f"{number}. {idea}"
        for number, idea in enumerate(ideas, start=1)
    )
    return Card(
        title=say.IDEAS_TITLE.format(section=section_heading(section)),
        progress=_progress(framework.phase_of(section.code), section),
        lines=(intro, *lines),
        choices=tuple(
            Button(label=f"Add idea {number}", intent=TakeIdea(assessment=assessment_id, section=section.code, idea=number - 1))
            for number, idea in enumerate(ideas, start=1)
            if idea not in taken
        ),
        actions=(Button(label=say.NEXT_SECTION, intent=NextSection(assessment=assessment_id, section=section.code), primary=True),),
        ref=f"ideas:{assessment_id}:{section.code}",
    )


def summary_card(
    framework: Framework, assessment_id: str, phase: Phase, responses: Mapping[str, Response], new_actions: int
) -> Card:
    answered = [responses[s.code] for s in phase.sections if s.code in responses and responses[s.code].rating is not None]
    following = framework.next_phase(phase)
    return Card(
        title=say.SUMMARY_TITLE.format(phase=phase.name),
        progress=f"Phase {phase.number} of 7",
        lines=(
            say.SUMMARY_LINE.format(
                answered=len(answered),
                total=len(phase.sections),
                evidence=sum(r.evidence is not None for r in answered),
                actions=new_actions,
            ),
        ),
        facts=tuple(
            Fact(
                label=_short(section_heading(section)),
                value=rating_label(responses[section.code].rating if section.code in responses else None)
                + (" · evidence" if section.code in responses and responses[section.code].evidence else ""),
            )
            for section in phase.sections
        ),
        choices=(
            Button(label=say.NEXT_PHASE.format(name=following.name), intent=ChoosePhase(assessment=assessment_id, phase=following.number), primary=True),
            Button(label=say.ALL_PHASES, intent=ShowPhases(assessment=assessment_id)),
            Button(label=say.MY_ACTIONS, intent=ShowActions()),
        ),
        ref=f"summary:{assessment_id}:{phase.number}",
    )


def home_card(framework: Framework, assessments: Iterable[tuple[Assessment, set[str]]], actions: Iterable[Action]) -> Card:
    """App Home: each assessment with progress per phase, open actions with due dates, and where to go next."""
    lines = [
        say.HOME_ASSESSMENT.format(
            subject=assessment.scope.subject,
            cycle=assessment.cycle,
            stance=say.SCOPE_LABELS[assessment.scope.stance].lower(),
            progress=" · ".join(
                f"{phase.name} {sum(s.code in answered for s in phase.sections)}/{len(phase.sections)}"
                for phase in framework.phases
            ),
        )
        for assessment, answered in assessments
    ]
    listed = sorted(actions, key=lambda action: (action.due, action.section))
    return Card(
        title=say.HOME_TITLE,
        lines=(say.HOME_INTRO, *(lines or [say.HOME_EMPTY]), *(() if listed else (say.HOME_ACTIONS_NONE,))),
        facts=tuple(
            Fact(label=say.ACTION_FACT.format(section=a.section, due=say.due_label(a.due)), value=_short(a.title, 300))
            for a in listed[:10]
        ),
        choices=(
            Button(label=say.RESUME, intent=Resume(), primary=True),
            Button(label=say.START, intent=StartAssessment()),
            Button(label=say.MY_ACTIONS, intent=ShowActions()),
        ),
    )


MAX_LISTED_ACTIONS = 10


def actions_card(actions: Iterable[Action]) -> Card:
    """Open actions, soonest first, each with a button to open it for editing."""
    listed = sorted(actions, key=lambda action: (action.due, action.section))[:MAX_LISTED_ACTIONS]
    return Card(
        title=say.ACTIONS_TITLE,
        lines=() if listed else (say.NO_ACTIONS,),
        facts=tuple(
            Fact(label=f"{number}. " + say.ACTION_FACT.format(section=a.section, due=say.due_label(a.due)), value=_short(a.title, 300))
            for number, a in enumerate(listed, start=1)
        ),
        choices=tuple(
            Button(label=say.EDIT_ACTION.format(number=number), intent=OpenAction(action=a.id))
            for number, a in enumerate(listed, start=1)
        ),
        actions=(Button(label=say.RESUME, intent=Resume()), Button(label=say.START, intent=StartAssessment())),
    )


def action_card(action: Action) -> Card:
    """One action with its details and one-tap changes; the text box renames it."""
    changes = [
        "reopen" if action.status == "done" else "done",
        "long_term" if action.horizon == "quick_win" else "quick_win",
        "later_7",
        "later_28",
    ]
    return Card(
        title=say.ACTION_TITLE.format(section=action.section),
        lines=(action.title,),
        facts=(
            Fact(label=say.ACTION_FACTS["due"], value=say.due_label(action.due)),
            Fact(label=say.ACTION_FACTS["horizon"], value=say.HORIZONS[action.horizon]),
            Fact(label=say.ACTION_FACTS["status"], value=say.STATUSES[action.status]),
        ),
        choices=tuple(
            Button(label=say.ACTION_CHANGES[change], intent=EditAction(action=action.id, change=change))  # type: ignore[arg-type]
            for change in changes
        ),
        text_input=TextInput(
            placeholder=say.RENAME_PLACEHOLDER,
            max_length=200,
            submit=Button(label=say.ACTION_CHANGES["rename"], intent=EditAction(action=action.id, change="rename")),
        ),
        actions=(Button(label=say.MY_ACTIONS, intent=ShowActions()),),
        ref=f"action:{action.id}",
    )
