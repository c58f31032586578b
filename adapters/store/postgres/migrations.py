"""Bring the schema up to date at start-up, safely when several instances start at once.

Every pending migration runs in one transaction that first takes a transaction-level advisory
lock, so concurrent starters queue behind the first and then find nothing left to do; a failed
migration leaves the database as it was. A database migrated by newer code stops start-up: this
code would not know its tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import AsyncConnection

from adapters.store.postgres.schema import MIGRATIONS, Migration
from bot.errors import StoreError

MIGRATION_LOCK = 7_265_657_374_652_001
"""The advisory lock key for migrations: any fixed number no other code in this database uses."""
_VERSIONS_TABLE = """
CREATE TABLE IF NOT EXISTS reflect_schema (
    version integer PRIMARY KEY,
    description text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True)
class SchemaState:
    """The database's schema version beside the newest this code knows."""

    database: int
    code: int

    @property
    def current(self) -> bool:
        return self.database == self.code

    def describe(self) -> str:
        if self.current:
            return f"current (version {self.code})"
        relation = "behind" if self.database < self.code else "ahead of"
        return f"database at version {self.database}, {relation} this code's {self.code}"


async def migrate(conn: AsyncConnection, migrations: tuple[Migration, ...] = MIGRATIONS) -> SchemaState:
    """Apply every pending migration under the lock; refuse a database newer than `migrations`."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        await conn.execute(_VERSIONS_TABLE)
        state = SchemaState(await _database_version(conn), len(migrations))
        if state.database > state.code:
            raise StoreError(
                f"the database schema is version {state.database}, newer than this Reflect (version {state.code}); "
                "run the newer Reflect or restore a backup that matches this one"
            )
        for migration in migrations[state.database :]:
            await conn.execute(migration.sql)
            await conn.execute(
                "INSERT INTO reflect_schema (version, description) VALUES (%s, %s)",
                (migration.version, migration.description),
            )
    return SchemaState(len(migrations), len(migrations))


async def schema_state(conn: AsyncConnection) -> SchemaState:
    """The version the database is at, without changing anything (for /healthz)."""
    return SchemaState(await _database_version(conn), len(MIGRATIONS))


async def _database_version(conn: AsyncConnection) -> int:
    cursor = await conn.execute("SELECT coalesce(max(version), 0) FROM reflect_schema")
    row = await cursor.fetchone()
    return int(row[0]) if row else 0
