"""What only the PostgreSQL store has: forced row-level security, versioned migrations, and its health report."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import psycopg
import pytest

from adapters.store.postgres.migrations import MIGRATION_LOCK
from adapters.store.postgres.schema import APP_ROLE, MIGRATIONS
from adapters.store.postgres.store import PostgresStore
from bot.errors import StoreError
from bot.store import StoreHealth
from tests.test_store_contract import at, make_action, make_job, team_key, tenant_key

TTL = timedelta(minutes=15)
THEIRS = team_key("g1", tenant_key("t1", "teams"))
SAME_IDS_ELSEWHERE = team_key("g1", tenant_key("t2", "teams"))


@pytest.fixture
async def store(postgres_url: str) -> AsyncIterator[PostgresStore]:
    async with PostgresStore(postgres_url) as opened:
        yield opened


async def _as_app(url: str, tenant: str, query: str) -> list[tuple[object, ...]]:
    """Raw SQL as the app's role in one tenant's scope, with no tenant filter of our own: only RLS stands in the way."""
    async with await psycopg.AsyncConnection.connect(url) as conn:
        await conn.execute("SELECT set_config('role', %s, true), set_config('app.tenant', %s, true)", (APP_ROLE, tenant))
        cursor = await conn.execute(query)
        return await cursor.fetchall()


async def _fill_one_tenant(store: PostgresStore) -> None:
    await store.put(THEIRS, make_action("act-1"))
    await store.set_membership(THEIRS, "u1", "lead")
    await store.claim_delivery(THEIRS.tenant, "Ev1", at(0), TTL)
    await store.add_job(make_job("job-1"))


class TestRowLevelSecurity:
    @pytest.mark.parametrize("table", ["documents", "memberships", "deliveries", "jobs"])
    async def test_another_tenant_reads_nothing_even_without_a_tenant_filter(
        self, store: PostgresStore, postgres_url: str, table: str
    ) -> None:
        await _fill_one_tenant(store)

        assert await _as_app(postgres_url, "teams:t2", f"SELECT * FROM {table}") == []
        assert await _as_app(postgres_url, "slack:t1", f"SELECT * FROM {table}") == []
        assert await _as_app(postgres_url, "", f"SELECT * FROM {table}") == []
        assert len(await _as_app(postgres_url, "teams:t1", f"SELECT * FROM {table}")) == 1

    async def test_the_scheduler_scope_sees_every_tenants_jobs_and_no_tenant_data(
        self, store: PostgresStore, postgres_url: str
    ) -> None:
        await _fill_one_tenant(store)
        await store.add_job(make_job("job-2").model_copy(update={"team": SAME_IDS_ELSEWHERE}))

        assert len(await _as_app(postgres_url, "*", "SELECT * FROM jobs")) == 2
        for table in ("documents", "memberships", "deliveries", "records"):
            assert await _as_app(postgres_url, "*", f"SELECT * FROM {table}") == []

    async def test_a_write_into_another_tenant_is_refused(self, store: PostgresStore, postgres_url: str) -> None:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            await _as_app(
                postgres_url,
                "teams:t2",
                "INSERT INTO documents (tenant, team_id, kind, doc_id, doc) VALUES ('teams:t1', 'g1', 'actions', 'x', '{}')"
                " RETURNING doc_id",
            )

    async def test_the_app_role_owns_nothing_and_security_is_forced_even_for_the_owner(
        self, store: PostgresStore, postgres_url: str
    ) -> None:
        async with await psycopg.AsyncConnection.connect(postgres_url) as conn:
            cursor = await conn.execute(
                "SELECT relname, relrowsecurity, relforcerowsecurity, pg_get_userbyid(relowner) FROM pg_class "
                "WHERE relname IN ('documents', 'records', 'memberships', 'deliveries', 'jobs') "
                "AND relnamespace = current_schema()::regnamespace"
            )
            tables = await cursor.fetchall()
            cursor = await conn.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", (APP_ROLE,))
            app_role = await cursor.fetchone()

        assert len(tables) == 5
        assert all(enabled and forced and owner != APP_ROLE for _, enabled, forced, owner in tables)
        assert app_role == (False, False)

    async def test_the_stores_own_calls_stay_in_their_tenant(self, store: PostgresStore) -> None:
        await _fill_one_tenant(store)

        assert await store.get(SAME_IDS_ELSEWHERE, type(make_action()), "act-1") is None
        assert await store.teams_of(SAME_IDS_ELSEWHERE.tenant, "u1") == []
        assert await store.claim_delivery(SAME_IDS_ELSEWHERE.tenant, "Ev1", at(1), TTL) is True


class TestMigrations:
    async def test_instances_starting_at_once_migrate_once_and_all_start(self, postgres_url: str) -> None:
        stores = [PostgresStore(postgres_url, pool_size=1) for _ in range(4)]

        await asyncio.gather(*(s.open() for s in stores))
        try:
            async with await psycopg.AsyncConnection.connect(postgres_url) as conn:
                cursor = await conn.execute("SELECT version FROM reflect_schema ORDER BY version")
                versions = [version for (version,) in await cursor.fetchall()]
        finally:
            await asyncio.gather(*(s.close() for s in stores))

        assert versions == [m.version for m in MIGRATIONS]

    async def test_a_database_newer_than_the_code_stops_start_up_with_a_clear_reason(self, postgres_url: str) -> None:
        async with PostgresStore(postgres_url):
            pass
        await _pretend_newer_code_migrated(postgres_url)

        with pytest.raises(StoreError, match=f"version {len(MIGRATIONS) + 1}, newer than this Reflect"):
            await PostgresStore(postgres_url).open()

    async def test_an_unreachable_database_is_refused_without_echoing_the_password(self) -> None:
        with pytest.raises(StoreError) as refused:
            await PostgresStore("postgresql://someone:hunter2@127.0.0.1:9/reflect").open()

        assert "127.0.0.1:9/reflect" in str(refused.value)
        assert "hunter2" not in str(refused.value)

    async def test_start_up_waits_while_another_instance_holds_the_migration_lock(self, postgres_url: str) -> None:
        store = PostgresStore(postgres_url)
        async with await psycopg.AsyncConnection.connect(postgres_url) as holder:
            await holder.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            opening = asyncio.create_task(store.open())
            await _until_someone_waits_for_an_advisory_lock(holder)
            assert not opening.done()
            await holder.rollback()
        await opening
        await store.close()


class TestHealth:
    async def test_a_migrated_reachable_database_is_healthy(self, store: PostgresStore) -> None:
        assert await store.health() == StoreHealth(
            ok=True, checks={"database": "reachable", "migrations": f"current (version {len(MIGRATIONS)})"}
        )

    async def test_a_database_at_another_version_is_unhealthy(self, store: PostgresStore, postgres_url: str) -> None:
        await _pretend_newer_code_migrated(postgres_url)

        health = await store.health()

        assert not health.ok
        assert health.checks["migrations"] == f"database at version {len(MIGRATIONS) + 1}, ahead of this code's {len(MIGRATIONS)}"


async def _until_someone_waits_for_an_advisory_lock(conn: psycopg.AsyncConnection) -> None:
    for _ in range(500):
        cursor = await conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        row = await cursor.fetchone()
        if row and row[0]:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("nobody ever waited for the migration lock")


async def _pretend_newer_code_migrated(url: str) -> None:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute(
            "INSERT INTO reflect_schema (version, description) VALUES (%s, 'from the future')", (len(MIGRATIONS) + 1,)
        )
