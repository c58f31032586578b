"""Cards for reflection: the phases, a section to rate, its evidence, next-step ideas, and a phase's summary."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set

from bot import messages as say
from bot.framework import Framework, Level, Phase, Section
from bot.intents import AddEvidence, ChangeRating, ChoosePhase, NextSection, Rate, ShowActions, ShowPhases, SkipEvidence, TakeIdea
from bot.models import EVIDENCE_MAX_CHARS, NOT_SURE, Rating, Response
from bot.services.assessments import PhaseProgress
from bot.views import Button, Card, Fact, TextInput
from dialogs.cards import shorten


def rating_label(rating: Rating | None) -> str:
    """A rating as people read it on a card; an unanswered section says so."""
    if rating is None:
        return say.SUMMARY_UNANSWERED
    return say.NOT_SURE if rating == NOT_SURE else Level(rating).label


def section_heading(section: Section) -> str:
    """The code first, since that is what people type and see in summaries."""
    return f"{section.code} {section.title}"


def _position(phase: Phase, section: Section) -> str:
    index = [s.code for s in phase.sections].index(section.code) + 1
    return say.SECTION_PROGRESS.format(phase=phase.name, index=index, count=len(phase.sections), number=phase.number)


def phases_card(
    assessment_id: str, progress: Iterable[PhaseProgress], group: str | None = None, about: str | None = None
) -> Card:
    """Every phase with the sections answered so far; the loop can begin anywhere. `about` names the assessment."""
    return Card(
        title=say.PHASES_TITLE,
        lines=(*(() if about is None else (say.CURRENT_ASSESSMENT.format(about=about),)), say.PHASES_LINE),
        choices=tuple(
            Button(
                label=say.PHASE_BUTTON.format(name=p.phase.name, answered=p.answered, total=p.total),
                intent=ChoosePhase(assessment=assessment_id, group=group, phase=p.phase.number),
            )
            for p in progress
        ),
        ref=f"phases:{assessment_id}",
    )


def _earlier_lines(earlier: Response | None) -> tuple[str, ...]:
    """What the person said last cycle, so a second round starts from it rather than from nothing."""
    if earlier is None or earlier.rating is None:
        return ()
    rating = say.LAST_CYCLE_RATING.format(rating=rating_label(earlier.rating))
    evidence = () if not earlier.evidence else (say.LAST_CYCLE_EVIDENCE.format(text=shorten(earlier.evidence, 300)),)
    return (rating, *evidence)


HISTORY_SHOWN = 3


def _history_lines(response: Response | None) -> tuple[str, ...]:
    """The answers given before this one and when it last changed, so a revision never hides what was said."""
    if response is None or not response.history:
        return ()
    earlier = [revision for revision in response.history if revision.rating is not None][-HISTORY_SHOWN:]
    if not earlier:
        return ()
    answers = " · ".join(
        say.HISTORY_ITEM.format(rating=rating_label(revision.rating), day=say.due_label(revision.at.date())) for revision in earlier
    )
    return (say.HISTORY_LINE.format(answers=answers, day=say.due_label(response.updated_at.date())),)


def section_card(
    framework: Framework,
    assessment_id: str,
    section: Section,
    response: Response | None,
    group: str | None = None,
    earlier: Response | None = None,
) -> Card:
    """The rating card; once answered it shows the recorded choice and still lets the person change it."""
    recorded = () if response is None or response.rating is None else (say.RECORDED.format(rating=rating_label(response.rating)),)
    return Card(
        title=section_heading(section),
        progress=_position(framework.phase_of(section.code), section),
        lines=(*recorded, *_history_lines(response), *_earlier_lines(earlier), section.summary, section.why, say.SECTION_QUESTION),
        facts=tuple(Fact(label=level.label, value=section.level(level).descriptor) for level in Level),
        choices=(
            *(Button(label=level.label, intent=Rate(assessment=assessment_id, group=group, section=section.code, level=level)) for level in Level),
            Button(label=say.NOT_SURE, intent=Rate(assessment=assessment_id, group=group, section=section.code, level=NOT_SURE)),
        ),
        actions=(Button(label=say.SKIP, intent=NextSection(assessment=assessment_id, group=group, section=section.code)),),
        ref=f"section:{assessment_id}:{section.code}",
    )


def _evidence_lines(rating: Rating, kept: str | None) -> tuple[str, ...]:
    """What the rating asks for, and the evidence a re-rating keeps unless new evidence replaces it."""
    ask = say.EVIDENCE_NOT_SURE_LINE if rating == NOT_SURE else say.EVIDENCE_LINE
    return (ask, *(() if kept is None else (say.EVIDENCE_KEPT_LINE.format(text=shorten(kept, 300)),)))


def evidence_card(
    framework: Framework,
    assessment_id: str,
    section: Section,
    rating: Rating,
    group: str | None = None,
    kept: str | None = None,
) -> Card:
    """Asks for optional evidence right after a rating, while the reason is fresh; a re-rating shows what is kept."""
    skip_label = say.SKIP_EVIDENCE if kept is None else say.KEEP_EVIDENCE
    return Card(
        title=say.EVIDENCE_TITLE.format(section=section_heading(section)),
        progress=_position(framework.phase_of(section.code), section),
        lines=_evidence_lines(rating, kept),
        text_input=TextInput(
            label=say.EVIDENCE_BOX,
            placeholder=say.EVIDENCE_PLACEHOLDER,
            max_length=EVIDENCE_MAX_CHARS,
            submit=Button(label=say.SAVE_EVIDENCE, intent=AddEvidence(assessment=assessment_id, group=group, section=section.code), primary=True),
        ),
        actions=(
            Button(label=skip_label, intent=SkipEvidence(assessment=assessment_id, group=group, section=section.code)),
            Button(label=say.CHANGE_RATING, intent=ChangeRating(assessment=assessment_id, group=group, section=section.code)),
        ),
        ref=f"evidence:{assessment_id}:{section.code}",
    )


def _ideas_intro(rating: Rating | None) -> str:
    if rating is None or rating == NOT_SURE:
        return say.IDEAS_START_LINE
    if Level(rating) is Level.THRIVING:
        return say.IDEAS_SUSTAIN_LINE
    return say.IDEAS_LINE.format(level=Level(rating + 1).label)


def ideas_card(
    framework: Framework,
    assessment_id: str,
    section: Section,
    rating: Rating | None,
    ideas: tuple[str, ...],
    taken: Set[str],
    group: str | None = None,
) -> Card:
    """The ideas offered for the rating; those already taken as actions are ticked and lose their button. The rating
    can still be changed from here, since the section's own buttons gave way to this card."""
    return Card(
        title=say.IDEAS_TITLE.format(section=section_heading(section)),
        progress=_position(framework.phase_of(section.code), section),
        lines=(
            _ideas_intro(rating),
            *(say.IDEA_TAKEN.format(title=idea) if idea in taken else f"{n}. {idea}" for n, idea in enumerate(ideas, start=1)),
        ),
        choices=tuple(
            Button(label=f"Add idea {n}", intent=TakeIdea(assessment=assessment_id, group=group, section=section.code, idea=n - 1))
            for n, idea in enumerate(ideas, start=1)
            if idea not in taken
        ),
        actions=(
            Button(label=say.NEXT_SECTION, intent=NextSection(assessment=assessment_id, group=group, section=section.code), primary=True),
            Button(label=say.CHANGE_RATING, intent=ChangeRating(assessment=assessment_id, group=group, section=section.code)),
        ),
        ref=f"ideas:{assessment_id}:{section.code}",
    )


