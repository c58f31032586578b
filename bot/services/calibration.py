"""Calibration: how a group's ratings of each section spread, where they disagree, and the level a lead agrees.

The figures are pure functions of stored answers. A section's figures are shown only once enough members have
answered it (three by default, per group), so nobody's rating can be read off them. A former member's answers stay
in the figures and are counted apart, and a lead's agreed level becomes the group's result with the spread beside it.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot import messages as say
from bot.errors import InvalidInput
from bot.framework import Framework, Level
from bot.keys import AssessmentKey, TeamKey
from bot.models import NOT_SURE, Agreement, Assessment, Response, Team
from bot.services import shared
from bot.services.shared import Holdings
from bot.store import Store

DISAGREEMENT_GAP = 2
"""Ratings this many levels apart (Emerging and Maturing, say) are flagged for discussion."""


@dataclass(frozen=True)
class Note:
    """One evidence note, unattributed, marked when its author has left the group."""

    text: str
    former: bool


@dataclass
class Spread:
    """One section's answers across the group: how many chose each level or 'not sure', and their evidence."""

    section: str
    counts: dict[Level, int] = field(default_factory=lambda: dict.fromkeys(Level, 0))
    not_sure: int = 0
    former: int = 0
    notes: list[Note] = field(default_factory=list)

    @property
    def answered(self) -> int:
        """Everyone who rated the section, 'not sure' included."""
        return sum(self.counts.values()) + self.not_sure

    @property
    def levels(self) -> list[int]:
        return [int(level) for level, count in self.counts.items() for _ in range(count)]

    @property
    def median(self) -> float | None:
        """The middle rating (between two levels when the count is even); 'not sure' has no place on the scale."""
        rated = self.levels
        return float(statistics.median(rated)) if rated else None

    @property
    def low(self) -> Level | None:
        return next((level for level in Level if self.counts[level]), None)

    @property
    def high(self) -> Level | None:
        return next((level for level in reversed(Level) if self.counts[level]), None)

    @property
    def disagreement(self) -> bool:
        low, high = self.low, self.high
        return low is not None and high is not None and high - low >= DISAGREEMENT_GAP

    def shown(self, min_answers: int) -> bool:
        """Figures appear only once enough people answered that no single rating can be read off them."""
        return self.answered >= min_answers

    def add(self, response: Response, former: bool) -> None:
        if response.rating is None:
            return
        if response.rating == NOT_SURE:
            self.not_sure += 1
        else:
            self.counts[Level(response.rating)] += 1
        self.former += former
        if response.evidence:
            self.notes.append(Note(response.evidence, former))


def spreads(framework: Framework, responses: Iterable[Response], former: frozenset[str]) -> dict[str, Spread]:
    """Every section's spread, in loop order, from one pass over the answers."""
    found = {section.code: Spread(section.code) for section in framework.sections}
    for response in responses:
        spread = found.get(response.section)
        if spread is not None:
            spread.add(response, response.author_id in former)
    return found


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
    return agreement


def group_results(framework: Framework, team: Team, holdings: Holdings) -> dict[str, float]:
    """The group's result per section in one assessment, its former members' answers included."""
    former = frozenset(member.user_id for member in team.former)
    return results(spreads(framework, holdings.responses, former), holdings.agreements, team.min_answers)


async def last_cycle(store: Store, framework: Framework, space: TeamKey, team: Team, assessment: Assessment) -> dict[str, float]:
    """The group's result per section in the cycle before this one (empty for a first cycle)."""
    earlier = await shared.previous(store, space, assessment)
    if earlier is None:
        return {}
    held = await shared.holdings(store, AssessmentKey(space, earlier.id), earlier)
    return group_results(framework, team, held)
