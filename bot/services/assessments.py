"""Assessment rules: scope, cycle numbers, answers, progress, and which section to ask about next.

Kept out of flow steps so that a reminder, a digest or an export counts progress and picks the
next section exactly as the conversation does.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from datetime import datetime
from typing import get_args

from bot import messages as say
from bot.errors import InvalidInput, NotFound
from bot.framework import Framework, Phase, Section
from bot.keys import AssessmentKey, TeamKey
from bot.models import Answer, Assessment, Rating, Response, Scope, ScopeDraft, ScopeField, new_id, response_id
from bot.services import audit
from bot.store import Store

SCOPE_FIELDS: tuple[ScopeField, ...] = get_args(ScopeField)


def scope_options(field: ScopeField) -> tuple[str, ...]:
    """The fixed answers a scope question offers, read from the model; the subject is free text, so it has none."""
    if field == "subject":
        return ()
    return get_args(Scope.model_fields[field].annotation)


def answer_scope(draft: ScopeDraft | None, field: ScopeField, value: str) -> ScopeDraft:
    """The draft with one more answer; a choice the question does not offer is refused rather than stored."""
    options = scope_options(field)
    if options and value not in options:
        raise InvalidInput(say.BAD_INPUT)
    return ScopeDraft.model_validate({**(draft or ScopeDraft()).model_dump(), field: value})


def open_scope_question(draft: ScopeDraft) -> ScopeField | None:
    """The first question still unanswered, in the order they are asked; None once the scope is complete."""
    return next((field for field in SCOPE_FIELDS if getattr(draft, field) is None), None)


async def start(store: Store, team: TeamKey, owner_id: str, scope: Scope, now: datetime) -> Assessment:
    """Create an assessment numbered as the next cycle for its subject (in any case), so repeats can be compared."""
    mine = await store.find(team, Assessment, owner_id=owner_id)
    same = [earlier for earlier in mine if not earlier.shared and earlier.scope.subject.casefold() == scope.subject.casefold()]
    latest = max(same, key=lambda earlier: earlier.created_at, default=None)
    assessment = Assessment(
        id=new_id("a"), owner_id=owner_id, scope=scope, cycle=1 + len(same), created_at=now,
        previous_id=None if latest is None else latest.id,
    )
    await store.put(team, assessment)
    return assessment


async def find(store: Store, team: TeamKey, assessment_id: str) -> Assessment:
    """The assessment only if it lives in this partition; an id from anywhere else is simply 'not found'."""
    assessment = await store.get(team, Assessment, assessment_id)
    if assessment is None:
        raise NotFound(say.NOT_FOUND)
    return assessment


def require_open(assessment: Assessment) -> Assessment:
    """A shared assessment's closed cycle keeps its answers as they were; a person's own stays editable."""
    if assessment.shared and assessment.status == "closed":
        raise InvalidInput(say.CYCLE_CLOSED)
    return assessment


async def earlier_answer(store: Store, team: TeamKey, assessment: Assessment, author_id: str, code: str) -> Response | None:
    """The person's answer for this section in the cycle before, shown when they rate it again."""
    if assessment.previous_id is None:
        return None
    return await store.get(team, Response, response_id(assessment.previous_id, code, author_id))


async def latest_open(store: Store, team: TeamKey, owner_id: str) -> Assessment | None:
    """The person's newest open assessment: where 'resume' goes when the conversation names none."""
    mine = await store.find(team, Assessment, owner_id=owner_id, status="open")
    return max(mine, key=lambda assessment: assessment.created_at, default=None)


async def newest(store: Store, team: TeamKey, owner_id: str, limit: int) -> list[Assessment]:
    """The person's most recent assessments, open or closed, newest first."""
    mine = await store.find(team, Assessment, owner_id=owner_id)
    return sorted(mine, key=lambda assessment: assessment.created_at, reverse=True)[:limit]


def section(framework: Framework, code: str) -> Section:
    """The section a payload names; an unknown code is bad input, not a crash."""
    try:
        return framework.section(code)
    except KeyError:
        raise InvalidInput(say.BAD_INPUT) from None


