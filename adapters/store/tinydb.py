"""The default Store: one folder per team, a write-ahead journal, and a TinyDB snapshot.

Records outside any team get folders of their own, kept the same way: each tenant has a
`tenant` folder beside its teams' (memberships, inbound deliveries), and the data root has
one `global` folder holding the job table, so finding due jobs never opens a team's files.

Why this shape: plain TinyDB rewrites its whole file on every write, which costs tens
of milliseconds at a few thousand documents and blocks the event loop. Here a write
appends one fsync'd, checksummed line to the team's journal (off the loop, grouped
with any writes queued behind it), so its cost does not grow with the team or the
organisation. When a journal segment fills up, a worker process folds it into the
team's TinyDB file with temp file + fsync + os.replace, then deletes the segment.
A crash at any point leaves each team's data as it was just before or just after
the interrupted write. TinyDB is single-process: an exclusive lock on the data
folder refuses a second process.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import json
import logging
import multiprocessing
import os
import shutil
import threading
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from tinydb import TinyDB
from tinydb.storages import MemoryStorage, Storage

from adapters.store.journal import (
    JournalCorrupt,
    Record,
    append_durable,
    encode,
    fsync_dir,
    list_segments,
    make_dirs_durable,
    read_segment,
    segment_name,
)
from adapters.store.documents import Entry, PartitionKey, from_raw, matcher, same_document, same_kind, to_raw
from adapters.store.ready_jobs import first_ready
from bot.errors import StoreError
from bot.keys import TeamKey, TenantKey
from bot.models import Document, ScheduledJob
from bot.store import RecordScope, Store

D = TypeVar("D", bound=Document)
State = dict[str, dict[str, dict[str, Any]]]
SNAPSHOT = "snapshot.json"
TENANT_FOLDER = "tenant"
GLOBAL_FOLDER = "global"
META_TABLE = "_meta"
DEFAULT_SEGMENT_RECORDS = 2000
LOAD_BATCH = 500
log = logging.getLogger(__name__)


class AtomicJSONStorage(Storage):
    """TinyDB storage whose writes are all-or-nothing: temp file, fsync, os.replace, fsync the folder."""

    def __init__(self, path: str | Path) -> None:
        self._path = Path(path)

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            text = self._path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        return json.loads(text) if text else None

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        temp = self._path.with_name(self._path.name + ".tmp")
        with open(temp, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, separators=(",", ":"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, self._path)
        fsync_dir(self._path.parent)

    def close(self) -> None:
        """Nothing is held open between calls."""


@dataclass
class _Loaded:
    """What recovery found on disk for one team."""

    state: State
    seq: int
    segment: Path | None
    segment_records: int
    closed: list[str]


def _meta(key: PartitionKey) -> dict[str, str]:
    """What a folder's snapshot records about whose data it holds, checked on every load."""
    if key is None:
        return {"partition": GLOBAL_FOLDER}
    if isinstance(key, TenantKey):
        return {"platform": key.platform, "tenant_id": key.tenant_id, "partition": TENANT_FOLDER}
    return {"platform": key.tenant.platform, "tenant_id": key.tenant.tenant_id, "team_id": key.team_id}


def _key_of(meta: dict[str, Any]) -> PartitionKey:
    """The partition a snapshot's meta names: `_meta` read backwards."""
    if meta.get("partition") == GLOBAL_FOLDER:
        return None
    tenant = TenantKey(platform=meta["platform"], tenant_id=meta["tenant_id"])
    return tenant if meta.get("partition") == TENANT_FOLDER else TeamKey(tenant=tenant, team_id=meta["team_id"])


def _partition_keys(root: Path) -> list[PartitionKey]:
    """Every partition with a folder under `root`, named by its snapshot (folder names are hashes)."""
    keys: list[PartitionKey] = []
    for folder in sorted({*root.glob(GLOBAL_FOLDER), *root.glob("*/*/*")}):
        if not folder.is_dir():
            continue
        _, _, meta = _read_snapshot(folder)
        if meta is None:
            if list_segments(folder):
                raise StoreError(f"{folder} has no snapshot naming whose data it holds; it cannot be copied")
            continue
        keys.append(_key_of(meta))
    return keys


