"""Tenant-wide records the store keeps beside the team partitions, with the rules for changing them.

They answer questions no single team can: which teams a person belongs to, and whether an
inbound delivery was already taken. Each lives in its tenant's own scope, so one tenant
never sees another's; the rules are here so that every store applies them the same way.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import ClassVar, Self

from pydantic import AwareDatetime

from bot.models import Document, Id, Role


class Membership(Document):
    """One person's teams and roles in one tenant: found by person without opening every team."""

    table: ClassVar[str] = "memberships"
    user_id: Id
    teams: dict[Id, Role] = {}

    @property
    def doc_id(self) -> str:
        return self.user_id

    @classmethod
    def changed(cls, current: Self | None, user_id: str, team_id: str, role: Role | None) -> Self | None:
        """With `role` set for the team (None removes it); None once the person is in no team, so nothing is kept."""
        teams = dict(current.teams) if current is not None else {}
        if role is None:
            teams.pop(team_id, None)
        else:
            teams[team_id] = role
        return cls(user_id=user_id, teams=teams) if teams else None


class PastMemberships(Document):
    """The groups a person has left in one tenant: `my data` and `forget me` must still reach their answers there."""

    table: ClassVar[str] = "past_memberships"
    user_id: Id
    teams: tuple[Id, ...] = ()

    @property
    def doc_id(self) -> str:
        return self.user_id

    @classmethod
    def changed(cls, current: Self | None, user_id: str, team_id: str, former: bool) -> Self | None:
        """With the team listed (or not); None once no team is listed, so nothing is kept."""
        teams = {*(current.teams if current is not None else ()), team_id} - (set() if former else {team_id})
        return cls(user_id=user_id, teams=tuple(sorted(teams))) if teams else None


class Delivery(Document):
    """An inbound delivery already taken for processing, remembered until it expires so a redelivery is caught."""

    table: ClassVar[str] = "deliveries"
    key_hash: Id
    expires_at: AwareDatetime
    owner: Id | None = None
    """The `owner_tag` of the person whose turn made the claim, so `forget me` can remove their claims."""

    @property
    def doc_id(self) -> str:
        return self.key_hash

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at <= now

    @classmethod
    def claimed(
        cls, current: Self | None, key_hash: str, now: datetime, ttl: timedelta, owner: str | None = None
    ) -> Self | None:
        """A fresh claim if the key is new or expired; otherwise the current one, unchanged."""
        if current is not None and not current.is_expired(now):
            return current
        return cls(key_hash=key_hash, expires_at=now + ttl, owner=owner)


def owner_tag(user_id: str) -> str:
    """A one-way tag for a person on their delivery claims: enough to find them again, not to read who they are."""
    return hashlib.sha256(("owner:" + user_id).encode("utf-8")).hexdigest()[:32]


def delivery_id(key: str) -> str:
    """A fixed-length id for a delivery key: channel ids can be long, and the store need not read them."""
    if not isinstance(key, str) or not key:
        raise ValueError("a delivery key must be a non-empty string")
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ActionSpaces(Document):
    """The partitions where one person owns actions in one tenant, so 'my actions' never opens every team."""

    table: ClassVar[str] = "action_spaces"
    user_id: Id
    spaces: tuple[Id, ...] = ()

    @property
    def doc_id(self) -> str:
        return self.user_id

    @classmethod
    def with_space(cls, current: Self | None, user_id: str, team_id: str) -> Self:
        """The record with `team_id` added once; an unchanged record is returned as it was, so nothing is written."""
        if current is not None and team_id in current.spaces:
            return current
        spaces = current.spaces if current is not None else ()
        return cls(user_id=user_id, spaces=(*spaces, team_id))
