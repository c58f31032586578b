"""Bounded memory in the TinyDB store: idle teams are evicted, come back intact, and no write is lost on the way."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import adapters.store.folders as store_folders
import adapters.store.tinydb as tinydb_store
from adapters.store.documents import Entry
from adapters.store.tinydb import TinyDBStore
from adapters.store.workers import WORKER_NICENESS, WorkerProcess
from bot.framework import Level
from bot.keys import AssessmentKey, TeamKey, TenantKey
from bot.models import Action, Answer, Response

TENANT = TenantKey("teams", "T1")
AT = datetime(2026, 3, 2, tzinfo=UTC)


def key(n: int) -> AssessmentKey:
    return AssessmentKey(TeamKey(TENANT, f"team-{n}"), f"a-{n}")


def answer(author: str, section: str = "2b", rating: Level = Level.DEVELOPING) -> Answer:
    return Answer(section=section, author_id=author, rating=rating, evidence=f"said by {author}", at=AT)


def action(n: int, owner: str) -> Action:
    return Action(
        id=f"act-{n}", assessment_id="a-1", section="2b", title=f"step {n}", owner_id=owner,
        due=date(2026, 3, 20), created_at=AT, updated_at=AT,
    )


def resident_teams(store: TinyDBStore) -> list[object]:
    return [k for k, part in store._partitions.items() if k is not None and part.loaded is not None]


def recording_loads(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every partition the store reads back from disk (small folders are read in a thread, so this sees them)."""
    loads: list[object] = []
    real = tinydb_store.read_image

    def recording(directory: str, partition: object) -> object:
        loads.append(partition)
        return real(directory, partition)

    monkeypatch.setattr(tinydb_store, "read_image", recording)
    return loads


async def test_an_evicted_team_comes_back_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with TinyDBStore(tmp_path, max_teams=1) as store:
        for n in range(3):
            for author in ("ann", "bob"):
                await store.record_answer(key(n), answer(author))
            await store.record_answer(key(n), answer("ann", rating=Level.THRIVING))
        assert store.resident()[0] == 1
        loads = recording_loads(monkeypatch)

        first = await store.get(key(0).team, Response, "a-0/2b/ann")

        assert loads == [key(0).team]
        assert store.resident()[0] == 1
        assert first is not None and first.rating == Level.THRIVING
        assert [revision.rating for revision in first.history] == [Level.DEVELOPING]
        assert {r.author_id for r in await store.responses(key(0))} == {"ann", "bob"}


