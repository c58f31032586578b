"""A tenant's relational records: memberships (one row per person and team) and inbound delivery claims.

Memberships are rows so that "which teams is this person in" is one primary-key range scan. A change
to one person's memberships takes a transaction-level advisory lock on (tenant, person) first: their
rows may not exist yet, and a row that does not exist cannot be locked.

A delivery claim is one statement: `INSERT ... ON CONFLICT DO UPDATE ... WHERE expired RETURNING`.
Of any number of concurrent claims of one key, on any instance, exactly one inserts (or renews an
expired claim) and gets a row back; the others find an unexpired claim and get nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


from adapters.store.postgres.connection import Transaction
from bot.records import Delivery, Membership

_CLAIM = """
INSERT INTO deliveries (tenant, key_hash, expires_at, owner) VALUES (%(tenant)s, %(key)s, %(expires)s, %(owner)s)
ON CONFLICT (tenant, key_hash) DO UPDATE SET expires_at = EXCLUDED.expires_at, owner = EXCLUDED.owner
    WHERE deliveries.expires_at <= %(now)s
RETURNING key_hash
"""


class MembershipRow:
    """One person's memberships in one tenant, as one record over many rows."""

    def __init__(self, tenant: str, user_id: str) -> None:
        self._key = (tenant, user_id)

    async def lock(self, tx: Transaction) -> Any:
        await tx.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s || chr(31) || %s, 0))", self._key)
        return await get_membership(tx, *self._key)

    async def write(self, tx: Transaction, before: Membership | None, after: Membership | None) -> None:
        old = before.teams if before is not None else {}
        new = after.teams if after is not None else {}
        gone = [(*self._key, team_id) for team_id in old if team_id not in new]
        changed = [(*self._key, team_id, role) for team_id, role in new.items() if old.get(team_id) != role]
        if gone:
            await tx.executemany("DELETE FROM memberships WHERE tenant = %s AND user_id = %s AND team_id = %s", gone)
        if changed:
            await tx.executemany(
                "INSERT INTO memberships (tenant, user_id, team_id, role) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (tenant, user_id, team_id) DO UPDATE SET role = EXCLUDED.role",
                changed,
            )


async def get_membership(tx: Transaction, tenant: str, user_id: str) -> Membership | None:
    cursor = await tx.execute(
        'SELECT team_id, role FROM memberships WHERE tenant = %s AND user_id = %s ORDER BY team_id COLLATE "C"',
        (tenant, user_id),
    )
    teams = dict(await cursor.fetchall())
    return Membership(user_id=user_id, teams=teams) if teams else None


async def find_memberships(tx: Transaction, tenant: str) -> list[Membership]:
    cursor = await tx.execute(
        'SELECT user_id, team_id, role FROM memberships WHERE tenant = %s ORDER BY user_id COLLATE "C"', (tenant,)
    )
    people: dict[str, dict[str, Any]] = {}
    for user_id, team_id, role in await cursor.fetchall():
        people.setdefault(user_id, {})[team_id] = role
    return [Membership(user_id=user_id, teams=teams) for user_id, teams in people.items()]


class DeliveryRow:
    """One delivery claim, for the generic change path (a release, or a prune that keeps a renewed claim)."""

    def __init__(self, tenant: str, key_hash: str) -> None:
        self._key = (tenant, key_hash)

    async def lock(self, tx: Transaction) -> Any:
        cursor = await tx.execute(
            "SELECT expires_at, owner FROM deliveries WHERE tenant = %s AND key_hash = %s FOR UPDATE", self._key
        )
        row = await cursor.fetchone()
        return Delivery(key_hash=self._key[1], expires_at=row[0], owner=row[1]) if row else None

    async def write(self, tx: Transaction, before: Delivery | None, after: Delivery | None) -> None:
        if after is None:
            await tx.execute("DELETE FROM deliveries WHERE tenant = %s AND key_hash = %s", self._key)
        elif before is None:
            await tx.execute(
                "INSERT INTO deliveries (tenant, key_hash, expires_at, owner) VALUES (%s, %s, %s, %s)",
                (*self._key, after.expires_at, after.owner),
            )
        else:
            await tx.execute(
                "UPDATE deliveries SET expires_at = %s, owner = %s WHERE tenant = %s AND key_hash = %s",
                (after.expires_at, after.owner, *self._key),
            )


async def claim_delivery(
    tx: Transaction, tenant: str, key_hash: str, now: datetime, expires: datetime, owner: str | None = None
) -> bool:
    cursor = await tx.execute(_CLAIM, {"tenant": tenant, "key": key_hash, "expires": expires, "now": now, "owner": owner})
    return await cursor.fetchone() is not None


async def get_delivery(tx: Transaction, tenant: str, key_hash: str) -> Delivery | None:
    cursor = await tx.execute(
        "SELECT expires_at, owner FROM deliveries WHERE tenant = %s AND key_hash = %s", (tenant, key_hash)
    )
    row = await cursor.fetchone()
    return Delivery(key_hash=key_hash, expires_at=row[0], owner=row[1]) if row else None


async def find_deliveries(tx: Transaction, tenant: str) -> list[Delivery]:
    cursor = await tx.execute(
        'SELECT key_hash, expires_at, owner FROM deliveries WHERE tenant = %s ORDER BY key_hash COLLATE "C"', (tenant,)
    )
    return [
        Delivery(key_hash=key_hash, expires_at=expires_at, owner=owner)
        for key_hash, expires_at, owner in await cursor.fetchall()
    ]


async def prune_deliveries(tx: Transaction, tenant: str, now: datetime) -> None:
    await tx.execute("DELETE FROM deliveries WHERE tenant = %s AND expires_at <= %s", (tenant, now))
