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

Memory stays bounded: teams are held as compact JSON with indexes (adapters/store/tables.py),
and beyond `max_teams` loaded partitions or `max_bytes` held, the least recently used idle
ones are evicted. Idle means nothing in use and nothing unflushed: every write a partition
accepted is durable in its journal before it can go. A big team is read back in a worker
process (adapters/store/recovery.py), so its return stalls no one.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import os
import pickle
from collections import OrderedDict
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from adapters.store.documents import Entry, PartitionKey, Raw, same_document, same_kind, to_raw, wanted_fields
from adapters.store.folders import (
    directory_of,
    hashed,
    meta_of,
    partition_keys,
    partition_keys_in,
    prepare_folder,
    remove_folder,
)
from adapters.store.journal import append_durable, encode_packed, list_segments, make_dirs_durable, segment_name
from adapters.store.ready_jobs import READY_AT_FIELD, first_ready
from adapters.store.recent import take_recent, write_recent
from adapters.store.recovery import Image, Row, compact, read_image, read_image_in_chunks
from adapters.store.revisions import RecentEdits, split_history, with_revision, without_history
from adapters.store.tables import Table, index_values, pack
from adapters.store.workers import WorkerProcess
from bot.errors import StoreError
from bot.keys import AssessmentKey, TeamKey, TenantKey
from bot.models import Answer, Document, Response, ScheduledJob, response_id
from bot.store import RecordScope, Store

D = TypeVar("D", bound=Document)
DEFAULT_SEGMENT_RECORDS = 2000
DEFAULT_WORKER_LOAD_BYTES = 128 * 1024
"""Folders bigger than this on disk are read in the worker process; smaller ones in a thread (quicker)."""
LOAD_BATCH = 500
DECODE_BATCH = 500
"""A big `find` decodes this many documents per event-loop step, so a 10,000-answer read holds no one up."""
log = logging.getLogger(__name__)


@dataclass
class _Loaded:
    """A partition's documents in memory, and where its journal stands."""

    tables: dict[str, Table] = field(default_factory=dict)
    seq: int = 0
    segment: Path | None = None
    segment_records: int = 0
    closed: list[str] = field(default_factory=list)

    @property
    def held(self) -> int:
        return sum(table.held for table in self.tables.values())

    def table(self, name: str) -> Table:
        table = self.tables.get(name)
        if table is None:
            table = self.tables[name] = Table(name)
        return table


_Edit = tuple[asyncio.Future[None], bytes, Response | None]
"""When an edit is durable, the stored document, and the edited response when it was at hand."""


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
    users: int = 0
    """Calls using this partition now; it is never evicted while any are."""
    queue: list[_Pending] = field(default_factory=list)
    last_write: asyncio.Future[None] | None = None
    flusher: asyncio.Task[None] | None = None
    compaction: asyncio.Task[None] | None = None

    @property
    def idle(self) -> bool:
        """Nothing in use, loading, queued, unflushed or compacting: evicting it loses nothing."""
        busy = (self.flusher, self.compaction, self.last_write)
        return not (self.users or self.queue or self.lock.locked() or any(t is not None and not t.done() for t in busy))