def _partition_keys_in(tenant_folder: Path) -> list[PartitionKey]:
    """The partitions with a named folder inside one tenant's folder."""
    keys: list[PartitionKey] = []
    for folder in sorted(tenant_folder.glob("*")):
        if folder.is_dir() and (folder / SNAPSHOT).exists():
            _, _, meta = _read_snapshot(folder)
            if meta is not None:
                keys.append(_key_of(meta))
    return keys


def _remove_folder(folder: Path) -> None:
    """Remove a partition's or tenant's folder and make the removal durable."""
    if folder.exists():
        shutil.rmtree(folder)
        fsync_dir(folder.parent)


def _directory(root: Path, key: PartitionKey) -> Path:
    """Hashed names for tenant and team; `tenant` and `global` cannot clash with a 32-hex-digit hash."""
    if key is None:
        return root / GLOBAL_FOLDER
    if isinstance(key, TenantKey):
        return root / key.platform / _hashed(key.tenant_id) / TENANT_FOLDER
    return root / key.tenant.platform / _hashed(key.tenant.tenant_id) / _hashed(key.team_id)


def _apply(state: State, record: Record) -> None:
    table = state.setdefault(record.table, {})
    if record.doc is None:
        table.pop(record.doc_id, None)
    else:
        table[record.doc_id] = record.doc


def _read_snapshot(directory: Path) -> tuple[State, int, dict[str, Any] | None]:
    with TinyDB(directory / SNAPSHOT, storage=AtomicJSONStorage) as db:
        meta = db.table(META_TABLE).get(doc_id=1)
        state = {
            name: {row["key"]: row["doc"] for row in db.table(name).all()}
            for name in db.tables()
            if name != META_TABLE
        }
    return state, int(meta["seq"]) if meta else 0, dict(meta) if meta else None


def _write_snapshot(directory: Path, state: State, seq: int, meta: dict[str, str]) -> None:
    """Build the database with TinyDB in memory, then persist it in one atomic write."""
    db = TinyDB(storage=MemoryStorage)
    db.table(META_TABLE).insert({**meta, "seq": seq})
    for name, docs in state.items():
        db.table(name).insert_multiple({"key": key, "doc": doc} for key, doc in docs.items())
    AtomicJSONStorage(directory / SNAPSHOT).write(db.storage.read() or {})


@contextmanager
def _team_folder_lock(directory: Path) -> Iterator[None]:
    """Serialise recovery and compaction, even with a compaction worker orphaned by a crash."""
    fd = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _load(directory: Path, key: PartitionKey) -> _Loaded:
    """A partition never written to has no folder, and reading it creates none: a refused request leaves no trace."""
    if not directory.exists():
        return _Loaded(state={}, seq=0, segment=None, segment_records=0, closed=[])
    with _team_folder_lock(directory):
        _name_folder(directory, key)
        return _recover(directory, key)


def _prepare_folder(directory: Path, key: PartitionKey) -> None:
    """Before a journal segment is started: the folder exists durably and names its partition."""
    make_dirs_durable(directory)
    _name_folder(directory, key)


def _name_folder(directory: Path, key: PartitionKey) -> None:
    """Give a folder without a snapshot an empty one (sequence 0, so every journal record still replays).

    Folder names are hashes; the snapshot's meta is what tells the copy command whose data a folder holds.
    """
    if not (directory / SNAPSHOT).exists():
        _write_snapshot(directory, {}, 0, _meta(key))


def _recover(directory: Path, key: PartitionKey) -> _Loaded:
    """Snapshot plus every journal record after it; repairs a torn tail and clears compaction leftovers."""
    (directory / (SNAPSHOT + ".tmp")).unlink(missing_ok=True)
    state, seq, meta = _read_snapshot(directory)
    if meta is not None and {k: meta.get(k) for k in _meta(key)} != _meta(key):
        raise StoreError(f"{directory} holds another partition's data")
    segments = list_segments(directory)
    loaded = _Loaded(state=state, seq=seq, segment=None, segment_records=0, closed=[])
    for index, path in enumerate(segments):
        newest = index == len(segments) - 1
        try:
            records = read_segment(path, repair_tail=newest)
        except JournalCorrupt as exc:
            raise StoreError(str(exc)) from exc
        if not newest and records and records[-1].seq <= loaded.seq:
            path.unlink()
            continue
        for record in records:
            if record.seq <= loaded.seq:
                continue
            if record.seq != loaded.seq + 1:
                raise StoreError(f"{path}: journal jumps from record {loaded.seq} to {record.seq}")
            _apply(loaded.state, record)
            loaded.seq = record.seq
        if newest:
            loaded.segment, loaded.segment_records = path, len(records)
        else:
            loaded.closed.append(path.name)
    return loaded