def _summary_fact(section: Section, response: Response | None) -> Fact:
    evidence = " · evidence" if response is not None and response.evidence else ""
    return Fact(label=shorten(section_heading(section)), value=rating_label(response.rating if response else None) + evidence)


def summary_card(
    framework: Framework,
    assessment_id: str,
    phase: Phase,
    responses: Mapping[str, Response],
    new_actions: int,
    group: str | None = None,
) -> Card:
    """A finished phase: what was answered, with evidence, and where to go next round the loop."""
    rated = [responses[s.code] for s in phase.sections if s.code in responses and responses[s.code].rating is not None]
    following = framework.next_phase(phase)
    return Card(
        title=say.SUMMARY_TITLE.format(phase=phase.name),
        progress=f"Phase {phase.number} of 7",
        lines=(
            say.SUMMARY_LINE.format(
                answered=len(rated),
                total=len(phase.sections),
                evidence=sum(r.evidence is not None for r in rated),
                actions=say.counted(new_actions, say.NEW_ACTIONS),
            ),
        ),
        facts=tuple(_summary_fact(section, responses.get(section.code)) for section in phase.sections),
        choices=(
            Button(
                label=say.NEXT_PHASE.format(name=following.name),
                intent=ChoosePhase(assessment=assessment_id, group=group, phase=following.number),
                primary=True,
            ),
            Button(label=say.ALL_PHASES, intent=ShowPhases(assessment=assessment_id, group=group)),
            Button(label=say.MY_ACTIONS, intent=ShowActions()),
        ),
        ref=f"summary:{assessment_id}:{phase.number}",
    )
