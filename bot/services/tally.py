"""A group's answers gathered in one pass: each section's spread, who answered what, and what is new.

The pass is pure and can be fed in parts, so that a big group's answers (a 500-member group holds 11,000 a cycle)
are gathered a slice at a time with the event loop free in between (`tallied`); nothing here does I/O.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.framework import Framework, Level
from bot.models import Response

DISAGREEMENT_GAP = 2
"""Ratings this many levels apart (Emerging and Maturing, say) are flagged for discussion."""
PART = 250
"""Answers (or actions) handled between two yields to the event loop: about a millisecond's work on this project's VM."""


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
    def median(self) -> float | None:
        """The middle rating (halfway between two levels when the count is even), read off the counts;
        'not sure' has no place on the scale."""
        total = sum(self.counts.values())
        if total == 0:
            return None
        return (self._nth((total - 1) // 2) + self._nth(total // 2)) / 2

    def _nth(self, index: int) -> int:
        """The level of the `index`th rating in ascending order."""
        for level, count in self.counts.items():
            if index < count:
                return int(level)
            index -= count
        raise IndexError(index)

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
        """Count one rated answer (the caller skips unrated ones); a level is already an int, so no conversion."""
        if isinstance(response.rating, str):
            self.not_sure += 1
        else:
            self.counts[response.rating] += 1  # type: ignore[index]
        self.former += former
        if response.evidence:
            self.notes.append(Note(response.evidence, former))


@dataclass
class Tally:
    """Spreads by section, the sections each current member rated, and answers new or changed since a time."""

    spreads: dict[str, Spread]
    members: frozenset[str]
    former: frozenset[str]
    since: datetime
    rated: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    new: int = 0
    changed: int = 0

    @classmethod
    def empty(cls, framework: Framework, members: Iterable[str], former: Iterable[str], since: datetime) -> Tally:
        """Nothing counted yet, with one spread per section in loop order."""
        spreads = {section.code: Spread(section.code) for section in framework.sections}
        return cls(spreads, frozenset(members), frozenset(former), since)

    def add(self, responses: Iterable[Response]) -> Tally:
        """Count a slice of answers; a rating counts once per person and section, new or changed by its times."""
        spreads, members, former, since, rated = self.spreads, self.members, self.former, self.since, self.rated
        for response in responses:
            spread = spreads.get(response.section)
            if response.rating is None or spread is None:
                continue
            author = response.author_id
            spread.add(response, author in former)
            if author in members:
                rated[author].add(response.section)
            if response.created_at >= since:
                self.new += 1
            elif response.updated_at >= since:
                self.changed += 1
        return self


def feeding(tally: Tally, responses: Sequence[Response], part: int = PART) -> Iterator[None]:
    """Feed every answer to the tally a part at a time, pausing (a `yield`) after each part."""
    for start in range(0, len(responses), part):
        tally.add(responses[start : start + part])
        yield


async def tallied(tally: Tally, responses: Sequence[Response], part: int = PART) -> Tally:
    """Feed every answer to the tally, letting other work run on the event loop between parts."""
    for _ in feeding(tally, responses, part):
        await asyncio.sleep(0)
    return tally
