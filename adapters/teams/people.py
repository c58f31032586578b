"""People a Teams message names: the mention entities Teams attaches beside the `<at>` tags in its text."""

from __future__ import annotations

import html
from typing import Any

from botbuilder.schema import Activity

from bot.models import Person


def entity_fields(entity: Any) -> dict[str, Any]:
    """A deserialized `Entity` keeps mention fields in additional_properties; a built `Mention` has attributes."""
    fields = dict(getattr(entity, "additional_properties", None) or {})
    fields.update(entity.serialize())
    return fields


def teams_mentions(activity: Activity) -> tuple[Person, ...]:
    """People a Teams message @mentioned, in order and once each, from its mention entities; never the bot itself."""
    recipient = activity.recipient.id if activity.recipient else None
    found: dict[str, Person] = {}
    for entity in activity.entities or []:
        if str(entity.type).lower() != "mention":
            continue
        mentioned = entity_fields(entity).get("mentioned") or {}
        user_id, name = str(mentioned.get("id") or ""), html.unescape(str(mentioned.get("name") or "")).strip()[:100]
        if user_id and user_id != recipient and user_id not in found:
            try:
                found[user_id] = Person(user_id=user_id, name=name or None)
            except ValueError:
                continue
    return tuple(found.values())
