"""Crash safety of the TinyDB store, with real files: kills, torn records, failed writes and renames."""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

import adapters.store.folders as store_folders
import adapters.store.recovery as store_recovery
import adapters.store.tinydb as tinydb_store
from adapters.store.journal import list_segments
from adapters.store.tinydb import TinyDBStore
from bot.framework import Level
from bot.keys import AssessmentKey, TeamKey, TenantKey
from bot.models import Answer, Response, ScheduledJob
from bot.errors import StoreError
from tests.crash_writer import KEY as CRASH_KEY
from tests.crash_writer import LEASE, NOW, OWNER, TTL

REPO = Path(__file__).resolve().parent.parent
KEY = AssessmentKey(TeamKey(TenantKey("slack", "T1"), "g1"), "a-1")
AT = datetime(2026, 3, 1, tzinfo=UTC)


def _answer(author: str, rating: Level = Level.DEVELOPING) -> Answer:
    return Answer(section="2b", author_id=author, rating=rating, at=AT)


def _team_folder(root: Path) -> Path:
    (folder,) = {path.parent for path in root.rglob("journal-*.log")} | {path.parent for path in root.rglob("snapshot.json")}
    return folder


async def _write_answers(root: Path, count: int, **options: int) -> None:
    async with TinyDBStore(root, **options) as store:
        for n in range(count):
            await store.record_answer(KEY, _answer(f"u{n}"))


async def _authors(root: Path, key: AssessmentKey = KEY) -> set[str]:
    async with TinyDBStore(root) as store:
        return {response.author_id for response in await store.responses(key)}


def _kill_writer_after(root: Path, acks_wanted: int, segment_records: int, mode: str = "answers") -> set[int]:
    """Run the writer, SIGKILL it after `acks_wanted` acks, and return every write number it acknowledged."""
    acks = root / "acks.txt"
    command = [sys.executable, "-m", "tests.crash_writer", str(root / "data"), str(segment_records), mode]
    with open(acks, "w") as out:
        writer = subprocess.Popen(command, cwd=REPO, stdout=out)
    try:
        while acks.read_text().count("\n") < acks_wanted and writer.poll() is None:
            time.sleep(0.005)
    finally:
        writer.send_signal(signal.SIGKILL)
    assert writer.wait(timeout=30) == -signal.SIGKILL
    return {int(line.split()[1]) for line in acks.read_text().splitlines()}


@pytest.mark.slow
@pytest.mark.parametrize("trial", range(8))
async def test_sigkilled_writer_loses_no_acknowledged_answer(tmp_path: Path, trial: int) -> None:
    rng = random.Random(trial)
    acked = {f"u{n}" for n in _kill_writer_after(tmp_path, rng.randint(5, 600), rng.choice([7, 40, 2000]))}
    stored = await _authors(tmp_path / "data", CRASH_KEY)
    assert acked <= stored
    assert len(stored) - len(acked) <= 8, "at most one unacknowledged write per writer coroutine may survive"


@pytest.mark.slow
@pytest.mark.parametrize("trial", range(3))
async def test_sigkilled_writer_loses_no_acknowledged_job_claim_or_delivery_claim(tmp_path: Path, trial: int) -> None:
    rng = random.Random(100 + trial)
    acked = _kill_writer_after(tmp_path, rng.randint(5, 300), rng.choice([7, 2000]), mode="claims")
    team, tenant = CRASH_KEY.team, CRASH_KEY.team.tenant
    async with TinyDBStore(tmp_path / "data") as store:
        for n in acked:
            job = await store.get_job(team, f"job-{n}")
            assert job is not None and job.status == "claimed" and job.lease_owner == OWNER
            assert await store.claim_job(team, f"job-{n}", owner="restarted", now=NOW, lease=LEASE) is None
            assert await store.claim_delivery(tenant, f"event-{n}", NOW, TTL) is False


async def test_torn_last_record_is_dropped_and_cut_off(tmp_path: Path) -> None:
    await _write_answers(tmp_path, 5)
    segment = list_segments(_team_folder(tmp_path))[-1]
    intact = segment.read_bytes()
    with open(segment, "ab") as handle:
        handle.write(intact.splitlines(keepends=True)[-1][:25])

    assert await _authors(tmp_path) == {f"u{n}" for n in range(5)}
    assert segment.read_bytes() == intact

    async with TinyDBStore(tmp_path) as store:
        await store.record_answer(KEY, _answer("late"))
    assert await _authors(tmp_path) == {f"u{n}" for n in range(5)} | {"late"}


async def test_last_record_with_bad_checksum_is_dropped(tmp_path: Path) -> None:
    await _write_answers(tmp_path, 3)
    segment = list_segments(_team_folder(tmp_path))[-1]
    lines = segment.read_bytes().splitlines(keepends=True)
    lines[-1] = lines[-1].replace(b'"u2"', b'"u9"')
    segment.write_bytes(b"".join(lines))

    assert await _authors(tmp_path) == {"u0", "u1"}


async def test_damaged_record_before_the_tail_is_reported_not_skipped(tmp_path: Path) -> None:
    await _write_answers(tmp_path, 3)
    segment = list_segments(_team_folder(tmp_path))[-1]
    segment.write_bytes(segment.read_bytes().replace(b'"u1"', b'"uX"'))

    async with TinyDBStore(tmp_path) as store:
        with pytest.raises(StoreError, match=segment.name):
            await store.responses(KEY)


