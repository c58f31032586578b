"""Everything Reflect holds about one person in one tenant, gathered for `my data`, as JSON and as CSV.

Read from the person's own space (their assessments, answers, actions, conversation state and address) and from
every group they belong to or have left (their membership, their answers in the group's assessments, the actions they own, the
agreed levels they recorded, their conversation state there and the audit entries naming them). Nothing of anyone
else is included: group documents are filtered by the person's id before they are read out.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from bot.conversation_refs import Unreachable, personal_space
from bot.keys import TeamKey, TenantKey
from bot.models import Action, Agreement, Assessment, ConversationRef, ConversationState, Document, Response, Team
from bot.services import audit
from bot.services.reminder_settings import PersonPreferences
from bot.store import Store

FORMAT = "reflect-personal-data/1"
OWN_KINDS: tuple[type[Document], ...] = (
    Assessment, Response, Action, ConversationState, ConversationRef, Unreachable, audit.AuditLog, audit.AuditBucket,
    PersonPreferences,
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_HEADER = ("place", "kind", "id", "field", "value")


def _dumped(docs: list[Any]) -> list[dict[str, Any]]:
    return [doc.model_dump(mode="json") for doc in docs]


async def _own_space(store: Store, space: TeamKey) -> dict[str, list[dict[str, Any]]]:
    """The person's own space holds only their documents, so every kind is read out whole."""
    return {kind.table: _dumped(await store.find(space, kind)) for kind in OWN_KINDS}


async def _their_actions(store: Store, space: TeamKey, user_id: str) -> list[Action]:
    """Actions the person owns or added, each once."""
    found = [*await store.find(space, Action, owner_id=user_id), *await store.find(space, Action, creator_id=user_id)]
    return list({action.id: action for action in found}.values())


async def _in_group(store: Store, space: TeamKey, user_id: str, role: str) -> dict[str, Any]:
    """One group's documents about the person, and nothing about anyone else."""
    team = await store.get(space, Team, space.team_id)
    member = None if team is None else team.member(user_id)
    return {
        "group_id": space.team_id,
        "group_name": None if team is None else team.name,
        "role": role,
        "membership": None if member is None else member.model_dump(mode="json"),
        "responses": _dumped(await store.find(space, Response, author_id=user_id)),
        "actions": _dumped(await _their_actions(store, space, user_id)),
        "agreements": _dumped(await store.find(space, Agreement, by=user_id)),
        "conversations": _dumped(await store.find(space, ConversationState, user_id=user_id)),
        "audit": _dumped(await audit.entries_by(store, space, user_id)),
    }


async def collect(store: Store, tenant: TenantKey, user_id: str, now: datetime) -> dict[str, Any]:
    """The whole record, ready for `as_json` and `as_csv`."""
    memberships: list[tuple[TeamKey, str]] = list(await store.teams_of(tenant, user_id))
    current = {space for space, _role in memberships}
    memberships += [(space, "former") for space in await store.former_teams_of(tenant, user_id) if space not in current]
    listed = {space for space, _role in memberships} | {personal_space(tenant, user_id)}
    memberships += [(space, "actions only") for space in await store.action_spaces(tenant, user_id) if space not in listed]
    return {
        "format": FORMAT,
        "generated_at": now.isoformat(),
        "platform": tenant.platform,
        "tenant_id": tenant.tenant_id,
        "user_id": user_id,
        "own": await _own_space(store, personal_space(tenant, user_id)),
        "groups": [await _in_group(store, space, user_id, role) for space, role in memberships],
    }


def as_json(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def guard(value: str) -> str:
    """A cell a spreadsheet would run as a formula is written as text (a leading apostrophe)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _leaves(prefix: str, value: Any) -> Iterator[tuple[str, str]]:
    """Every scalar in a document as (dotted field, text), so one CSV shape fits every kind."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(f"{prefix}.{key}" if prefix else str(key), item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(f"{prefix}.{index}", item)
    else:
        yield prefix, "" if value is None else str(value)


def _rows(record: dict[str, Any]) -> Iterator[tuple[str, ...]]:
    for kind, docs in record["own"].items():
        for index, doc in enumerate(docs):
            yield from (("own", kind, str(index), field, text) for field, text in _leaves("", doc))
    for group in record["groups"]:
        place = f"group:{group['group_id']}"
        for field in ("group_name", "role"):
            yield place, "membership", "", field, str(group[field] or "")
        for kind in ("membership", "responses", "actions", "agreements", "conversations", "audit"):
            docs = group[kind] if isinstance(group[kind], list) else [group[kind]] if group[kind] else []
            for index, doc in enumerate(docs):
                yield from ((place, kind, str(index), field, text) for field, text in _leaves("", doc))


def as_csv(record: dict[str, Any]) -> str:
    """One row per stored value (place, kind, which document, field, value); UTF-8 with a BOM for Excel."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in _rows(record):
        writer.writerow([guard(cell) for cell in row])
    return "\ufeff" + out.getvalue()
