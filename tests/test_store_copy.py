"""The copy command moves a TinyDB data folder into PostgreSQL and back, and proves it by the counts."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

import adapters.store.copy as copy_command
from adapters.store.documents import Entry
from adapters.store.postgres.store import PostgresStore
from adapters.store.tinydb import TinyDBStore
from bot.errors import StoreError
from bot.models import ConversationRef, ScheduledJob, Team
from bot.store import Store
from tests.test_store_contract import (
    answer,
    assessment_key,
    at,
    every_kind_of_document,
    make_job,
    team_key,
    tenant_key,
)

REPO = Path(__file__).resolve().parent.parent
TTL = timedelta(hours=1)
HERE = team_key("g1", tenant_key("t1", "teams"))
THERE = team_key("C01", tenant_key("T9", "slack"))
EXPECTED = Counter(
    {"teams": 2, "assessments": 1, "responses": 2, "actions": 1, "conversations": 1, "conversation_refs": 1,
     "jobs": 2, "memberships": 2, "deliveries": 2}
)


async def _fill(store: Store) -> None:
    for doc in every_kind_of_document():
        await store.put(HERE, doc)
    await store.put(THERE, every_kind_of_document()[0])
    await store.record_answer(assessment_key("a-1", HERE), answer("5a", "u2", evidence="first"))
    await store.record_answer(assessment_key("a-1", HERE), answer("5a", "u2", evidence="second", seconds=5))
    await store.add_job(make_job("job-9").model_copy(update={"team": THERE}))
    await store.claim_job(THERE, "job-9", owner="w", now=at(3600), lease=TTL)
    await store.set_membership(HERE, "u1", "lead")
    await store.set_membership(THERE, "U1", "member")
    await store.claim_delivery(HERE.tenant, "Ev1", at(0), TTL)
    await store.claim_delivery(THERE.tenant, "Ev1", at(0), TTL)


async def _assert_holds_what_fill_wrote(store: Store) -> None:
    for doc in every_kind_of_document():
        assert await store.get(HERE, type(doc), doc.doc_id) == doc
    assert await store.get(THERE, Team, "g1") == every_kind_of_document()[0]
    revised = {r.section: r for r in await store.responses(assessment_key("a-1", HERE))}["5a"]
    assert (revised.evidence, [h.evidence for h in revised.history]) == ("second", ["first"])
    held = await store.get_job(THERE, "job-9")
    assert held is not None and held.status == "claimed" and held.lease_owner == "w"
    assert await store.due_jobs(at(7199)) == []
    assert [j.id for j in await store.due_jobs(at(7200))] == ["job-9"]
    assert await store.teams_of(HERE.tenant, "u1") == [(HERE, "lead")]
    assert await store.teams_of(THERE.tenant, "U1") == [(THERE, "member")]
    assert await store.claim_delivery(HERE.tenant, "Ev1", at(60), TTL) is False
    assert await store.claim_delivery(THERE.tenant, "Ev2", at(60), TTL) is True
    assert [r.conversation_id for r in await store.find(HERE, ConversationRef, active=True)] == ["conv-1"]
    assert await store.get(HERE, ScheduledJob, "job-1") == make_job()


async def test_a_data_folder_copied_into_postgresql_and_back_holds_the_same_data(
    tmp_path: Path, postgres_url: str
) -> None:
    async with TinyDBStore(tmp_path / "data") as original:
        await _fill(original)

    into_postgres = await copy_command.copy(f"tinydb:{tmp_path / 'data'}", postgres_url)
    back = await copy_command.copy(postgres_url, f"tinydb:{tmp_path / 'back'}")

    assert into_postgres == back == EXPECTED
    async with PostgresStore(postgres_url) as database:
        await _assert_holds_what_fill_wrote(database)
    async with TinyDBStore(tmp_path / "back") as folder:
        await _assert_holds_what_fill_wrote(folder)


async def test_copying_into_a_store_that_holds_data_is_refused(tmp_path: Path, postgres_url: str) -> None:
    async with TinyDBStore(tmp_path / "data") as source:
        await _fill(source)
    async with PostgresStore(postgres_url) as target:
        await target.set_membership(HERE, "someone", "member")

    with pytest.raises(StoreError, match="already holds data"):
        await copy_command.copy(f"tinydb:{tmp_path / 'data'}", postgres_url)

    async with PostgresStore(postgres_url) as target:
        assert await target.get(HERE, Team, "g1") is None


async def test_a_record_lost_on_the_way_fails_the_copy(
    tmp_path: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with TinyDBStore(tmp_path / "data") as source:
        await _fill(source)
    real_load = PostgresStore.load

    async def drop_one_job(self: PostgresStore, entries: AsyncIterator[Entry]) -> None:
        async def all_but_one() -> AsyncIterator[Entry]:
            async for entry in entries:
                if entry.doc_id != make_job().doc_id or entry.table != "jobs":
                    yield entry

        await real_load(self, all_but_one())

    monkeypatch.setattr(PostgresStore, "load", drop_one_job)

    with pytest.raises(StoreError, match="counts differ"):
        await copy_command.copy(f"tinydb:{tmp_path / 'data'}", postgres_url)


async def test_the_command_line_prints_the_counts_and_refuses_an_unknown_location(
    tmp_path: Path, postgres_url: str
) -> None:
    async with TinyDBStore(tmp_path / "data") as source:
        await _fill(source)

    done = _run_copy(f"tinydb:{tmp_path / 'data'}", postgres_url)
    refused = _run_copy("mysql://x", postgres_url)

    assert done.returncode == 0
    assert "jobs: 2" in done.stdout.splitlines()
    assert done.stdout.splitlines()[-1] == "Copied 14 records; the destination's counts match the source's."
    assert refused.returncode == 2
    assert refused.stderr.startswith("Copy failed: 'mysql://x' is neither")


def _run_copy(source: str, destination: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "adapters.store.copy", source, destination]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
