"""Cards for calibration: a phase's group results, a person's own answers, and recording an agreed level."""

from __future__ import annotations

from collections.abc import Mapping

from bot import messages as say
from bot.framework import Framework, Level, Phase, Section
from bot.intents import AgreeLevel, ChooseAgreed, GroupResults, OpenGroup
from bot.models import RATIONALE_MAX_CHARS, Agreement, Assessment, Response, Team
from bot.services.calibration import result
from bot.services.tally import Spread
from bot.views import Button, Card, Fact, TextInput
from dialogs.cards import level_label, shorten
from dialogs.reflection_cards import rating_label, section_heading

NOTES_SHOWN = 4
NOTE_MAX = 200
LINE_MAX = 1000


def _notes(spread: Spread) -> tuple[str, ...]:
    """Evidence notes without names; a former member's are marked, and a long list ends in a count."""
    shown = [
        (say.RESULTS_NOTE_FORMER if note.former else say.RESULTS_NOTE).format(text=shorten(note.text, NOTE_MAX))
        for note in spread.notes[:NOTES_SHOWN]
    ]
    extra = len(spread.notes) - NOTES_SHOWN
    return (*shown, *((say.RESULTS_MORE_NOTES.format(count=say.counted(extra, say.NOTES)),) if extra > 0 else ()))


def _figures(spread: Spread) -> tuple[str, ...]:
    counts = spread.counts
    distribution = say.RESULTS_SPREAD.format(
        e=counts[Level.EMERGING], d=counts[Level.DEVELOPING], m=counts[Level.MATURING], t=counts[Level.THRIVING],
        n=spread.not_sure,
    )
    if spread.median is None or spread.low is None or spread.high is None:
        middle = say.RESULTS_NO_LEVELS
    else:
        middle = say.RESULTS_MEDIAN.format(median=level_label(spread.median), low=spread.low.label, high=spread.high.label)
    former = (say.RESULTS_FORMER.format(count=say.counted(spread.former, say.ANSWERS)),) if spread.former else ()
    flag = (say.RESULTS_DISAGREE,) if spread.disagreement else ()
    return (distribution, middle, *former, *flag)


def _last_cycle(before: float | None, now: float | None) -> tuple[str, ...]:
    """Last cycle's group result, and the movement to this cycle's once there is one that differs."""
    if before is None:
        return ()
    if now is None or now == before:
        return (say.RESULTS_LAST_CYCLE.format(level=level_label(before)),)
    return (say.RESULTS_LAST_CYCLE_MOVED.format(before=level_label(before), after=level_label(now)),)


def section_lines(
    section: Section, spread: Spread, agreed: Agreement | None, last_cycle: float | None, min_answers: int
) -> tuple[str, ...]:
    """One section as two lines (figures, then evidence notes), so a phase stays a few blocks long on any channel.

    Figures appear only once enough members have answered; an agreed level and last cycle's level always do.
    """
    heading = say.RESULTS_SECTION.format(code=section.code, title=section.title)
    shown = spread.shown(min_answers)
    figures = _figures(spread) if shown else (say.RESULTS_TOO_FEW.format(answered=spread.answered, min=min_answers),)
    outcome = () if agreed is None else (say.RESULTS_AGREED.format(level=agreed.level.label, rationale=say.sentence(agreed.rationale)),)
    earlier = _last_cycle(last_cycle, result(spread, agreed, min_answers))
    notes = _notes(spread) if shown else ()
    blocks = ("\n".join((heading, *outcome, *figures, *earlier)), "\n".join(notes))
    return tuple(shorten(block, LINE_MAX) for block in blocks if block)


def results_card(
    framework: Framework,
    team: Team,
    assessment: Assessment,
    phase: Phase,
    spreads: Mapping[str, Spread],
    agreed: Mapping[str, Agreement],
    last_cycle: Mapping[str, float],
    *,
    lead: bool,
) -> Card:
    """A phase's sections across the group; leads get a button to agree each section's level, everyone the other phases."""
    lines = [say.RESULTS_LINE.format(cycle=assessment.cycle, min=say.counted(team.min_answers, say.MEMBERS))]
    for section in phase.sections:
        lines.extend(section_lines(section, spreads[section.code], agreed.get(section.code), last_cycle.get(section.code), team.min_answers))
    agree = tuple(
        Button(label=say.AGREE_BUTTON.format(code=s.code), intent=ChooseAgreed(assessment=assessment.id, group=team.id, section=s.code))
        for s in phase.sections
    ) if lead else ()
    others = tuple(
        Button(label=f"{p.number} {p.name}", intent=GroupResults(assessment=assessment.id, group=team.id, phase=p.number))
        for p in framework.phases
        if p.number != phase.number
    )
    return Card(
        title=say.RESULTS_TITLE.format(phase=phase.name),
        progress=shorten(team.name, 120),
        lines=tuple(lines),
        choices=agree,
        actions=(*others, Button(label=shorten(say.OPEN_GROUP.format(name=team.name)), intent=OpenGroup(group=team.id))),
        ref=f"results:{assessment.id}:{phase.number}",
    )


def my_answers_card(framework: Framework, team: Team, assessment: Assessment, responses: Mapping[str, Response]) -> Card:
    """Everything the person has said in the group's assessment, section by section."""
    answered = sum(r.rating is not None for r in responses.values())
    return Card(
        title=shorten(say.MY_ANSWERS_TITLE.format(subject=assessment.scope.subject, cycle=assessment.cycle), 150),
        progress=shorten(team.name, 120),
        lines=(say.MY_ANSWERS_LINE.format(answered=answered, total=len(framework.sections)),),
        facts=tuple(
            Fact(
                label=shorten(section_heading(section)),
                value=rating_label(responses[section.code].rating if section.code in responses else None)
                + (" · evidence" if section.code in responses and responses[section.code].evidence else ""),
            )
            for section in framework.sections
        ),
        actions=(Button(label=shorten(say.OPEN_GROUP.format(name=team.name)), intent=OpenGroup(group=team.id)),),
        ref=f"mine:{assessment.id}",
    )


def agree_card(team: Team, assessment: Assessment, section: Section, spread: Spread) -> Card:
    """A lead picks the agreed level, with the spread in view; the reason is asked next."""
    return Card(
        title=say.AGREE_TITLE.format(section=section_heading(section)),
        progress=shorten(team.name, 120),
        lines=(say.AGREE_LINE, *(_figures(spread) if spread.shown(team.min_answers) else ())),
        choices=tuple(
            Button(label=level.label, intent=AgreeLevel(assessment=assessment.id, group=team.id, section=section.code, level=level))
            for level in Level
        ),
        ref=f"agree:{assessment.id}:{section.code}",
    )


def rationale_card(team: Team, assessment: Assessment, section: Section, level: Level) -> Card:
    """The one-line reason for an agreed level, typed into the box (or as the next message)."""
    return Card(
        title=say.RATIONALE_TITLE.format(level=level.label, code=section.code),
        progress=shorten(team.name, 120),
        lines=(say.RATIONALE_LINE.format(level=level.label),),
        text_input=TextInput(
            label=say.RATIONALE_BOX,
            placeholder=say.RATIONALE_PLACEHOLDER,
            max_length=RATIONALE_MAX_CHARS,
            submit=Button(
                label=say.RATIONALE_SAVE,
                intent=AgreeLevel(assessment=assessment.id, group=team.id, section=section.code, level=level),
                primary=True,
            ),
        ),
        ref=f"rationale:{assessment.id}:{section.code}",
    )
