"""Exports: who may export what, and the channel-neutral data a Word, spreadsheet or PDF writer lays out.

A person exports their own assessments. A group's export is for its leads, and for members once a lead shares
the group's results. A group export shows what the results view shows and nothing more: figures, evidence notes
and answers only for sections enough members answered, and never who gave which answer. The check runs when
the export is asked for and again whenever a file is made, so a link outlives no one's access.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import TypeVar

from bot import messages as say
from bot.errors import NotAllowed, NotFound
from bot.exports import ActionRow, AnswerRow, ExportData, ExportRequest, PhaseResult, RevisionRow, SectionResult
from bot.framework import Framework, Level, Section
from bot.keys import AssessmentKey, TeamKey, TenantKey
from bot.models import NOT_SURE, Action, Agreement, Assessment, Rating, Response, Team
from bot.services import calibration, groups, shared
from bot.services.tally import PART, Spread
from bot.store import Store

T = TypeVar("T")
ROW_PART = 100
"""Answers made into rows between two yields to the event loop: about a millisecond's work on this project's VM."""


def space_of(request: ExportRequest) -> TeamKey:
    return TeamKey(TenantKey(request.platform, request.tenant_id), request.space)


async def authorise(store: Store, request: ExportRequest) -> tuple[Assessment, Team | None]:
    """The assessment the request names, if the person may export it now; otherwise a polite refusal."""
    space = space_of(request)
    assessment = await store.get(space, Assessment, request.assessment_id)
    if assessment is None or assessment.shared != request.group:
        raise NotFound(say.NOT_FOUND)
    if not request.group:
        if assessment.owner_id != request.user_id:
            raise NotFound(say.NOT_FOUND)
        return assessment, None
    team = await groups.find(store, space)
    if team is None:
        raise NotFound(say.NOT_A_GROUP)
    may_export(team, request.user_id)
    return assessment, team


def may_export(team: Team, user_id: str) -> None:
    """Leads always; members once a lead has shared the group's results; nobody else."""
    role = groups.require_member(team, user_id)
    if role != "lead" and not team.share_results:
        raise NotAllowed(say.EXPORT_LEADS_ONLY)


async def gather(store: Store, framework: Framework, request: ExportRequest, today: date) -> ExportData:
    """Check the request again, then read and lay out everything its file shows."""
    assessment, team = await authorise(store, request)
    if team is None:
        return await _personal(store, framework, request, assessment, today)
    return await _group(store, framework, request, team, assessment, today)


async def _personal(
    store: Store, framework: Framework, request: ExportRequest, assessment: Assessment, today: date
) -> ExportData:
    space = space_of(request)
    mine = {r.section: r for r in await store.find(space, Response, assessment_id=assessment.id, author_id=request.user_id)}
    earlier: dict[str, Response] = {}
    if assessment.previous_id is not None:
        before = await store.find(space, Response, assessment_id=assessment.previous_id, author_id=request.user_id)
        earlier = {r.section: r for r in before}
    actions = await store.find(space, Action, assessment_id=assessment.id)

    def section(s: Section) -> SectionResult:
        answer = mine.get(s.code)
        rating = None if answer is None else answer.rating
        last = earlier.get(s.code)
        return SectionResult(
            **_frame(s), chosen=_level(rating), not_sure=rating == NOT_SURE,
            evidence=() if answer is None or not answer.evidence else (answer.evidence,),
            last_cycle=None if last is None else _as_float(last.rating),
        )

    answered = [mine[code] for code in (s.code for s in framework.sections) if code in mine]
    return ExportData(
        **_about(framework, assessment, today, None, 1), phases=_phases(framework, section),
        actions=tuple(_action_row(a, lambda _owner: say.EXPORT_YOU, today) for a in _ordered(actions)),
        answers=tuple(_answer_row(phase_names(framework), r, say.EXPORT_YOU) for r in answered),
        revisions=tuple(_revisions(answered, lambda _r: say.EXPORT_YOU)) if request.history else (),
        history=request.history,
    )


async def _group(
    store: Store, framework: Framework, request: ExportRequest, team: Team, assessment: Assessment, today: date
) -> ExportData:
    space = space_of(request)
    held = await shared.holdings(store, AssessmentKey(space, assessment.id), assessment)
    await asyncio.sleep(0)
    former = frozenset(m.user_id for m in team.former)
    spreads = await calibration.spreads_in_parts(framework, held.responses, former)
    earlier = await calibration.last_cycle(store, framework, space, team, assessment)
    shown = {code for code, spread in spreads.items() if spread.shown(team.min_answers)}

    def section(s: Section) -> SectionResult:
        return _group_section(s, spreads[s.code], held.agreements.get(s.code), s.code in shown, team.min_answers,
                              earlier.get(s.code))

    author = lambda r: say.EXPORT_FORMER if r.author_id in former else say.EXPORT_MEMBER  # noqa: E731
    answers, revisions = await _group_rows(framework, held.responses, shown, author, request.history)
    owners = _owners(team)
    actions = []
    for start in range(0, len(held.actions), PART):
        actions.extend(_action_row(a, lambda owner: owners.get(owner, say.EXPORT_FORMER), today)
                       for a in held.actions[start : start + PART])
        await asyncio.sleep(0)
    actions.sort(key=lambda row: (row.section, row.due, row.title))
    await asyncio.sleep(0)
    return ExportData(
        **_about(framework, assessment, today, team.name, team.min_answers), phases=_phases(framework, section),
        actions=tuple(actions),
        answers=answers, revisions=revisions, history=request.history,
    )


