"""Shared fixtures. Every Store implementation is listed once here and runs the same contract suite."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from adapters.store.memory import MemoryBacking, MemoryStore
from adapters.store.postgres.store import PostgresStore
from adapters.store.tinydb import TinyDBStore
from bot import intents
from bot.store import Store
from tests.fakes import NetworkGuard
from tests.group_harness import unpaced
from tests.harness import NOW, RunningBot, running_bot
from tests.manual_clock import ManualClock
from tests.postgres import fresh_database, fresh_schema, require_postgres
from tests.slack_harness import RunningSlackBot, running_slack_bot

MakeStore = Callable[[], Store]
STORE_IMPLEMENTATIONS = ["memory", "tinydb", "postgres"]
"""Each name has a `<name>_stores` fixture."""


@pytest.fixture
def clock() -> ManualClock:
    """The app's clock, held at NOW (a working Monday morning in London) until a test moves it."""
    return ManualClock(NOW)


@pytest.fixture
def no_pacing(monkeypatch: pytest.MonkeyPatch) -> None:
    """For modules about what is said and when (`pytestmark = pytest.mark.usefixtures("no_pacing")`): the
    platforms' rate limits are lifted, since the pacer would wait in real time against a clock held still.
    tests/test_scheduler.py and tests/test_checkins_scale.py keep the pacing."""
    unpaced(monkeypatch)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[RunningBot]:
    """The whole app on TinyDB in a fresh folder, replying to a fresh fake connector; a module that needs another
    clock, connector or store defines its own `bot`."""
    async with running_bot(tmp_path / "data") as running:
        yield running


@pytest.fixture
async def slack(tmp_path: Path) -> AsyncIterator[RunningSlackBot]:
    """The whole app with Slack configured, on TinyDB in a fresh folder, talking to a fresh fake Slack Web API."""
    async with running_slack_bot(tmp_path / "data") as running:
        yield running


@pytest.fixture
def memory_stores() -> MakeStore:
    """Memory stores over one shared backing: a new one sees what the closed one wrote."""
    backing = MemoryBacking()
    return lambda: MemoryStore(backing)


@pytest.fixture
def tinydb_stores(tmp_path: Path) -> MakeStore:
    """TinyDB stores over one data folder."""
    return lambda: TinyDBStore(tmp_path / "data")


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """One PostgreSQL database for the run, created on first use and dropped at the end (see tests/postgres.py)."""
    require_postgres()
    with fresh_database() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_database: str) -> Iterator[str]:
    """A fresh, empty schema for this test, dropped afterwards."""
    with fresh_schema(postgres_database) as url:
        yield url


@pytest.fixture
def postgres_stores(postgres_url: str) -> MakeStore:
    """PostgreSQL stores over one fresh database."""
    return lambda: PostgresStore(postgres_url)


@pytest.fixture(params=STORE_IMPLEMENTATIONS)
def make_store(request: pytest.FixtureRequest) -> MakeStore:
    """A factory for stores over the same backing data, so tests can close and reopen."""
    factory: MakeStore = request.getfixturevalue(f"{request.param}_stores")
    return factory


@pytest.fixture
async def store(make_store: MakeStore) -> AsyncIterator[Store]:
    async with make_store() as opened:
        yield opened


FIXED_NONCE = "fixed-nonce-0001"


@pytest.fixture
def fixed_nonce(monkeypatch: pytest.MonkeyPatch) -> str:
    """Every button rendered in the test carries this nonce, so two renderings of one card compare equal."""
    monkeypatch.setattr(intents, "new_nonce", lambda: FIXED_NONCE)
    return FIXED_NONCE


@pytest.fixture(autouse=True)
def network_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetworkGuard]:
    """Every test: any connection or name lookup beyond 127.0.0.1 is refused, and fails the test."""
    guard = NetworkGuard()
    guard.install(monkeypatch)
    yield guard
    assert guard.attempts == [], f"a test tried to reach the network: {guard.attempts}"
