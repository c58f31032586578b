"""Throwaway PostgreSQL space for tests, on the server REFLECT_TEST_DATABASE_URL names.

The URL defaults to the local server (postgresql://postgres@127.0.0.1:5432/postgres); its user must
be allowed to create databases. A test run creates one database and gives each test a fresh schema
in it (the store's URL selects it with `search_path`), dropping both afterwards. Without a
reachable server the PostgreSQL tests are skipped with the reason, except under CI (CI=true),
where they fail: CI must never pass by skipping them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
import pytest

DEFAULT_TEST_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def test_server_url() -> str:
    return os.environ.get("REFLECT_TEST_DATABASE_URL") or DEFAULT_TEST_URL


@cache
def _unreachable_reason() -> str | None:
    """Asked once per run: why the test server cannot be used, or None when it can."""
    try:
        with psycopg.connect(test_server_url(), connect_timeout=5, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return f"no PostgreSQL at REFLECT_TEST_DATABASE_URL ({first_line}); start it or set the variable"
    return None


def require_postgres() -> None:
    """Skip the calling test without a server, or fail it under CI."""
    reason = _unreachable_reason()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the PostgreSQL tests: {reason}")
    pytest.skip(reason)


def with_path(url: str, database: str, schema: str | None = None) -> str:
    """`url` pointed at another database, and with `schema` first on the search path."""
    parts = urlsplit(url)._replace(path=f"/{database}")
    if schema is not None:
        parts = parts._replace(query=f"options={quote(f'-csearch_path={schema}')}")
    return urlunsplit(parts)


@contextmanager
def fresh_database() -> Iterator[str]:
    """Create an empty database, yield its URL, then drop it (closing any connection still open)."""
    server_url = test_server_url()
    name = f"reflect_test_{secrets.token_hex(6)}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_path(server_url, name)
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def fresh_schema(database_url: str) -> Iterator[str]:
    """Create an empty schema in the database, yield a URL that uses it, then drop it with everything in it."""
    name = f"test_{secrets.token_hex(6)}"
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield with_path(database_url, urlsplit(database_url).path.lstrip("/"), name)
    finally:
        with psycopg.connect(database_url, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