async def _group_rows(
    framework: Framework, responses: Sequence[Response], shown: set[str], author: Callable[[Response], str], history: bool
) -> tuple[tuple[AnswerRow, ...], tuple[RevisionRow, ...]]:
    """Rows for the rated answers of shown sections, in loop order, made a part at a time so that a big group's
    answers never hold up the event loop."""
    answers: dict[str, list[AnswerRow]] = {s.code: [] for s in framework.sections}
    revisions: dict[str, list[RevisionRow]] = {s.code: [] for s in framework.sections}
    phases = phase_names(framework)
    for start in range(0, len(responses), ROW_PART):
        for response in responses[start : start + ROW_PART]:
            if response.section in shown and response.rating is not None:
                answers[response.section].append(_answer_row(phases, response, author(response)))
                if history:
                    revisions[response.section].extend(_revisions([response], author))
        await asyncio.sleep(0)
    flat_answers = _flat(answers.values())
    await asyncio.sleep(0)
    return flat_answers, _flat(revisions.values())


def _flat(parts: Iterable[list[T]]) -> tuple[T, ...]:
    return tuple(row for rows in parts for row in rows)


def _group_section(
    s: Section, spread: Spread, agreed: Agreement | None, shown: bool, min_answers: int, last: float | None
) -> SectionResult:
    """A group's section: the agreed level is the ticked box; figures and notes only once enough answered."""
    return SectionResult(
        **_frame(s), chosen=None if agreed is None else int(agreed.level),
        evidence=tuple(note.text for note in spread.notes) if shown else (),
        counts=tuple(spread.counts[level] for level in Level) if shown else None,
        answered=spread.answered, median=spread.median if shown else None,
        rationale=None if agreed is None else agreed.rationale, last_cycle=last,
    )


def _about(framework: Framework, assessment: Assessment, today: date, group: str | None, min_answers: int) -> dict[str, object]:
    scope = assessment.scope
    return {
        "framework": framework.title, "credit": say.EXPORT_CREDIT.format(title=framework.title, source=framework.source),
        "subject": scope.subject, "scope": tuple(say.SCOPE_LABELS[v] for v in (scope.focus, scope.footprint, scope.stance)),
        "cycle": assessment.cycle, "made_on": today.isoformat(), "group": group, "min_answers": min_answers,
    }


def _frame(s: Section) -> dict[str, object]:
    return {"code": s.code, "title": s.title, "descriptors": tuple(s.level(level).descriptor for level in Level)}


def _phases(framework: Framework, section: Callable[[Section], SectionResult]) -> tuple[PhaseResult, ...]:
    return tuple(PhaseResult(p.number, p.name, tuple(section(s) for s in p.sections)) for p in framework.phases)


def _level(rating: Rating | None) -> int | None:
    return None if rating is None or rating == NOT_SURE else int(rating)


def _as_float(rating: Rating | None) -> float | None:
    level = _level(rating)
    return None if level is None else float(level)


RATING_LABELS: dict[object, str] = {None: "", NOT_SURE: say.NOT_SURE, **{level: level.label for level in Level}}


def rating_label(rating: Rating | None) -> str:
    return RATING_LABELS[rating]


def phase_names(framework: Framework) -> dict[str, str]:
    """Each section's phase name, looked up once rather than per answer."""
    return {section.code: phase.name for phase in framework.phases for section in phase.sections}


def _answer_row(phases: dict[str, str], response: Response, author: str) -> AnswerRow:
    return AnswerRow(
        section=response.section, phase=phases[response.section], rating=rating_label(response.rating),
        evidence=response.evidence or "", updated=response.updated_at.isoformat(timespec="minutes"), author=author,
    )


def _revisions(responses: Iterable[Response], author: Callable[[Response], str]) -> Iterable[RevisionRow]:
    for response in responses:
        for earlier in response.history:
            yield RevisionRow(
                section=response.section, rating=rating_label(earlier.rating), evidence=earlier.evidence or "",
                at=earlier.at.isoformat(timespec="minutes"), author=author(response),
            )


def _ordered(actions: Iterable[Action]) -> list[Action]:
    return sorted(actions, key=lambda a: (a.section, a.due, a.id))


def _owners(team: Team) -> dict[str, str]:
    """Each current and former member's name as an action's owner, looked up once for all actions."""
    names = {m.user_id: f"{m.name or say.EXPORT_MEMBER} ({say.EXPORT_FORMER})" for m in team.former}
    names.update({m.user_id: m.name or say.EXPORT_MEMBER for m in team.members})
    return names


def _action_row(action: Action, owner: Callable[[str], str], today: date) -> ActionRow:
    status = "overdue" if action.status == "open" and action.due < today else action.status
    return ActionRow(
        section=action.section, title=action.title, owner=owner(action.owner_id), due=action.due.isoformat(),
        horizon="quick win" if action.horizon == "quick_win" else "long term", status=status,
    )
