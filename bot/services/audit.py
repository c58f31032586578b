"""The audit trail: who changed a rating, an agreed level, an action or a group setting, and when.

Kept in the partition where the change happened (a group's, or a person's own), so a lead reads their group's
trail without opening anyone else's. An entry names the section, the action or the setting, never the free text:
evidence, rationales and titles stay where they are, and an erasure of the text leaves no copy here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar, Literal

from pydantic import AwareDatetime, StringConstraints

from bot.keys import TeamKey
from bot.models import Document, Id, new_id
from bot.store import Store

AuditWhat = Literal["rating", "agreed_level", "action", "group_setting"]
Subject = Annotated[str, StringConstraints(min_length=1, max_length=120, pattern=r"^[^\x00-\x1f\x7f]+$")]


class AuditEntry(Document):
    """One recorded change: by whom, when, what kind, and which section, action or setting (never its text)."""

    table: ClassVar[str] = "audit"
    id: Id
    at: AwareDatetime
    by: Id
    what: AuditWhat
    subject: Subject
    assessment_id: Id | None = None

    @property
    def doc_id(self) -> str:
        return self.id


async def record(
    store: Store, team: TeamKey, by: str, what: AuditWhat, subject: str, now: datetime, assessment_id: str | None = None
) -> None:
    """Write one entry; called once by each service that changes something a lead may need to trace."""
    entry = AuditEntry(id=new_id("au"), at=now, by=by, what=what, subject=subject[:120], assessment_id=assessment_id)
    await store.put(team, entry)


async def trail(store: Store, team: TeamKey) -> list[AuditEntry]:
    """Every entry in a partition, newest first."""
    return sorted(await store.find(team, AuditEntry), key=lambda entry: (entry.at, entry.id), reverse=True)


def page(entries: list[AuditEntry], number: int, size: int) -> tuple[list[AuditEntry], int]:
    """One page (1 is the newest) and how many pages there are; a page past the end is the last one."""
    pages = max(1, -(-len(entries) // size))
    number = min(max(number, 1), pages)
    return entries[(number - 1) * size : number * size], pages
