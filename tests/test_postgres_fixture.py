"""The PostgreSQL tests' own guard: skipped with a reason locally when no server answers, failed under CI."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import postgres

NOBODY = "postgresql://postgres@127.0.0.1:9/postgres"


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("REFLECT_TEST_DATABASE_URL", NOBODY)
    postgres._unreachable_reason.cache_clear()
    yield
    postgres._unreachable_reason.cache_clear()


def test_without_a_server_the_postgresql_tests_are_skipped_saying_why(
    no_server: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)

    with pytest.raises(pytest.skip.Exception, match="no PostgreSQL at REFLECT_TEST_DATABASE_URL"):
        postgres.require_postgres()


def test_without_a_server_under_ci_the_postgresql_tests_fail(no_server: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")

    with pytest.raises(pytest.fail.Exception, match="CI must run the PostgreSQL tests"):
        postgres.require_postgres()
