"""The pool and the one way the store talks to PostgreSQL: a transaction scoped to a tenant, as `reflect_app`.

Every store transaction first sets, for that transaction only (`set_config(..., true)`, i.e. SET LOCAL), the role (`reflect_app`, which does not
own the tables, so row-level security applies to it) and the tenant (`app.tenant`). Both revert at
commit or rollback, so a pooled connection never carries one tenant's scope into another's work.
The URL's own user owns the tables and runs the migrations; it never serves a request.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from psycopg import AsyncClientCursor, AsyncConnection, AsyncCursor, errors
from psycopg import Error as DatabaseError
from psycopg_pool import AsyncConnectionPool

from adapters.store.postgres.migrations import SchemaState, migrate, schema_state
from adapters.store.postgres.schema import APP_ROLE, MAINTENANCE_ROLE
from bot.errors import StoreError
from bot.keys import TenantKey

EVERY_TENANT = "*"
"""The scheduler's scope: the job table shows every tenant's jobs to it, and no tenant table shows it anything."""
CONNECT_TIMEOUT_SECONDS = 10
HEALTH_TIMEOUT_SECONDS = 3
_SCOPE = "SELECT set_config('role', %s, true), set_config('app.tenant', %s, true)"
log = logging.getLogger(__name__)
Params = Sequence[Any] | Mapping[str, Any]


def tenant_scope(tenant: TenantKey) -> str:
    """The value of `app.tenant` and of every row's tenant column; platforms hold no colon, so it is unambiguous."""
    return f"{tenant.platform}:{tenant.tenant_id}"


def describe(url: str) -> str:
    """Where the database is, for messages: host, port and name, never the user or password."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path or '/'}"


class Database:
    """Migrations at open, then a pool of connections for scoped transactions."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self._url = url
        self._pool = AsyncConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            open=False,
            kwargs={
                "autocommit": True,
                "connect_timeout": CONNECT_TIMEOUT_SECONDS,
                "cursor_factory": AsyncClientCursor,
            },
            name="reflect",
        )

    async def open(self) -> None:
        """Migrate (one connection, under the advisory lock), then fill the pool."""
        try:
            async with await AsyncConnection.connect(
                self._url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS
            ) as conn:
                await migrate(conn)
            await self._pool.open(wait=True, timeout=CONNECT_TIMEOUT_SECONDS)
        except DatabaseError as exc:
            raise StoreError(f"cannot use the database at {describe(self._url)}: {_reason(exc)}") from None

    async def close(self) -> None:
        await self._pool.close()

    @asynccontextmanager
    async def transaction(
        self, scope: str, *, role: str = APP_ROLE, single: bool = False
    ) -> AsyncIterator[Transaction]:
        """One transaction as `role` in `scope` (a tenant, or EVERY_TENANT); database failures become StoreError.

        `single` promises exactly one statement, which then carries the COMMIT too. A unique
        violation passes through untouched: another instance created the same row first, and
        the caller reads again.
        """
        try:
            async with self._pool.connection() as conn:
                transaction = Transaction(conn, _preamble(conn, role, scope), single=single)
                async with transaction:
                    yield transaction
        except errors.UniqueViolation:
            raise
        except DatabaseError as exc:
            log.error("a database call failed: %s", type(exc).__name__)
            raise StoreError("the database could not complete the request; please try again") from exc

    @asynccontextmanager
    async def maintenance(self) -> AsyncIterator[Transaction]:
        """A read-only view of every tenant, for the copy command's export and counts; never for a request."""
        async with self.transaction(EVERY_TENANT, role=MAINTENANCE_ROLE) as transaction:
            yield transaction

    async def schema(self) -> SchemaState:
        """The schema version now, for /healthz; raises StoreError when the database cannot be reached."""
        try:
            async with self._pool.connection(timeout=HEALTH_TIMEOUT_SECONDS) as conn:
                return await schema_state(conn)
        except DatabaseError as exc:
            raise StoreError(f"cannot reach the database: {_reason(exc)}") from None


class Transaction:
    """The statements of one scoped transaction, sent in as few round trips as they can be.

    The first statement travels in one message with BEGIN and the scope, and in a `single`
    transaction with COMMIT as well, so a lookup costs one round trip and a change two.
    """

    def __init__(self, conn: AsyncConnection[Any], preamble: str, *, single: bool) -> None:
        self._conn = conn
        self._preamble: str | None = preamble
        self._single = single
        self._done = False

    async def execute(self, query: str, params: Params = ()) -> AsyncCursor[Any]:
        """Run one statement; the cursor holds its result."""
        cursor = self._conn.cursor()
        if self._preamble is None:
            if self._single:
                raise RuntimeError("a single-statement transaction was given a second statement")
            await cursor.execute(query, params)
            return cursor
        text, self._preamble = self._preamble + query + ("; COMMIT" if self._single else ""), None
        await cursor.execute(text, params)
        cursor.nextset()
        cursor.nextset()
        self._done = self._single
        return cursor

    async def executemany(self, query: str, params: list[tuple[Any, ...]]) -> None:
        """The same statement for each parameter tuple, pipelined (after BEGIN and the scope, if not yet sent)."""
        if self._single:
            raise RuntimeError("a single-statement transaction cannot run executemany")
        if self._preamble is not None:
            text, self._preamble = self._preamble, None
            await self._conn.cursor().execute(text, ())
        await self._conn.cursor().executemany(query, params)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._done or self._preamble is not None:
            return
        if exc_type is None:
            await self._conn.execute("COMMIT")
            return
        with suppress(DatabaseError):
            await self._conn.execute("ROLLBACK")


def _preamble(conn: AsyncConnection[Any], role: str, scope: str) -> str:
    """BEGIN and the scope, rendered (safely quoted) for the front of the first statement; `%` doubled for its params."""
    rendered = AsyncClientCursor(conn).mogrify(_SCOPE, (role, scope))
    return ("BEGIN; " + rendered + "; ").replace("%", "%%")


def _reason(exc: DatabaseError) -> str:
    """The server's first line, which names the problem without echoing credentials or data."""
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return first_line[:200]
