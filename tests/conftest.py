"""Shared fixtures. Every Store implementation is listed once here and runs the same contract suite."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from adapters.store.memory import MemoryBacking, MemoryStore
from adapters.store.tinydb import TinyDBStore
from bot.store import Store
from tests.fakes import NetworkGuard

MakeStore = Callable[[], Store]
STORE_IMPLEMENTATIONS = ["memory", "tinydb"]
"""Each name has a `<name>_stores` fixture; a PostgreSQL store joins by adding one over a test database."""


@pytest.fixture
def memory_stores() -> MakeStore:
    """Memory stores over one shared backing: a new one sees what the closed one wrote."""
    backing = MemoryBacking()
    return lambda: MemoryStore(backing)


@pytest.fixture
def tinydb_stores(tmp_path: Path) -> MakeStore:
    """TinyDB stores over one data folder."""
    return lambda: TinyDBStore(tmp_path / "data")


@pytest.fixture(params=STORE_IMPLEMENTATIONS)
def make_store(request: pytest.FixtureRequest) -> MakeStore:
    """A factory for stores over the same backing data, so tests can close and reopen."""
    factory: MakeStore = request.getfixturevalue(f"{request.param}_stores")
    return factory


@pytest.fixture
async def store(make_store: MakeStore) -> AsyncIterator[Store]:
    async with make_store() as opened:
        yield opened


@pytest.fixture(autouse=True)
def network_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetworkGuard]:
    """Every test: any connection or name lookup beyond 127.0.0.1 is refused, and fails the test."""
    guard = NetworkGuard()
    guard.install(monkeypatch)
    yield guard
    assert guard.attempts == [], f"a test tried to reach the network: {guard.attempts}"
