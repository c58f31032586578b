"""What every document store does the same way: the JSON form it keeps, how `find` matches, what `update` refuses.

Keeping documents as JSON (never as the caller's objects) is what makes every read a copy,
and one JSON form for every store is what makes them agree on matches and round trips.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic_core import to_jsonable_python

from bot.errors import StoreError
from bot.keys import TeamKey, TenantKey
from bot.models import Document

D = TypeVar("D", bound=Document)
Raw = dict[str, Any]
PartitionKey = TeamKey | TenantKey | None
"""A team's partition, a tenant's own scope, or None for the global job table."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One stored document in its JSON form, with where it lives: what the copy command moves between stores."""

    partition: PartitionKey
    table: str
    doc_id: str
    doc: Raw


def jsonable(value: object) -> Any:
    """JSON form with aware datetimes in UTC, so equal instants compare equal whatever their offset."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(UTC)
    elif isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    elif isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return to_jsonable_python(value)


def to_raw(doc: Document | None) -> Raw | None:
    return None if doc is None else jsonable(doc.model_dump())


def from_raw(kind: type[D], raw: Raw | None) -> D | None:
    return None if raw is None else kind.model_validate(raw)


def wanted_fields(kind: type[Document], where: dict[str, object]) -> Raw:
    """A `find`'s conditions in stored JSON form; naming a field the kind lacks is a bug, so it raises."""
    unknown = set(where) - set(kind.model_fields)
    if unknown:
        raise StoreError(f"{kind.__name__} has no field(s) {sorted(unknown)}")
    return {name: jsonable(value) for name, value in where.items()}


def matcher(kind: type[Document], where: dict[str, object]) -> Callable[[Raw], bool]:
    """A test on stored JSON for `find`."""
    wanted = wanted_fields(kind, where)
    return lambda raw: all(raw.get(name) == value for name, value in wanted.items())


def same_document(kind: type[D], doc_id: str, change: Callable[[D | None], D]) -> Callable[[D | None], D]:
    """`change`, refusing (before anything is written) a result of another kind or with another id."""

    def checked(current: D | None) -> D:
        new = change(current)
        if type(new) is not kind or new.doc_id != doc_id:
            raise StoreError(f"an update of {kind.__name__} {doc_id!r} returned a different document")
        return new

    return checked


def same_kind(kind: type[D], change: Callable[[D | None], D | None]) -> Callable[[D | None], D | None]:
    """`change` for records, whose ids the store derives: only the kind is checked."""

    def checked(current: D | None) -> D | None:
        new = change(current)
        if new is not None and type(new) is not kind:
            raise StoreError(f"a change of a {kind.__name__} record returned a {type(new).__name__}")
        return new

    return checked