async def test_failed_journal_append_is_not_acknowledged_and_leaves_no_trace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_append: Callable[[Path, bytes], None] = tinydb_store.append_durable

    def half_written_then_disk_full(path: Path, data: bytes) -> None:
        with open(path, "ab") as handle:
            handle.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    async with TinyDBStore(tmp_path) as store:
        await store.record_answer(KEY, _answer("before"))
        monkeypatch.setattr(tinydb_store, "append_durable", half_written_then_disk_full)
        with pytest.raises(StoreError):
            await store.record_answer(KEY, _answer("lost"))
        monkeypatch.setattr(tinydb_store, "append_durable", real_append)
        assert {r.author_id for r in await store.responses(KEY)} == {"before"}
        await store.record_answer(KEY, _answer("after"))

    assert await _authors(tmp_path) == {"before", "after"}


async def test_crash_between_snapshot_write_and_rename_keeps_the_old_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _write_answers(tmp_path, 30, segment_records=10)
    folder = _team_folder(tmp_path)
    snapshot = folder / "snapshot.json"
    before = snapshot.read_bytes()
    closed = [path.name for path in list_segments(folder)[:-1]]

    def power_cut(_src: object, _dst: object) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(store_folders.os, "replace", power_cut)
    with pytest.raises(OSError):
        store_recovery.compact(str(folder), closed, {"platform": "slack", "tenant_id": "T1", "team_id": "g1"})
    monkeypatch.undo()

    assert snapshot.read_bytes() == before
    assert (folder / "snapshot.json.tmp").exists()
    assert await _authors(tmp_path) == {f"u{n}" for n in range(30)}
    assert not (folder / "snapshot.json.tmp").exists()


async def test_compaction_folds_segments_into_a_tinydb_file_without_losing_revisions(tmp_path: Path) -> None:
    async with TinyDBStore(tmp_path, segment_records=4) as store:
        for rating in (*Level, *Level):
            await store.record_answer(KEY, _answer("u0", rating))
        for n in range(1, 20):
            await store.record_answer(KEY, _answer(f"u{n}"))
    folder = _team_folder(tmp_path)
    snapshot = json.loads((folder / "snapshot.json").read_text())

    assert set(snapshot) == {"_meta", "responses"}
    assert snapshot["_meta"]["1"]["team_id"] == "g1"
    assert snapshot["_meta"]["1"]["seq"] >= 4
    folded = next(row["doc"] for row in snapshot["responses"].values() if row["key"] == "a-1/2b/u0")
    assert len(folded["history"]) >= 3
    assert "journal-000000000001.log" not in {path.name for path in list_segments(folder)}
    async with TinyDBStore(tmp_path) as store:
        first = await store.get(KEY.team, Response, "a-1/2b/u0")
        assert first is not None
        assert [rev.rating for rev in first.history] == [*Level, *Level][:-1]
        assert len(await store.responses(KEY)) == 20


async def test_a_second_store_on_the_same_folder_is_refused(tmp_path: Path) -> None:
    async with TinyDBStore(tmp_path):
        with pytest.raises(StoreError, match="in use by another Reflect process"):
            await TinyDBStore(tmp_path).open()


async def test_team_folders_do_not_reveal_ids_and_stay_separate(tmp_path: Path) -> None:
    other = AssessmentKey(TeamKey(TenantKey("slack", "T2"), "g1"), "a-1")
    async with TinyDBStore(tmp_path) as store:
        await store.record_answer(KEY, _answer("alice"))
        await store.record_answer(other, _answer("bob"))
    folders = {path.parent for path in tmp_path.rglob("journal-*.log")}

    assert len(folders) == 2
    assert not any(name in str(folder) for folder in folders for name in ("T1", "T2", "g1"))
    assert all(os.stat(folder).st_mode & 0o077 == 0 for folder in folders)


async def test_due_jobs_memberships_and_delivery_claims_never_open_a_team_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with TinyDBStore(tmp_path) as store:
        await store.record_answer(KEY, _answer("alice"))
        await store.add_job(ScheduledJob(id="job-1", team=KEY.team, kind="digest", due_at=AT))
        await store.set_membership(KEY.team, "alice", "lead")
    real_load = tinydb_store.read_image
    loaded: list[object] = []

    def recording_load(directory: str, key: object) -> object:
        loaded.append(key)
        return real_load(directory, key)

    monkeypatch.setattr(tinydb_store, "read_image", recording_load)
    async with TinyDBStore(tmp_path) as store:
        assert [job.id for job in await store.due_jobs(AT)] == ["job-1"]
        assert await store.teams_of(KEY.team.tenant, "alice") == [(KEY.team, "lead")]
        assert await store.claim_delivery(KEY.team.tenant, "Ev1", AT, TTL) is True

    assert loaded == [None, KEY.team.tenant]
    assert {path.name for path in tmp_path.rglob("*") if path.is_dir()} >= {"global", "tenant"}
    names = [str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*")]
    assert not any(secret in name for name in names for secret in ("T1", "g1", "alice", "Ev1"))
