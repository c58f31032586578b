"""Calibration: how a group's ratings of each section spread, where they disagree, and the level a lead agrees.

The figures are pure functions of stored answers. A section's figures are shown only once enough members have
answered it (three by default, per group), so nobody's rating can be read off them. A former member's answers stay
in the figures and are counted apart, and a lead's agreed level becomes the group's result with the spread beside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from bot import messages as say
from bot.errors import InvalidInput
from bot.framework import Framework, Level
from bot.keys import AssessmentKey, TeamKey
from bot.models import Agreement, Assessment, Response, Team
from bot.services import audit, shared
from bot.services.tally import Spread, Tally, tallied
from bot.store import Store


def spreads(framework: Framework, responses: Iterable[Response], former: frozenset[str]) -> dict[str, Spread]:
    """Every section's spread, in loop order, from one pass over the answers."""
    return Tally.empty(framework, (), former, datetime.max.replace(tzinfo=UTC)).add(responses).spreads


async def spreads_in_parts(framework: Framework, responses: list[Response], former: frozenset[str]) -> dict[str, Spread]:
    """`spreads`, gathered a part at a time so that a big group's answers never hold up the event loop."""
    return (await tallied(Tally.empty(framework, (), former, datetime.max.replace(tzinfo=UTC)), responses)).spreads


def result(spread: Spread, agreed: Agreement | None, min_answers: int) -> float | None:
    """The group's level for a section: the agreed level if a lead recorded one, else the median once it may be shown."""
    if agreed is not None:
        return float(agreed.level)
    return spread.median if spread.shown(min_answers) else None


def results(
    spread_by_section: Mapping[str, Spread], agreed: Mapping[str, Agreement], min_answers: int
) -> dict[str, float]:
    """Every section that has a group result, by code."""
    found = {code: result(spread, agreed.get(code), min_answers) for code, spread in spread_by_section.items()}
    return {code: level for code, level in found.items() if level is not None}


async def agreements(store: Store, key: AssessmentKey) -> dict[str, Agreement]:
    """The agreed levels recorded so far in an assessment, by section."""
    found = await store.find(key.team, Agreement, assessment_id=key.assessment_id)
    return {agreement.section: agreement for agreement in found}


async def agree(
    store: Store, key: AssessmentKey, by: str, code: str, level: Level, rationale: str | None, now: datetime
) -> Agreement:
    """Record (or replace) a section's agreed level; a level without its one-line reason is refused."""
    if rationale is None or not rationale.strip():
        raise InvalidInput(say.RATIONALE_EMPTY)
    agreement = Agreement(
        assessment_id=key.assessment_id, section=code, level=level, rationale=" ".join(rationale.split()), by=by, at=now
    )
    await store.put(key.team, agreement)
    await audit.record(store, key.team, by, "agreed_level", code, now, key.assessment_id)
    return agreement


async def cycle_results(store: Store, framework: Framework, space: TeamKey, team: Team, assessment: Assessment) -> dict[str, float]:
    """A cycle's result per section: as kept when it closed, else gathered now from its answers, in parts."""
    if assessment.results is not None:
        return dict(assessment.results)
    held = await shared.holdings(store, AssessmentKey(space, assessment.id), assessment)
    tally = Tally.empty(framework, (), (m.user_id for m in team.former), assessment.created_at)
    return results((await tallied(tally, held.responses)).spreads, held.agreements, team.min_answers)


async def last_cycle(store: Store, framework: Framework, space: TeamKey, team: Team, assessment: Assessment) -> dict[str, float]:
    """The group's result per section in the cycle before this one (empty for a first cycle)."""
    earlier = await shared.previous(store, space, assessment)
    return {} if earlier is None else await cycle_results(store, framework, space, team, earlier)
