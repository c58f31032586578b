"""A group's digest, computed: a pure function of what the group holds, so it is tested against figures worked by hand.

It reads like a status board: participation first, then what needs attention (overdue actions, stalled actions,
sections the group disagrees on), progress and level per phase, what changed since the last digest, quick wins
done, and where to look next. Views (dialogs/digest_cards.py) decide how it looks in each message.
"""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from bot.framework import Framework, Phase
from bot.models import Action, Agreement, Member, Team
from bot.services.calibration import results
from bot.services.tally import PART, Spread, Tally, feeding
from bot.services.shared import Holdings

STALLED_AFTER = timedelta(days=28)
"""An open action untouched this long, though not yet due, counts as stuck."""


@dataclass(frozen=True)
class PhaseLine:
    """One phase across the group: who has answered all of it, how much is answered, and its level."""

    phase: Phase
    complete: int
    members: int
    rated: int
    possible: int
    level: float | None
    agreed: bool
    previous: float | None

    @property
    def share(self) -> float:
        """The part of all possible answers given: what a phase's bar shows."""
        return self.rated / self.possible if self.possible else 0.0


@dataclass(frozen=True, slots=True)
class Attention:
    """Something to act on: an overdue or stalled action (with its owner) or a section the group disagrees on."""

    kind: Literal["overdue", "stalled", "disagreement"]
    section: str
    title: str
    owner: Member | None = None
    due: date | None = None


@dataclass(frozen=True)
class Changes:
    """What moved since the last digest (or, for the first, since the assessment started)."""

    new_answers: int
    changed_answers: int
    actions_done: int
    levels: tuple[tuple[str, float | None, float], ...]
    """Sections whose group result is new or different: code, before, now."""


@dataclass(frozen=True)
class Focus:
    phase: Phase
    reason: Literal["least_answered", "lowest"]


@dataclass(frozen=True)
class Digest:
    """Everything a digest shows, computed once for the headline, its thread and the leads' messages."""

    team: Team
    holdings: Holdings
    responded: int
    phases: tuple[PhaseLine, ...]
    attention: tuple[Attention, ...]
    changes: Changes
    quick_wins: tuple[Action, ...]
    focus: Focus | None
    non_responders: tuple[Member, ...]
    levels: dict[str, float]
    since: datetime
    cycle_moves: tuple[tuple[str, float, float], ...] = ()
    """Sections whose group result moved since the last cycle's: code, then, now (in loop order)."""

    @property
    def members(self) -> int:
        return len(self.team.members)


@dataclass(frozen=True)
class Period:
    """What a digest is measured against: the previous digest's time and levels, and the last cycle's levels."""

    since: datetime
    baseline: Mapping[str, float]
    last_cycle: Mapping[str, float]
    first: bool = False
    """No digest of this assessment came before: changes count from its start."""


Steps = Generator[None, None, "Digest"]
"""The computation as a series of short steps: a caller may let other work run at each `yield`."""


def tally_of(framework: Framework, team: Team, period: Period) -> Tally:
    """An empty tally for this group and period, to be fed the answers."""
    return Tally.empty(framework, (m.user_id for m in team.members), (m.user_id for m in team.former), period.since)


def compute(framework: Framework, team: Team, holdings: Holdings, period: Period, now: datetime, today: date) -> Digest:
    """The whole digest, in one go; `today` is the group's local date, which decides what is overdue."""
    steps = computing(framework, team, holdings, period, now, today)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]


async def compute_in_parts(
    framework: Framework, team: Team, holdings: Holdings, period: Period, now: datetime, today: date
) -> Digest:
    """`compute`, letting the event loop run between its steps, so that a big group's digest never stalls it."""
    steps = computing(framework, team, holdings, period, now, today)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        await asyncio.sleep(0)


def computing(framework: Framework, team: Team, holdings: Holdings, period: Period, now: datetime, today: date) -> Steps:
    """The digest, a step at a time: answers a part at a time, each phase, then the actions a part at a time."""
    tally = tally_of(framework, team, period)
    yield from feeding(tally, holdings.responses)
    levels = results(tally.spreads, holdings.agreements, team.min_answers)
    phases = []
    for phase in framework.phases:
        phases.append(_phase_line(phase, team, tally.rated, levels, holdings, period.last_cycle))
        yield
    seen = yield from _scan(holdings.actions, now, today, period.since)
    owners = {m.user_id: m for m in (*team.members, *team.former)}
    late = yield from seen.attention(owners)
    silent = tuple(m for m in team.members if not tally.rated.get(m.user_id))
    yield
    return Digest(
        team=team,
        holdings=holdings,
        responded=len(team.members) - len(silent),
        phases=tuple(phases),
        attention=(*late, *disagreements(tally.spreads, holdings.agreements, team.min_answers)),
        changes=_changes(tally, period, levels, seen.done),
        quick_wins=tuple(sorted(seen.quick_wins, key=lambda a: (a.updated_at, a.title))),
        focus=focus(phases),
        non_responders=silent,
        levels=levels,
        since=period.since,
        cycle_moves=cycle_moves(period.last_cycle, levels),
    )