class TinyDBStore(Store):
    """Store over a data folder; see the module docstring for the layout and guarantees."""

    def __init__(
        self,
        root: Path,
        *,
        segment_records: int = DEFAULT_SEGMENT_RECORDS,
        max_teams: int | None = None,
        max_bytes: int | None = None,
        warm_teams: int = 0,
        worker_load_bytes: int = DEFAULT_WORKER_LOAD_BYTES,
    ) -> None:
        super().__init__()
        self._root = Path(root)
        self._segment_records = segment_records
        self._max_teams, self._max_bytes, self._warm_teams = max_teams, max_bytes, warm_teams
        self._worker_load_bytes = worker_load_bytes
        self._partitions: OrderedDict[PartitionKey, _Partition] = OrderedDict()
        """Least recently used first."""
        self._held = 0
        self._resident = 0
        """Loaded partitions other than the job table."""
        self._lock_fd: int | None = None
        self._worker = WorkerProcess()
        """One process for compaction and big loads: each costs a whole Python process of memory."""
        self._warming: asyncio.Task[None] | None = None
        self._recent_edits = RecentEdits()

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
        recent = await asyncio.to_thread(take_recent, self._root)
        if self._warm_teams > 0:
            self._warming = asyncio.create_task(self._warm(recent[: self._warm_teams]))

    async def close(self) -> None:
        if self._warming is not None:
            self._warming.cancel()
            await asyncio.gather(self._warming, return_exceptions=True)
        for part in list(self._partitions.values()):
            await asyncio.gather(*(t for t in (part.flusher, part.compaction) if t), return_exceptions=True)
        await asyncio.to_thread(self._worker.shutdown)
        if self._lock_fd is not None:
            recent = [key for key, part in reversed(self._partitions.items()) if _holds_data(key, part.loaded)]
            await asyncio.to_thread(write_recent, self._root, recent[: max(self._warm_teams, 100)])
        self._partitions.clear()
        self._held = self._resident = 0
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def resident(self) -> tuple[int, int]:
        """Partitions held in memory now, and their estimated bytes (for benchmarks and tests)."""
        return self._resident, self._held

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
        self._recent_edits.forget(lambda key: key == (team, doc_id))
        return before is not None

    async def drop_team(self, team: TeamKey) -> int:
        return await self._drop([team], directory_of(self._root, team))

    async def drop_tenant(self, tenant: TenantKey) -> int:
        folder = self._root / tenant.platform / hashed(tenant.tenant_id)
        on_disk = await asyncio.to_thread(partition_keys_in, folder)
        held = [key for key in self._partitions if key == tenant or (isinstance(key, TeamKey) and key.tenant == tenant)]
        return await self._drop(list(dict.fromkeys([*on_disk, *held])), folder)

    async def _drop(self, keys: list[PartitionKey], folder: Path) -> int:
        """Let each partition's writes and compaction finish, count and forget it, then remove its folder durably."""
        count = 0
        for key in keys:
            async with self._settled(key) as loaded:
                part = self._partitions[key]
                await asyncio.gather(*(t for t in (part.flusher, part.compaction) if t is not None), return_exceptions=True)
                count += sum(len(table) for table in loaded.tables.values())
            dropped = self._partitions.pop(key, None)
            if dropped is not None:
                self._forget(dropped)
        self._recent_edits.forget(lambda entry: isinstance(entry, tuple) and entry[0] in keys)
        await asyncio.to_thread(remove_folder, folder)
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
        """As `Store.due_jobs`: only jobs in a ready status are read (the job table is indexed by status), decoded a
        batch per loop step, and only those returned are loaded as models (adapters/store/ready_jobs.py)."""
        async with self._settled(None) as loaded:
            table = loaded.tables.get(ScheduledJob.table)
            rows = [] if table is None else [
                (doc_id, table.docs[doc_id]) for status in READY_AT_FIELD for doc_id in table.candidates({"status": status})
            ]
        raw: dict[str, dict[str, object]] = {}
        for at in range(0, len(rows), DECODE_BATCH):
            if at:
                await asyncio.sleep(0)
            raw.update((doc_id, json.loads(data)) for doc_id, data in rows[at : at + DECODE_BATCH])
        return await first_ready(raw, before, limit)

    async def dump(self) -> AsyncIterator[Entry]:
        """Every stored document and record, partition by partition (for the copy command)."""
        if self._lock_fd is None:
            raise StoreError("the store is not open")
        for key in await asyncio.to_thread(partition_keys, self._root):
            async with self._settled(key) as loaded:
                rows = [(name, doc_id, data) for name, table in loaded.tables.items() for doc_id, data in table.items()]
            for name, doc_id, data in rows:
                yield Entry(key, name, doc_id, json.loads(data))

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
        async with self._using(entry.partition) as part:
            write = self._write(part, entry.table, entry.doc_id, entry.doc)
        await write

    async def record_answer(self, key: AssessmentKey, answer: Answer) -> Response:
        """As every store does it, but an edit is journaled as the new version plus one revision (constant size)."""
        doc_id = response_id(key.assessment_id, answer.section, answer.author_id)
        async with self._using(key.team) as part:
            edit = self._revise(part, doc_id, answer)
        if edit is None:
            return await super().record_answer(key, answer)
        durable, document, response = edit
        await durable
        if response is None:
            response = Response.model_validate_json(document)
            self._recent_edits.put((key.team, doc_id), document, response)
        return response

    def _revise(self, part: _Partition, doc_id: str, answer: Answer) -> _Edit | None:
        """Edit a stored response without decoding its history; None when there is none yet (the general path).

        The edited response comes back too when the last edit of it is still in `_recent_edits`.
        """
        loaded = part.loaded
        assert loaded is not None
        table = loaded.tables.get(Response.table)
        data = table.get(doc_id) if table is not None else None
        split = split_history(data) if data is not None else None
        if table is None or data is None or split is None:
            return None
        head, items = split
        whole = self._recent_edits.get((part.key, doc_id), data)
        current = whole if whole is not None else Response.model_validate_json(without_history(head))
        new = current.revise(answer)
        if new is current:
            return self._flushed(part), data, whole
        revision = pack(to_raw(new.history[-1]) or {})
        new_head = pack(to_raw(new.model_copy(update={"history": ()})) or {})
        head_fields = split_history(new_head)
        assert head_fields is not None
        document = with_revision(head_fields[0], items, revision)
        loaded.seq += 1
        before = loaded.held
        table.replace(doc_id, document)
        self._held += loaded.held - before
        if whole is not None:
            self._recent_edits.put((part.key, doc_id), document, new)
        line = encode_packed(loaded.seq, Response.table, doc_id, new_head, revision)
        return self._enqueue(part, line), document, new if whole is not None else None

    async def _get_in(self, key: PartitionKey, kind: type[D], doc_id: str) -> D | None:
        async with self._settled(key) as loaded:
            table = loaded.tables.get(kind.table)
            data = table.get(doc_id) if table is not None else None
        return None if data is None else kind.model_validate_json(data)

    async def _find_in(self, key: PartitionKey, kind: type[D], where: dict[str, object]) -> list[D]:
        wanted = wanted_fields(kind, where)
        async with self._settled(key) as loaded:
            table = loaded.tables.get(kind.table)
            if table is None:
                return []
            rows = [table.docs[doc_id] for doc_id in table.candidates(wanted)]
        exact, found = table.exact(wanted), list[D]()
        for at in range(0, len(rows), DECODE_BATCH):
            if at:
                await asyncio.sleep(0)
            found.extend(_decoded(kind, rows[at : at + DECODE_BATCH], None if exact else wanted))
        return found

    async def _change_in(
        self, key: PartitionKey, kind: type[D], doc_id: str, change: Callable[[D | None], D | None]
    ) -> tuple[D | None, D | None]:
        """Run `change` on the current state and journal its result; an unchanged result writes nothing."""
        async with self._using(key) as part:
            assert part.loaded is not None
            table = part.loaded.tables.get(kind.table)
            data = table.get(doc_id) if table is not None else None
            current = None if data is None else kind.model_validate_json(data)
            new = change(current)
            durable = self._write(part, kind.table, doc_id, to_raw(new)) if new != current else self._flushed(part)
        await durable
        return current, new

    def _write(self, part: _Partition, table: str, doc_id: str, raw: Raw | None) -> asyncio.Future[None]:
        """Apply a write in memory at once; the future is done when the group commit holding it is durable."""
        loaded = part.loaded
        assert loaded is not None
        loaded.seq += 1
        data = None if raw is None else pack(raw)
        before = loaded.held
        if data is None:
            loaded.table(table).remove(doc_id)
        else:
            loaded.table(table).put(doc_id, data, index_values(table, raw or {}))
        self._held += loaded.held - before
        return self._enqueue(part, encode_packed(loaded.seq, table, doc_id, data))

    def _enqueue(self, part: _Partition, line: bytes) -> asyncio.Future[None]:
        """Queue a journal line (its change already made in memory) for the next group commit."""
        assert part.loaded is not None
        pending = _Pending(part.loaded.seq, line, _new_future())
        part.queue.append(pending)
        part.last_write = pending.done
        if part.flusher is None or part.flusher.done():
            part.flusher = asyncio.create_task(self._flush(part))
        return asyncio.shield(pending.done)

    def _flushed(self, part: _Partition) -> asyncio.Future[None]:
        """Done once every write this partition has accepted is durable, so reads never show unsaved data."""
        done: asyncio.Future[None] = _new_future()
        if part.last_write is None or part.last_write.done():
            done.set_result(None)
        else:
            part.last_write.add_done_callback(lambda _: done.done() or done.set_result(None))
        return done

    def _partition(self, key: PartitionKey) -> _Partition:
        part = self._partitions.get(key)
        if part is None:
            if self._lock_fd is None:
                raise StoreError("the store is not open")
            part = self._partitions[key] = _Partition(key=key, directory=directory_of(self._root, key))
        self._partitions.move_to_end(key)
        return part

    @asynccontextmanager
    async def _using(self, key: PartitionKey) -> AsyncIterator[_Partition]:
        """The partition, loaded and pinned (never evicted) for the duration; then the caps are applied."""
        part = self._partition(key)
        part.users += 1
        try:
            if part.loaded is None:
                await self._load(part)
            yield part
        finally:
            part.users -= 1
            self._evict_idle()

    @asynccontextmanager
    async def _settled(self, key: PartitionKey) -> AsyncIterator[_Loaded]:
        """The partition's documents once every write it has accepted is durable (reloaded if one failed)."""
        async with self._using(key) as part:
            await self._flushed(part)
            if part.loaded is None:
                await self._load(part)
            assert part.loaded is not None
            yield part.loaded

    async def _load(self, part: _Partition) -> None:
        async with part.lock:
            if part.loaded is not None:
                return
            if part.compaction is not None:
                await asyncio.gather(part.compaction, return_exceptions=True)
            loaded = await self._adopt(await self._read(part))
            part.loaded = loaded
            self._held += loaded.held
            self._resident += part.key is not None

    async def _read(self, part: _Partition) -> Image:
        """Small folders in a thread; big ones in the worker process, whose JSON parsing never holds our GIL."""
        size = await asyncio.to_thread(_folder_bytes, part.directory)
        if size <= self._worker_load_bytes:
            return await asyncio.to_thread(read_image, str(part.directory), part.key)
        return await self._worker.run(read_image_in_chunks, str(part.directory), part.key)

    async def _adopt(self, image: Image) -> _Loaded:
        """Build the in-memory tables a chunk per loop step, so a big team's return holds no one up."""
        loaded = _Loaded(seq=image.seq, segment=image.segment, segment_records=image.segment_records, closed=image.closed)
        for rows in _row_chunks(image):
            for name, doc_id, data, values in rows:
                loaded.table(name).put(doc_id, data, values)
            await asyncio.sleep(0)
        return loaded

    def _over_caps(self) -> bool:
        over_teams = self._max_teams is not None and self._resident > self._max_teams
        return over_teams or (self._max_bytes is not None and self._held > self._max_bytes)

    def _evict_idle(self) -> None:
        """Drop least recently used idle partitions (never the job table) until within both caps."""
        if not self._over_caps():
            return
        for key, part in list(self._partitions.items()):
            if not self._over_caps():
                return
            if key is not None and part.idle:
                del self._partitions[key]
                self._forget(part)

    def _forget(self, part: _Partition) -> None:
        """Stop counting a partition's documents against the caps (evicted, or to be reloaded after a failure)."""
        if part.loaded is not None:
            self._held -= part.loaded.held
            self._resident -= part.key is not None
        part.loaded = None

    async def _warm(self, recent: list[PartitionKey]) -> None:
        """Load the teams most recently in use before the last shutdown, one at a time, in the background."""
        try:
            for key in recent:
                if self._max_teams is not None and self._resident >= self._max_teams or self._over_caps():
                    return
                async with self._using(key):
                    pass
                if key in self._partitions:
                    self._partitions.move_to_end(key, last=False)
        except (OSError, StoreError) as exc:
            log.warning("warming recently used teams stopped early (%s)", type(exc).__name__)

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
                    await asyncio.to_thread(prepare_folder, part.directory, part.key)
                await asyncio.to_thread(append_durable, loaded.segment, b"".join(p.line for p in batch))
            except OSError as exc:
                self._fail(part, batch, exc)
                return
            loaded.segment_records += len(batch)
            for pending in batch:
                pending.done.set_result(None)
            self._maybe_compact(part)
        asyncio.get_running_loop().call_soon(self._evict_idle)

    def _fail(self, part: _Partition, batch: list[_Pending], exc: OSError) -> None:
        """Refuse the batch and everything queued behind it, and reload from disk on next use."""
        log.error("journal write failed for a store partition: %s", exc.strerror or type(exc).__name__)
        error = StoreError("your answer could not be saved; please try again")
        for pending in (*batch, *part.queue):
            pending.done.set_exception(error)
            pending.done.exception()
        part.queue = []
        self._forget(part)

    def _maybe_compact(self, part: _Partition) -> None:
        loaded = part.loaded
        if loaded is None or not loaded.closed or (part.compaction is not None and not part.compaction.done()):
            return
        part.compaction = asyncio.create_task(self._compact(part, loaded, list(loaded.closed)))

    async def _compact(self, part: _Partition, loaded: _Loaded, closed: list[str]) -> None:
        """Fold closed segments in the worker process; failures leave them for the next try."""
        try:
            await self._worker.run(compact, str(part.directory), closed, meta_of(part.key))
        except Exception as exc:
            log.warning("journal compaction failed (%s); it will be retried at the next segment", type(exc).__name__)
            return
        loaded.closed = [name for name in loaded.closed if name not in closed]
        asyncio.get_running_loop().call_soon(self._evict_idle)


