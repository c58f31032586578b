"""The audit trail's card: one page of a group's changes, newest first, at the group's local time."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot import messages as say
from bot.intents import ShowAudit
from bot.models import Person, Team
from bot.services.audit import AuditEntry
from bot.views import Button, Card, Fact
from dialogs.cards import shorten

AUDIT_PAGE_SIZE = 12
"""Entries per page: twelve facts keep the card well inside Teams' and Slack's size limits."""


def _who(team: Team, user_id: str) -> Person:
    """Whoever made the change as the group knows them; a forgotten person is only ever 'a former member'."""
    member = team.member(user_id)
    if member is None:
        return Person(user_id=user_id)
    if member.left_at is not None and member.name is None:
        return Person(user_id=user_id, name=say.AUDIT_FORMER)
    return member.person


def _fact(team: Team, entry: AuditEntry) -> Fact:
    when = entry.at.astimezone(ZoneInfo(team.time_zone)).strftime("%d %b %Y %H:%M")
    return Fact(label=when, value=shorten(say.AUDIT_WHAT[entry.what].format(subject=entry.subject), 300), who=_who(team, entry.by))


def audit_card(team: Team, entries: list[AuditEntry], page: int, pages: int) -> Card:
    """One page of the trail at the group's local time, with buttons to the pages either side."""
    moves = (
        *((Button(label=say.AUDIT_OLDER, intent=ShowAudit(group=team.id, page=page + 1)),) if page < pages else ()),
        *((Button(label=say.AUDIT_NEWER, intent=ShowAudit(group=team.id, page=page - 1)),) if page > 1 else ()),
    )
    return Card(
        title=shorten(say.AUDIT_TITLE.format(name=team.name), 150),
        lines=(say.AUDIT_PAGE.format(page=page, pages=pages),) if entries else (say.AUDIT_NONE,),
        facts=tuple(_fact(team, entry) for entry in entries),
        actions=moves,
        ref=f"audit:{team.id}",
    )
