"""Shared fixtures. Every Store implementation is listed once here and runs the same contract suite."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from adapters.store.tinydb import TinyDBStore
from bot.store import Store
from tests.fakes import NetworkGuard

STORE_IMPLEMENTATIONS: dict[str, Callable[[Path], Store]] = {
    "tinydb": lambda root: TinyDBStore(root),
}


@pytest.fixture(params=sorted(STORE_IMPLEMENTATIONS))
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Store]:
    """A factory for stores over the same backing data, so tests can close and reopen."""
    factory = STORE_IMPLEMENTATIONS[request.param]
    return lambda: factory(tmp_path / "data")


@pytest.fixture
async def store(make_store: Callable[[], Store]) -> AsyncIterator[Store]:
    async with make_store() as opened:
        yield opened


@pytest.fixture(autouse=True)
def network_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetworkGuard]:
    """Every test: any connection or name lookup beyond 127.0.0.1 is refused, and fails the test."""
    guard = NetworkGuard()
    guard.install(monkeypatch)
    yield guard
    assert guard.attempts == [], f"a test tried to reach the network: {guard.attempts}"
