"""Settings and start-up: bad configuration ends in one clear line; a good one serves /healthz over HTTP."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from adapters.store.tinydb import TinyDBStore
from app import create_app
from bot.errors import ConfigError
from bot.config import load_settings
from bot.errors import StoreError
from tests.harness import serve_locally
from tests.processes import REPO, free_port

VARIABLES = (
    "REFLECT_DATA_DIR", "FRAMEWORK_PATH", "REFLECT_HOST", "REFLECT_PORT", "REFLECT_LOG_LEVEL", "MICROSOFT_APP_ID",
    "MICROSOFT_APP_PASSWORD", "MICROSOFT_APP_TENANT_ID", "MICROSOFT_APP_TYPE", "REFLECT_SERVICE_URL_ALLOWLIST",
    "REFLECT_BOT_OPENID_METADATA_URL", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL",
    "REFLECT_DATABASE_URL",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test starts in local mode with no other Reflect variables and no .env file."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REFLECT_LOCAL_MODE", "true")
    monkeypatch.chdir(tmp_path)


def _run_app(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "app.py")],
        cwd=tmp_path,
        env={**os.environ, "REFLECT_DATA_DIR": str(tmp_path / "data"), "REFLECT_PORT": str(free_port()), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_defaults_need_no_configuration() -> None:
    settings = load_settings()

    assert (settings.host, settings.port, settings.data_dir, settings.framework_path) == (
        "127.0.0.1", 3978, Path("data"), None,
    )


def test_environment_and_dotenv_file_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("REFLECT_PORT=4000\nREFLECT_DATA_DIR=/srv/reflect\n")
    monkeypatch.setenv("REFLECT_PORT", "4100")

    settings = load_settings()

    assert (settings.port, settings.data_dir) == (4100, Path("/srv/reflect"))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REFLECT_PORT", "abc"),
        ("REFLECT_PORT", "70000"),
        ("REFLECT_HOST", "not a host"),
        ("REFLECT_LOG_LEVEL", "LOUD"),
        ("REFLECT_STORE_MAX_TEAMS", "0"),
        ("REFLECT_STORE_MAX_MB", "lots"),
        ("REFLECT_STORE_WARM_TEAMS", "-1"),
    ],
)
def test_a_bad_value_names_its_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)

    with pytest.raises(ConfigError, match=name):
        load_settings()


def test_bad_setting_stops_start_up_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    result = _run_app({"REFLECT_PORT": "abc"}, tmp_path)

    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("Reflect cannot start: REFLECT_PORT")
    assert "Traceback" not in result.stderr


def test_broken_framework_file_stops_start_up_naming_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "ours.toml"
    broken.write_text("schema_version = 1\n[[phases]]\nnumber = 'one'\n")

    result = _run_app({"FRAMEWORK_PATH": str(broken)}, tmp_path)

    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert str(broken) in result.stderr
    assert "Traceback" not in result.stderr


async def test_data_folder_in_use_stops_start_up_with_one_line(tmp_path: Path) -> None:
    async with TinyDBStore(tmp_path / "data"):
        result = await asyncio.to_thread(_run_app, {}, tmp_path)

    assert result.returncode == 2
    assert "in use by another Reflect process" in result.stderr
    assert "Traceback" not in result.stderr


async def test_healthz_over_http_reports_the_loaded_framework(tmp_path: Path) -> None:
    async with serve_locally(create_app(load_settings())) as url:
        async with aiohttp.ClientSession() as session, session.get(f"{url}/healthz") as reply:
            assert reply.status == 200
            assert await reply.json() == {"status": "ok", "phases": 7, "sections": 22}
        with pytest.raises(StoreError, match="in use"):
            await TinyDBStore(tmp_path / "data").open()
    async with TinyDBStore(tmp_path / "data"):
        pass


async def test_run_command_serves_until_sigterm_then_exits_cleanly(tmp_path: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(REPO / "app.py")],
        cwd=tmp_path,
        env={**os.environ, "REFLECT_PORT": str(port)},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        body = await _poll_healthz(port)
        assert body["sections"] == 22
        assert (tmp_path / "data" / ".lock").exists()
    finally:
        server.send_signal(signal.SIGTERM)
        _, stderr = server.communicate(timeout=30)
    assert server.returncode == 0
    assert "Traceback" not in stderr


async def _poll_healthz(port: int) -> dict[str, object]:
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as reply:
                    return dict(await reply.json())
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
    raise AssertionError("the server never answered /healthz")
