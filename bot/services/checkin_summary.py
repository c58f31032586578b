"""A check-in's results as a pure computation: what the channel sees, and what only the leads see.

The channel gets stuck quick wins first (with their notes), then done, then progressing, then the new quick wins
people named, and how many responded. Who did not respond, who is away and who could not be reached go to leads only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.models import CheckIn, CheckInAnswer, CheckInReply, Person, Team

ORDER: tuple[CheckInAnswer, ...] = ("stuck", "done", "progressing")


@dataclass(frozen=True)
class Line:
    """One answer as the summary shows it: whose, about what, with the note and whether it came late."""

    who: Person
    title: str
    note: str | None = None
    late: bool = False


@dataclass(frozen=True)
class Summary:
    team: Team
    checkin: CheckIn
    answers: dict[CheckInAnswer, tuple[Line, ...]]
    new: tuple[Line, ...]
    asked: int
    responded: int
    non_responders: tuple[Person, ...]
    away: tuple[Person, ...]
    unreachable: tuple[Person, ...]


def _person(team: Team, user_id: str) -> Person:
    member = team.member(user_id)
    return member.person if member is not None else Person(user_id=user_id)


def _ordered(team: Team, checkin: CheckIn, found: list[CheckInReply]) -> list[CheckInReply]:
    """Replies in the order the check-in asked its members, so the summary reads the same every time."""
    place = {user_id: n for n, user_id in enumerate(checkin.members)}
    return sorted((r for r in found if r.user_id in place), key=lambda r: place[r.user_id])


def summarise(team: Team, checkin: CheckIn, found: list[CheckInReply]) -> Summary:
    replies = _ordered(team, checkin, found)
    answers: dict[CheckInAnswer, tuple[Line, ...]] = {
        kind: tuple(
            Line(_person(team, r.user_id), item.title, item.note, item.late)
            for r in replies
            for item in sorted(r.items, key=lambda i: i.title)
            if item.answer == kind
        )
        for kind in ORDER
    }
    new = tuple(
        Line(_person(team, r.user_id), r.new_quick_win.title, late=r.new_quick_win.late)
        for r in replies
        if r.new_quick_win is not None
    )
    by_user = {r.user_id: r for r in replies}

    def who(test: Callable[[CheckInReply | None], bool]) -> tuple[Person, ...]:
        return tuple(_person(team, u) for u in checkin.members if test(by_user.get(u)))

    return Summary(
        team=team, checkin=checkin, answers=answers, new=new, asked=len(checkin.members),
        responded=sum(r.responded for r in replies),
        non_responders=who(lambda r: r is None or not (r.responded or r.away or r.unreachable)),
        away=who(lambda r: r is not None and r.away and not r.responded),
        unreachable=who(lambda r: r is not None and r.unreachable and not r.responded),
    )