def _median(values: Sequence[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def _phase_line(
    phase: Phase,
    team: Team,
    rated: Mapping[str, set[str]],
    levels: Mapping[str, float],
    holdings: Holdings,
    last_cycle: Mapping[str, float],
) -> PhaseLine:
    """A phase's level is the median of its sections' group results; 'agreed' when every one of them was agreed."""
    codes = [section.code for section in phase.sections]
    answered = [len(rated.get(m.user_id, set()).intersection(codes)) for m in team.members]
    found = [levels[code] for code in codes if code in levels]
    return PhaseLine(
        phase=phase,
        complete=sum(count == len(codes) for count in answered),
        members=len(team.members),
        rated=sum(answered),
        possible=len(codes) * len(team.members),
        level=_median(found),
        agreed=bool(found) and all(code in holdings.agreements for code in codes if code in levels),
        previous=_median([last_cycle[code] for code in codes if code in last_cycle]),
    )


@dataclass
class _Seen:
    """The actions a digest reports, picked out in one pass: overdue, stalled, and done within the period."""

    overdue: list[Action] = field(default_factory=list)
    stalled: list[Action] = field(default_factory=list)
    quick_wins: list[Action] = field(default_factory=list)
    done: int = 0

    def note(self, action: Action, now: datetime, today: date, since: datetime) -> None:
        """Sort one action into what the digest reports; an open one is overdue or stalled, never both."""
        if action.status == "done":
            recent = action.updated_at >= since
            self.done += recent
            if recent and action.horizon == "quick_win":
                self.quick_wins.append(action)
        elif action.active and action.due < today:
            self.overdue.append(action)
        elif action.active and now - action.updated_at >= STALLED_AFTER:
            self.stalled.append(action)

    def attention(self, owners: Mapping[str, Member]) -> Generator[None, None, tuple[Attention, ...]]:
        """Overdue first (oldest due date first), then stalled (longest untouched first), each with its owner."""
        self.overdue.sort(key=lambda a: (a.due, a.section or "", a.title))
        self.stalled.sort(key=lambda a: (a.updated_at, a.section or "", a.title))
        yield
        overdue = [Attention("overdue", a.section or "", a.title, owners.get(a.owner_id), a.due) for a in self.overdue]
        yield
        stalled = [Attention("stalled", a.section or "", a.title, owners.get(a.owner_id), a.due) for a in self.stalled]
        yield
        return (*overdue, *stalled)


def _scan(actions: Sequence[Action], now: datetime, today: date, since: datetime) -> Generator[None, None, _Seen]:
    """Every action looked at once, a part at a time, since a group can hold thousands."""
    seen = _Seen()
    for start in range(0, len(actions), PART):
        for action in actions[start : start + PART]:
            seen.note(action, now, today, since)
        yield
    return seen


def disagreements(
    sections: Mapping[str, Spread], agreed: Mapping[str, Agreement], min_answers: int
) -> tuple[Attention, ...]:
    """Sections whose shown ratings are two or more levels apart and still have no agreed level, in loop order."""
    return tuple(
        Attention("disagreement", code, code)
        for code, spread in sections.items()
        if spread.disagreement and spread.shown(min_answers) and code not in agreed
    )


def _changes(tally: Tally, period: Period, levels: Mapping[str, float], done: int) -> Changes:
    moved = tuple(
        (code, period.baseline.get(code), level) for code, level in levels.items() if period.baseline.get(code) != level
    )
    return Changes(new_answers=tally.new, changed_answers=tally.changed, actions_done=done, levels=moved)


def cycle_moves(last_cycle: Mapping[str, float], levels: Mapping[str, float]) -> tuple[tuple[str, float, float], ...]:
    """Each section with a group result both last cycle and now that differs between them, in loop order."""
    return tuple(
        (code, last_cycle[code], level) for code, level in levels.items() if code in last_cycle and last_cycle[code] != level
    )


def focus(phases: Sequence[PhaseLine]) -> Focus | None:
    """Until every phase has a group level, the least answered phase; then the phase with the lowest level.

    Ties go to the less answered phase, then to loop order, so the suggestion is stable.
    """
    if not phases:
        return None
    unlevelled = [line for line in phases if line.level is None]
    if unlevelled:
        return Focus(min(unlevelled, key=lambda line: (line.share, line.phase.number)).phase, "least_answered")
    return Focus(min(phases, key=lambda line: (line.level or 0.0, line.share, line.phase.number)).phase, "lowest")