async def test_a_write_racing_an_eviction_is_not_lost(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    real_append = tinydb_store.append_durable

    def slow_for_team_0(path: Path, data: bytes) -> None:
        if b'"a-0/' in data:
            release.wait(timeout=30)
        real_append(path, data)

    async with TinyDBStore(tmp_path, max_teams=1) as store:
        await store.record_answer(key(0), answer("ann"))
        monkeypatch.setattr(tinydb_store, "append_durable", slow_for_team_0)
        racing = asyncio.create_task(store.record_answer(key(0), answer("ann", rating=Level.THRIVING)))
        await asyncio.sleep(0.05)
        for n in range(1, 4):
            await store.record_answer(key(n), answer("bob"))

        assert not racing.done()
        assert resident_teams(store) == [key(0).team], "team 0 has an unflushed write: it stays, the others go"
        release.set()
        await racing
        await store.record_answer(key(4), answer("bob"))
        await asyncio.sleep(0.05)
        assert resident_teams(store) == [key(4).team]

        assert (await store.get(key(0).team, Response, "a-0/2b/ann")).rating == Level.THRIVING  # type: ignore[union-attr]
    async with TinyDBStore(tmp_path) as store:
        again = await store.get(key(0).team, Response, "a-0/2b/ann")
        assert again is not None and again.rating == Level.THRIVING and len(again.history) == 1


async def test_the_byte_cap_keeps_only_what_fits(tmp_path: Path) -> None:
    async with TinyDBStore(tmp_path, max_bytes=20_000) as store:
        for n in range(10):
            for author in range(20):
                await store.record_answer(key(n), answer(f"u{author}"))
        teams, held = store.resident()

        assert held <= 20_000
        assert 1 <= teams < 10
        assert [len(await store.responses(key(n))) for n in range(10)] == [20] * 10


async def test_a_snapshot_is_parsed_once_per_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with TinyDBStore(tmp_path, segment_records=5) as store:
        for n in range(12):
            await store.record_answer(key(0), answer(f"u{n}"))
        await store.put(key(0).team, action(1, "ann"))
    reads: list[Path] = []
    real_read = store_folders.AtomicJSONStorage.read

    def counting(storage: store_folders.AtomicJSONStorage) -> object:
        reads.append(storage._path)
        return real_read(storage)

    monkeypatch.setattr(store_folders.AtomicJSONStorage, "read", counting)
    async with TinyDBStore(tmp_path) as store:
        assert len(await store.responses(key(0))) == 12
        assert len(await store.find(key(0).team, Action, owner_id="ann")) == 1

    assert len(reads) == 1


async def test_a_big_team_is_read_in_the_worker_process_and_comes_back_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = key(0).team
    async with TinyDBStore(tmp_path, segment_records=500) as store:
        responses = [
            Response.first("a-0", answer(f"u{n}", section=f"{1 + n % 7}a")) for n in range(2500)
        ]
        await store.load(_entries(team, responses))
    loads = recording_loads(monkeypatch)

    async with TinyDBStore(tmp_path, worker_load_bytes=0) as store:
        found = await store.find(team, Response, assessment_id="a-0", author_id="u1234")
        everyone = await store.responses(key(0))

    assert loads == [], "nothing was parsed in the bot's own process"
    assert [r.doc_id for r in found] == ["a-0/3a/u1234"]
    assert [r.doc_id for r in everyone] == [r.doc_id for r in responses]


async def test_the_teams_last_in_use_are_warmed_at_start_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with TinyDBStore(tmp_path) as store:
        for n in range(4):
            await store.record_answer(key(n), answer("ann"))
        await store.get(key(1).team, Response, "a-1/2b/ann")
    loads = recording_loads(monkeypatch)

    async with TinyDBStore(tmp_path, warm_teams=2) as store:
        assert store._warming is not None
        await store._warming
        assert loads == [key(1).team, key(3).team]
        assert (await store.get(key(1).team, Response, "a-1/2b/ann")) is not None
        assert len(loads) == 2


async def _entries(team: TeamKey, responses: list[Response]):  # type: ignore[no-untyped-def]
    for response in responses:
        yield Entry(team, Response.table, response.doc_id, response.model_dump(mode="json"))


async def test_a_read_of_an_unknown_team_is_not_remembered_for_warming(tmp_path: Path) -> None:
    async with TinyDBStore(tmp_path) as store:
        await store.record_answer(key(0), answer("ann"))
        assert await store.get(key(1).team, Response, "a-1/2b/ann") is None

    assert "team-1" not in (tmp_path / "recent.json").read_text()
    assert "team-0" in (tmp_path / "recent.json").read_text()


async def test_a_big_find_lets_other_work_run_between_its_parts(tmp_path: Path) -> None:
    team = key(0).team
    responses = [Response.first("a-0", answer(f"u{n}")) for n in range(1200)]
    async with TinyDBStore(tmp_path) as store:
        await store.load(_entries(team, responses))
        await store.responses(key(0))
        finding = asyncio.ensure_future(store.responses(key(0)))
        steps_meanwhile = 0
        while not finding.done():
            steps_meanwhile += 1
            await asyncio.sleep(0)

        assert len(finding.result()) == 1200
        assert steps_meanwhile >= 3, "1,200 documents are decoded in three parts, with the loop free between them"


async def test_the_worker_process_runs_below_the_bots_priority() -> None:
    worker = WorkerProcess()
    try:
        niceness = await worker.run(os.getpriority, os.PRIO_PROCESS, 0)
    finally:
        await asyncio.to_thread(worker.shutdown)

    assert niceness >= WORKER_NICENESS > os.getpriority(os.PRIO_PROCESS, 0)


async def test_a_worker_process_that_died_is_replaced() -> None:
    worker = WorkerProcess()
    try:
        first = await worker.run(os.getpid)
        os.kill(first, signal.SIGKILL)
        second = await worker.run(os.getpid)
    finally:
        await asyncio.to_thread(worker.shutdown)

    assert second != first


async def test_the_warming_list_never_names_a_dropped_team_and_is_gone_while_the_store_is_open(tmp_path: Path) -> None:
    async with TinyDBStore(tmp_path) as store:
        await store.record_answer(key(0), answer("ann"))
        await store.record_answer(key(1), answer("bob"))
    async with TinyDBStore(tmp_path) as store:
        assert not (tmp_path / "recent.json").exists()
        await store.drop_team(key(1).team)
        await store.get(key(0).team, Response, "a-0/2b/ann")

    listed = (tmp_path / "recent.json").read_text()
    assert "team-0" in listed and "team-1" not in listed