def _decoded(kind: type[D], rows: list[bytes], wanted: Raw | None) -> list[D]:
    """Documents from their JSON; with `wanted`, only those whose fields equal it (the rest of a `find`'s test)."""
    if wanted is None:
        return [kind.model_validate_json(data) for data in rows]
    found = (json.loads(data) for data in rows)
    return [kind.model_validate(raw) for raw in found if all(raw.get(k) == v for k, v in wanted.items())]


def _holds_data(key: PartitionKey, loaded: _Loaded | None) -> bool:
    """Worth warming: a team or tenant with something on disk (a read of an unknown team leaves no trace)."""
    return key is not None and loaded is not None and loaded.seq > 0


def _folder_bytes(directory: Path) -> int:
    """What a load would read: the snapshot and every journal segment."""
    if not directory.exists():
        return 0
    files = [directory / "snapshot.json", *list_segments(directory)]
    return sum(path.stat().st_size for path in files if path.exists())


def _row_chunks(image: Image) -> Iterator[list[Row]]:
    if image.chunks:
        yield from (pickle.loads(chunk) for chunk in image.chunks)
    else:
        yield from (image.rows[at : at + LOAD_BATCH] for at in range(0, len(image.rows), LOAD_BATCH))


def _new_future() -> asyncio.Future[None]:
    return asyncio.get_running_loop().create_future()

