"""A group's digest, computed: a pure function of what the group holds, so it is tested against figures worked by hand.

It reads like a status board: participation first, then what needs attention (overdue actions, stalled actions,
sections the group disagrees on), progress and level per phase, what changed since the last digest, quick wins
done, and where to look next. Views (dialogs/digest_cards.py) decide how it looks in each message.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from bot.framework import Framework, Phase
from bot.models import Action, Agreement, Member, Response, Team
from bot.services.calibration import Spread, results, spreads
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
        return self.rated / self.possible if self.possible else 0.0


@dataclass(frozen=True)
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


def compute(framework: Framework, team: Team, holdings: Holdings, period: Period, now: datetime, today: date) -> Digest:
    """The whole digest; `today` is the group's local date, which decides what is overdue."""
    sections = spreads(framework, holdings.responses, frozenset(m.user_id for m in team.former))
    levels = results(sections, holdings.agreements, team.min_answers)
    rated = _rated_by_author(holdings.responses, {m.user_id for m in team.members})
    phases = tuple(_phase_line(phase, team, rated, levels, holdings, period.last_cycle) for phase in framework.phases)
    owners = {m.user_id: m for m in (*team.members, *team.former)}
    to_discuss = disagreements(sections, holdings.agreements, team.min_answers)
    return Digest(
        team=team,
        holdings=holdings,
        responded=sum(bool(rated.get(m.user_id)) for m in team.members),
        phases=phases,
        attention=(*_actions_needing_attention(holdings.actions, owners, now, today), *to_discuss),
        changes=_changes(holdings, period, levels),
        quick_wins=_quick_wins(holdings.actions, period.since),
        focus=focus(phases),
        non_responders=tuple(m for m in team.members if not rated.get(m.user_id)),
        levels=levels,
        since=period.since,
    )


def _rated_by_author(responses: Iterable[Response], members: set[str]) -> dict[str, set[str]]:
    """Sections each current member has rated ('not sure' counts as an answer)."""
    rated: dict[str, set[str]] = defaultdict(set)
    for response in responses:
        if response.rating is not None and response.author_id in members:
            rated[response.author_id].add(response.section)
    return rated


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


def _actions_needing_attention(
    actions: Iterable[Action], owners: Mapping[str, Member], now: datetime, today: date
) -> tuple[Attention, ...]:
    """Overdue actions first (oldest due date first), then stalled ones (longest untouched first)."""
    open_actions = [a for a in actions if a.status == "open"]
    overdue = sorted((a for a in open_actions if a.due < today), key=lambda a: (a.due, a.section, a.title))
    stalled = sorted(
        (a for a in open_actions if a.due >= today and now - a.updated_at >= STALLED_AFTER),
        key=lambda a: (a.updated_at, a.section, a.title),
    )
    return (
        *(Attention("overdue", a.section, a.title, owners.get(a.owner_id), a.due) for a in overdue),
        *(Attention("stalled", a.section, a.title, owners.get(a.owner_id), a.due) for a in stalled),
    )


def disagreements(
    sections: Mapping[str, Spread], agreed: Mapping[str, Agreement], min_answers: int
) -> tuple[Attention, ...]:
    """Sections whose shown ratings are two or more levels apart and still have no agreed level, in loop order."""
    return tuple(
        Attention("disagreement", code, code)
        for code, spread in sections.items()
        if spread.disagreement and spread.shown(min_answers) and code not in agreed
    )


def _changes(holdings: Holdings, period: Period, levels: Mapping[str, float]) -> Changes:
    since = period.since
    new = sum(r.rating is not None and r.created_at >= since for r in holdings.responses)
    changed = sum(r.created_at < since <= r.updated_at for r in holdings.responses)
    moved = tuple(
        (code, period.baseline.get(code), level) for code, level in levels.items() if period.baseline.get(code) != level
    )
    done = sum(a.status == "done" and a.updated_at >= since for a in holdings.actions)
    return Changes(new_answers=new, changed_answers=changed, actions_done=done, levels=moved)


def _quick_wins(actions: Iterable[Action], since: datetime) -> tuple[Action, ...]:
    done = (a for a in actions if a.horizon == "quick_win" and a.status == "done" and a.updated_at >= since)
    return tuple(sorted(done, key=lambda a: (a.updated_at, a.title)))


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
