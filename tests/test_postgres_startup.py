"""Start-up with REFLECT_DATABASE_URL: the PostgreSQL store is chosen, checked, and reported on /healthz."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import aiohttp
import psycopg
import pytest

from adapters.store.postgres.schema import MIGRATIONS
from adapters.store.postgres.store import PostgresStore
from adapters.store.tinydb import TinyDBStore
from app import create_app, default_store
from bot.config import load_settings
from bot.errors import ConfigError
from tests.harness import local_settings, serve_locally
from tests.processes import REPO, free_port



def _run_app(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """app.py in local mode on a port nobody uses, expected to refuse before it listens."""
    return subprocess.run(
        [sys.executable, str(REPO / "app.py")],
        cwd=tmp_path,
        env={
            **os.environ,
            "REFLECT_LOCAL_MODE": "true",
            "REFLECT_DATA_DIR": str(tmp_path / "data"),
            "REFLECT_PORT": str(free_port()),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_a_database_url_the_store_is_tinydb(tmp_path: Path) -> None:
    assert isinstance(default_store(local_settings(tmp_path)), TinyDBStore)


def test_a_database_url_selects_the_postgresql_store(tmp_path: Path) -> None:
    settings = local_settings(tmp_path, REFLECT_DATABASE_URL="postgresql://reflect@db.example/reflect")

    assert isinstance(default_store(settings), PostgresStore)


def test_a_database_url_of_another_kind_is_refused_without_repeating_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFLECT_LOCAL_MODE", "true")
    monkeypatch.setenv("REFLECT_DATABASE_URL", "mysql://root:hunter2@127.0.0.1/reflect")

    with pytest.raises(ConfigError, match="REFLECT_DATABASE_URL") as refused:
        load_settings()

    assert "hunter2" not in str(refused.value)


async def test_healthz_reports_the_database_reachable_and_migrations_current(postgres_url: str, tmp_path: Path) -> None:
    app = create_app(local_settings(tmp_path, REFLECT_DATABASE_URL=postgres_url))
    async with serve_locally(app) as url, aiohttp.ClientSession() as session:
        async with session.get(f"{url}/healthz") as reply:
            assert reply.status == 200
            body = await reply.json()

    assert body["status"] == "ok"
    assert body["store"] == {"database": "reachable", "migrations": f"current (version {len(MIGRATIONS)})"}
    assert not (tmp_path / "data").exists()


def test_an_unreachable_database_stops_start_up_with_one_line(tmp_path: Path) -> None:
    result = _run_app({"REFLECT_DATABASE_URL": "postgresql://reflect:hunter2@127.0.0.1:9/reflect"}, tmp_path)

    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].startswith("Reflect cannot start: cannot use the database at 127.0.0.1:9/")
    assert "Traceback" not in result.stderr
    assert "hunter2" not in result.stderr


async def test_a_database_newer_than_the_code_stops_start_up_with_one_line(postgres_url: str, tmp_path: Path) -> None:
    async with PostgresStore(postgres_url):
        pass
    async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as conn:
        await conn.execute("INSERT INTO reflect_schema (version, description) VALUES (%s, 'later')", (len(MIGRATIONS) + 1,))

    result = _run_app({"REFLECT_DATABASE_URL": postgres_url}, tmp_path)

    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].startswith("Reflect cannot start: the database schema is version")
    assert "newer than this Reflect" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_tinydb_store_takes_its_caps_from_the_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFLECT_STORE_MAX_TEAMS", "7")
    monkeypatch.setenv("REFLECT_STORE_MAX_MB", "3")
    monkeypatch.setenv("REFLECT_STORE_WARM_TEAMS", "2")
    store = default_store(local_settings(tmp_path))

    assert isinstance(store, TinyDBStore)
    assert (store._max_teams, store._max_bytes, store._warm_teams) == (7, 3 * 1024 * 1024, 2)