def compact(directory: str, closed: list[str], meta: dict[str, str]) -> None:
    """Fold closed journal segments into the snapshot, then delete them (runs in a worker process)."""
    folder = Path(directory)
    with _team_folder_lock(folder):
        _fold(folder, closed, meta)


def _fold(folder: Path, closed: list[str], meta: dict[str, str]) -> None:
    state, seq, _ = _read_snapshot(folder)
    for name in closed:
        if not (folder / name).exists():
            continue
        for record in read_segment(folder / name, repair_tail=False):
            if record.seq > seq:
                _apply(state, record)
                seq = record.seq
    _write_snapshot(folder, state, seq, meta)
    for name in closed:
        (folder / name).unlink(missing_ok=True)
    fsync_dir(folder)


@dataclass
class _Pending:
    seq: int
    line: bytes
    done: asyncio.Future[None]


@dataclass
class _Partition:
    """One folder and its in-memory state; writes are group-committed in sequence order."""

    key: PartitionKey
    directory: Path
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    loaded: _Loaded | None = None
    queue: list[_Pending] = field(default_factory=list)
    last_write: asyncio.Future[None] | None = None
    flusher: asyncio.Task[None] | None = None
    compaction: asyncio.Task[None] | None = None


class TinyDBStore(Store):
    """Store over a data folder; see the module docstring for the layout and guarantees."""

    def __init__(self, root: Path, *, segment_records: int = DEFAULT_SEGMENT_RECORDS) -> None:
        super().__init__()
        self._root = Path(root)
        self._segment_records = segment_records
        self._partitions: dict[PartitionKey, _Partition] = {}
        self._lock_fd: int | None = None
        self._compactor: ProcessPoolExecutor | None = None
        self._compactor_lock = threading.Lock()

    async def open(self) -> None:
        make_dirs_durable(self._root)
        fd = os.open(self._root / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StoreError(
                f"the data folder {self._root} is in use by another Reflect process (TinyDB allows only one)"
            ) from None
        self._lock_fd = fd

    async def close(self) -> None:
        for part in self._partitions.values():
            if part.flusher is not None:
                await asyncio.gather(part.flusher, return_exceptions=True)
            if part.compaction is not None:
                await asyncio.gather(part.compaction, return_exceptions=True)
        if self._compactor is not None:
            self._compactor.shutdown(wait=True)
            self._compactor = None
        self._partitions.clear()
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    async def get(self, team: TeamKey, kind: type[D], doc_id: str) -> D | None:
        return await self._get_in(team, kind, doc_id)

    async def find(self, team: TeamKey, kind: type[D], **where: object) -> list[D]:
        return await self._find_in(team, kind, where)

    async def update(self, team: TeamKey, kind: type[D], doc_id: str, change: Callable[[D | None], D]) -> D:
        _, new = await self._change_in(team, kind, doc_id, same_document(kind, doc_id, change))
        assert new is not None
        return new

    async def delete(self, team: TeamKey, kind: type[Document], doc_id: str) -> bool:
        before, _ = await self._change_in(team, kind, doc_id, lambda _current: None)
        return before is not None

    async def drop_team(self, team: TeamKey) -> int:
        return await self._drop([team], _directory(self._root, team))

    async def drop_tenant(self, tenant: TenantKey) -> int:
        folder = self._root / tenant.platform / _hashed(tenant.tenant_id)
        on_disk = await asyncio.to_thread(_partition_keys_in, folder)
        cached = [key for key in self._partitions if key == tenant or (isinstance(key, TeamKey) and key.tenant == tenant)]
        return await self._drop(list(dict.fromkeys([*on_disk, *cached])), folder)

    async def _drop(self, keys: list[PartitionKey], folder: Path) -> int:
        """Let each partition's writes and compaction finish, count and forget it, then remove its folder durably."""
        count = 0
        for key in keys:
            part = await self._loaded(key)
            await asyncio.gather(*(t for t in (part.flusher, part.compaction) if t is not None), return_exceptions=True)
            assert part.loaded is not None
            count += sum(len(docs) for docs in part.loaded.state.values())
            self._partitions.pop(key, None)
        await asyncio.to_thread(_remove_folder, folder)
        return count

    async def _get_record(self, scope: RecordScope, kind: type[D], record_id: str) -> D | None:
        return await self._get_in(scope, kind, record_id)

    async def _change_record(
        self, scope: RecordScope, kind: type[D], record_id: str, change: Callable[[D | None], D | None]
    ) -> tuple[D | None, D | None]:
        return await self._change_in(scope, kind, record_id, same_kind(kind, change))

    async def _find_records(self, scope: RecordScope, kind: type[D], **where: object) -> list[D]:
        return await self._find_in(scope, kind, where)

    async def due_jobs(self, before: datetime, *, limit: int = 100) -> list[ScheduledJob]:
        """As `Store.due_jobs`, loading only the jobs it returns (adapters/store/ready_jobs.py)."""
        return await first_ready(await self._settled_table(None, ScheduledJob), before, limit)

    async def dump(self) -> AsyncIterator[Entry]:
        """Every stored document and record, partition by partition (for the copy command)."""
        if self._lock_fd is None:
            raise StoreError("the store is not open")
        for key in await asyncio.to_thread(_partition_keys, self._root):
            part = await self._loaded(key)
            await self._settled(part)
            assert part.loaded is not None
            for table, docs in part.loaded.state.items():
                for doc_id, doc in docs.items():
                    yield Entry(key, table, doc_id, doc)

    async def load(self, entries: AsyncIterable[Entry]) -> None:
        """Write entries as they are (for the copy command), a batch at a time so their journal writes group."""
        batch: list[Entry] = []
        async for entry in entries:
            batch.append(entry)
            if len(batch) >= LOAD_BATCH:
                await asyncio.gather(*(self._put_entry(e) for e in batch))
                batch = []
        await asyncio.gather(*(self._put_entry(e) for e in batch))

    async def _put_entry(self, entry: Entry) -> None:
        part = await self._loaded(entry.partition)
        assert part.loaded is not None
        await self._write(part, Record(part.loaded.seq + 1, entry.table, entry.doc_id, entry.doc))

    async def _get_in(self, key: PartitionKey, kind: type[D], doc_id: str) -> D | None:
        table = await self._settled_table(key, kind)
        return from_raw(kind, table.get(doc_id))

    async def _find_in(self, key: PartitionKey, kind: type[D], where: dict[str, object]) -> list[D]:
        matches = matcher(kind, where)
        table = await self._settled_table(key, kind)
        return [kind.model_validate(raw) for raw in table.values() if matches(raw)]

    async def _change_in(
        self, key: PartitionKey, kind: type[D], doc_id: str, change: Callable[[D | None], D | None]
    ) -> tuple[D | None, D | None]:
        """Run `change` on the current state and journal its result; an unchanged result writes nothing."""
        part = await self._loaded(key)
        assert part.loaded is not None
        current = from_raw(kind, part.loaded.state.get(kind.table, {}).get(doc_id))
        new = change(current)
        if new == current:
            await self._settled(part)
        else:
            await self._write(part, Record(part.loaded.seq + 1, kind.table, doc_id, to_raw(new)))
        return current, new

    async def _write(self, part: _Partition, record: Record) -> None:
        """Apply a record in memory at once, then return when the group commit holding it is durable."""
        loaded = part.loaded
        assert loaded is not None
        loaded.seq = record.seq
        _apply(loaded.state, record)
        pending = _Pending(record.seq, encode(record), _new_future())
        part.queue.append(pending)
        part.last_write = pending.done
        if part.flusher is None or part.flusher.done():
            part.flusher = asyncio.create_task(self._flush(part))
        await asyncio.shield(pending.done)

    def _partition(self, key: PartitionKey) -> _Partition:
        part = self._partitions.get(key)
        if part is None:
            if self._lock_fd is None:
                raise StoreError("the store is not open")
            part = self._partitions[key] = _Partition(key=key, directory=_directory(self._root, key))
        return part

    async def _loaded(self, key: PartitionKey) -> _Partition:
        part = self._partition(key)
        if part.loaded is None:
            async with part.lock:
                if part.loaded is None:
                    if part.compaction is not None:
                        await asyncio.gather(part.compaction, return_exceptions=True)
                    part.loaded = await asyncio.to_thread(_load, part.directory, key)
        return part

    async def _settled(self, part: _Partition) -> None:
        """Wait until every write this partition has accepted is durable, so reads never show unsaved data."""
        if part.last_write is not None and not part.last_write.done():
            await asyncio.gather(asyncio.shield(part.last_write), return_exceptions=True)

    async def _settled_table(self, key: PartitionKey, kind: type[Document]) -> dict[str, dict[str, Any]]:
        part = await self._loaded(key)
        await self._settled(part)
        if part.loaded is None:
            part = await self._loaded(key)
        assert part.loaded is not None
        return part.loaded.state.get(kind.table, {})

    async def _flush(self, part: _Partition) -> None:
        """Group commit: write everything queued in one append + fsync, in sequence order."""
        while part.queue:
            batch, part.queue = part.queue, []
            loaded = part.loaded
            assert loaded is not None
            if loaded.segment is None or loaded.segment_records >= self._segment_records:
                if loaded.segment is not None:
                    loaded.closed.append(loaded.segment.name)
                loaded.segment, loaded.segment_records = part.directory / segment_name(batch[0].seq), 0
            try:
                if loaded.segment_records == 0:
                    await asyncio.to_thread(_prepare_folder, part.directory, part.key)
                await asyncio.to_thread(append_durable, loaded.segment, b"".join(p.line for p in batch))
            except OSError as exc:
                self._fail(part, batch, exc)
                return
            loaded.segment_records += len(batch)
            for pending in batch:
                pending.done.set_result(None)
            self._maybe_compact(part)

    def _fail(self, part: _Partition, batch: list[_Pending], exc: OSError) -> None:
        """Refuse the batch and everything queued behind it, and reload from disk on next use."""
        log.error("journal write failed for a store partition: %s", exc.strerror or type(exc).__name__)
        error = StoreError("your answer could not be saved; please try again")
        for pending in (*batch, *part.queue):
            pending.done.set_exception(error)
            pending.done.exception()
        part.queue = []
        part.loaded = None

    def _maybe_compact(self, part: _Partition) -> None:
        loaded = part.loaded
        if loaded is None or not loaded.closed or (part.compaction is not None and not part.compaction.done()):
            return
        part.compaction = asyncio.create_task(self._compact(part, loaded, list(loaded.closed)))

    async def _compact(self, part: _Partition, loaded: _Loaded, closed: list[str]) -> None:
        """Fold closed segments in the worker process; failures leave them for the next try."""
        try:
            job = await asyncio.to_thread(self._submit_compaction, str(part.directory), closed, _meta(part.key))
            await asyncio.wrap_future(job)
        except Exception as exc:
            log.warning("journal compaction failed (%s); it will be retried at the next segment", type(exc).__name__)
            return
        loaded.closed = [name for name in loaded.closed if name not in closed]

    def _submit_compaction(self, directory: str, closed: list[str], meta: dict[str, str]) -> Future[None]:
        """Runs in a thread: the first submit spawns the worker process, which must not stall the loop."""
        with self._compactor_lock:
            if self._compactor is None:
                self._compactor = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_exit_with_parent,
                    initargs=(os.getpid(),),
                )
            return self._compactor.submit(compact, directory, closed, meta)


def _exit_with_parent(parent_pid: int) -> None:
    """A compaction worker must not outlive a killed bot; its half-done snapshot is a harmless temp file."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def _hashed(value: str) -> str:
    """Folder names reveal nothing about tenants, teams or people; the snapshot records the real keys."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]


def _new_future() -> asyncio.Future[None]:
    return asyncio.get_running_loop().create_future()