async def answers(store: Store, key: AssessmentKey, author_id: str) -> dict[str, Response]:
    """One person's current answers in an assessment, by section code."""
    responses = await store.find(key.team, Response, assessment_id=key.assessment_id, author_id=author_id)
    return {response.section: response for response in responses}


def answered(responses: Mapping[str, Response]) -> frozenset[str]:
    """Sections with a rating: evidence alone does not make a section answered."""
    return frozenset(code for code, response in responses.items() if response.rating is not None)


async def rate(store: Store, key: AssessmentKey, author_id: str, code: str, rating: Rating, now: datetime) -> Response:
    """Record a rating; a change to an earlier one keeps the earlier one as a revision."""
    response = await store.record_answer(key, Answer(section=code, author_id=author_id, rating=rating, at=now))
    await audit.record(store, key.team, author_id, "rating", code, now, key.assessment_id)
    return response


async def rated(store: Store, key: AssessmentKey, author_id: str, code: str) -> Response:
    """The person's answer for a section they have rated; evidence and ideas only make sense after a rating."""
    response = await store.get(key.team, Response, response_id(key.assessment_id, code, author_id))
    if response is None or response.rating is None:
        raise InvalidInput(say.BAD_INPUT)
    return response


async def add_evidence(store: Store, key: AssessmentKey, author_id: str, code: str, text: str, now: datetime) -> Response:
    """Record evidence for a rated section; the check and the write are one atomic step, so nothing half-happens."""
    answer = Answer(section=code, author_id=author_id, evidence=text, at=now)

    def apply(current: Response | None) -> Response:
        if current is None or current.rating is None:
            raise InvalidInput(say.BAD_INPUT)
        return current.revise(answer)

    return await store.update(key.team, Response, response_id(key.assessment_id, code, author_id), apply)


def next_unanswered(phase: Phase, answered: Set[str], after: str | None) -> Section | None:
    """The first unanswered section after `after` (a section id), wrapping round the phase; never `after` itself."""
    codes = [section.code for section in phase.sections]
    first = codes.index(after) + 1 if after in codes else 0
    ordered = phase.sections[first:] + phase.sections[:first]
    return next((s for s in ordered if s.code not in answered and s.code != after), None)


def previous(phase: Phase, current: str | None) -> Section:
    """The section before `current` in its phase (the first stays first); with no current one, the last section."""
    codes = [section.code for section in phase.sections]
    index = codes.index(current) - 1 if current in codes else len(codes) - 1
    return phase.sections[max(index, 0)]


@dataclass(frozen=True)
class PhaseProgress:
    """How far one person has got through one phase."""

    phase: Phase
    answered: int

    @property
    def total(self) -> int:
        """Every section counts, answered or not, so progress reads 'answered of total'."""
        return len(self.phase.sections)


def progress(framework: Framework, answered: Set[str]) -> tuple[PhaseProgress, ...]:
    """Sections answered in every phase, in loop order."""
    return tuple(
        PhaseProgress(phase, sum(section.code in answered for section in phase.sections)) for phase in framework.phases
    )


async def progress_of(store: Store, framework: Framework, key: AssessmentKey, author_id: str) -> tuple[PhaseProgress, ...]:
    """One person's progress per phase in one assessment, read from their stored answers."""
    return progress(framework, answered(await answers(store, key, author_id)))


async def set_closed(store: Store, key: AssessmentKey, owner_id: str, closed: bool, now: datetime) -> Assessment:
    """Close one's own assessment (or reopen it); someone else's is 'not found', a group's closes with its cycle."""

    def apply(current: Assessment | None) -> Assessment:
        if current is None or current.owner_id != owner_id:
            raise NotFound(say.NOT_FOUND)
        if current.shared:
            raise InvalidInput(say.GROUP_ASSESSMENT_NOT_YOURS)
        status = "closed" if closed else "open"
        return current.model_copy(update={"status": status, "closed_at": now if closed else None})

    return await store.update(key.team, Assessment, key.assessment_id, apply)


def sections_answered(progress: tuple[PhaseProgress, ...]) -> tuple[int, int]:
    """Sections answered and sections in all, across every phase."""
    return sum(p.answered for p in progress), sum(p.total for p in progress)
