"""The audit trail: who changed a rating, an agreed level, an action or a group setting, and when.

Kept in the partition where the change happened (a group's, or a person's own), so a lead reads their group's
trail without opening anyone else's. An entry names the section, the action or the setting, never the free text:
evidence, rationales and titles stay where they are, and an erasure of the text leaves no copy here.

Why buckets: a big group's cycle writes thousands of entries, and a lead asks for the newest dozen. Entries are
appended to numbered buckets of `BUCKET` (20) entries, with a head document counting them, so a page reads the head and
one or two buckets, whatever the trail's length (reading every entry of a 200-member group's cycle took about 30 ms
of event-loop CPU; see docs/performance.md). A record is two small atomic writes: the head, then its bucket.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, ClassVar, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, StringConstraints

from bot.keys import TeamKey
from bot.models import Action, Document, Id
from bot.store import Store

AuditWhat = Literal["rating", "agreed_level", "action", "group_setting"]
Subject = Annotated[str, StringConstraints(min_length=1, max_length=120, pattern=r"^[^\x00-\x1f\x7f]+$")]
BUCKET = 20
HEAD = "head"


class AuditEntry(BaseModel):
    """One recorded change: by whom, when, what kind, and which section, action or setting (never its text)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    at: AwareDatetime
    by: Id
    what: AuditWhat
    subject: Subject
    assessment_id: Id | None = None


class AuditLog(Document):
    """How many entries a partition's trail has had: the next entry's bucket follows from it."""

    table: ClassVar[str] = "audit_log"
    count: int = 0

    @property
    def doc_id(self) -> str:
        return HEAD


class AuditBucket(Document):
    """Up to `BUCKET` consecutive entries, oldest first."""

    table: ClassVar[str] = "audit"
    number: int
    entries: tuple[AuditEntry, ...] = ()

    @property
    def doc_id(self) -> str:
        return bucket_id(self.number)

    def appended(self, entry: AuditEntry) -> Self:
        return self.model_copy(update={"entries": (*self.entries, entry)})


def bucket_id(number: int) -> str:
    return f"{number:08d}"


async def record(
    store: Store, team: TeamKey, by: str, what: AuditWhat, subject: str, now: datetime, assessment_id: str | None = None
) -> None:
    """Append one entry; called once by each service that changes something a lead may need to trace."""
    await _append(store, team, AuditEntry(at=now, by=by, what=what, subject=subject[:120], assessment_id=assessment_id))


async def _append(store: Store, team: TeamKey, entry: AuditEntry) -> None:
    """Count the entry in the head, then add it to the bucket its number falls in."""
    head = await store.update(team, AuditLog, HEAD, lambda current: AuditLog(count=(current.count if current else 0) + 1))
    number = (head.count - 1) // BUCKET
    await store.update(
        team, AuditBucket, bucket_id(number), lambda current: (current or AuditBucket(number=number)).appended(entry)
    )


async def _count(store: Store, team: TeamKey) -> int:
    head = await store.get(team, AuditLog, HEAD)
    return 0 if head is None else head.count


async def page(store: Store, team: TeamKey, number: int, size: int) -> tuple[list[AuditEntry], int, int]:
    """Page `number` (1 is the newest) of `size` entries, newest first, with the page shown and how many there are."""
    total = await _count(store, team)
    pages = max(1, -(-total // size))
    number = min(max(number, 1), pages)
    low, high = max(0, total - number * size), total - (number - 1) * size
    found: list[tuple[int, AuditEntry]] = []
    for bucket in range(low // BUCKET, (max(high, 1) - 1) // BUCKET + 1):
        held = await store.get(team, AuditBucket, bucket_id(bucket))
        found.extend((bucket * BUCKET + index, entry) for index, entry in enumerate(held.entries if held else ()))
    return [entry for position, entry in reversed(found) if low <= position < high], number, pages


async def buckets(store: Store, team: TeamKey) -> list[AuditBucket]:
    """Every bucket, oldest first, read one at a time so a long trail never holds up the event loop."""
    found = []
    for number in range(-(-await _count(store, team) // BUCKET)):
        held = await store.get(team, AuditBucket, bucket_id(number))
        if held is not None:
            found.append(held)
        await asyncio.sleep(0)
    return found


async def entries_by(store: Store, team: TeamKey, user_id: str) -> list[AuditEntry]:
    """Every entry naming the person as the one who made the change (for `my data`)."""
    return [entry for held in await buckets(store, team) for entry in held.entries if entry.by == user_id]


async def rewrite_by(store: Store, team: TeamKey, user_id: str, alias: str) -> int:
    """Name `alias` instead of the person in every entry they made (for `forget me`); returns how many changed."""
    changed = 0
    for held in await buckets(store, team):
        mine = sum(entry.by == user_id for entry in held.entries)
        if mine:
            rewritten = tuple(e.model_copy(update={"by": alias}) if e.by == user_id else e for e in held.entries)
            await store.put(team, held.model_copy(update={"entries": rewritten}))
            changed += mine
    return changed


async def record_action(store: Store, team: TeamKey, action: Action) -> None:
    """The entries an action's latest change added to its history (those stamped with its update), each once: the
    action's one save point calls this, and a save that changed nothing finds its entries already in the trail."""
    for item in action.history:
        if item.at == action.updated_at:
            entry = AuditEntry(
                at=item.at, by=item.by, what="action", subject=f"{action.id} {item.what}", assessment_id=action.assessment_id
            )
            if not await _recent(store, team, entry):
                await _append(store, team, entry)


async def _recent(store: Store, team: TeamKey, entry: AuditEntry) -> bool:
    """Whether the entry is already among the newest two buckets."""
    newest = (await _count(store, team) - 1) // BUCKET
    for number in (newest, newest - 1):
        held = None if number < 0 else await store.get(team, AuditBucket, bucket_id(number))
        if held is not None and entry in held.entries:
            return True
    return False
