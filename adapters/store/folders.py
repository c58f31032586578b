"""Where each partition's files live, and its snapshot: a TinyDB database file, read with one parse.

A snapshot is TinyDB's JSON format: `{"_meta": {"1": {...}}, "<table>": {"1": {"key": id, "doc": {...}}}}`.
It is written through TinyDB (in memory, then one atomic write). It is read here with a single
`json.loads`: TinyDB itself re-reads and re-parses the whole file for `_meta`, for `tables()` and
for every table, five parses of a big team's file where one will do.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import MemoryStorage, Storage

from adapters.store.documents import PartitionKey, Raw
from adapters.store.journal import fsync_dir, list_segments, make_dirs_durable
from bot.errors import StoreError
from bot.keys import TeamKey, TenantKey

RawState = dict[str, dict[str, Raw]]
SNAPSHOT = "snapshot.json"
TENANT_FOLDER = "tenant"
GLOBAL_FOLDER = "global"
META_TABLE = "_meta"


class AtomicJSONStorage(Storage):
    """TinyDB storage whose writes are all-or-nothing: temp file, fsync, os.replace, fsync the folder."""

    def __init__(self, path: str | Path) -> None:
        self._path = Path(path)

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            text = self._path.read_bytes()
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


def meta_of(key: PartitionKey) -> dict[str, str]:
    """What a folder's snapshot records about whose data it holds, checked on every load."""
    if key is None:
        return {"partition": GLOBAL_FOLDER}
    if isinstance(key, TenantKey):
        return {"platform": key.platform, "tenant_id": key.tenant_id, "partition": TENANT_FOLDER}
    return {"platform": key.tenant.platform, "tenant_id": key.tenant.tenant_id, "team_id": key.team_id}


def key_of(meta: dict[str, Any]) -> PartitionKey:
    """The partition a snapshot's meta names: `meta_of` read backwards."""
    if meta.get("partition") == GLOBAL_FOLDER:
        return None
    tenant = TenantKey(platform=meta["platform"], tenant_id=meta["tenant_id"])
    return tenant if meta.get("partition") == TENANT_FOLDER else TeamKey(tenant=tenant, team_id=meta["team_id"])


def directory_of(root: Path, key: PartitionKey) -> Path:
    """Hashed names for tenant and team; `tenant` and `global` cannot clash with a 32-hex-digit hash."""
    if key is None:
        return root / GLOBAL_FOLDER
    if isinstance(key, TenantKey):
        return root / key.platform / hashed(key.tenant_id) / TENANT_FOLDER
    return root / key.tenant.platform / hashed(key.tenant.tenant_id) / hashed(key.team_id)


def partition_folders(root: Path) -> list[Path]:
    """Every folder that may hold a partition (team, tenant or global)."""
    return sorted(folder for folder in {*root.glob(GLOBAL_FOLDER), *root.glob("*/*/*")} if folder.is_dir())


def partition_keys(root: Path) -> list[PartitionKey]:
    """Every partition with a folder under `root`, named by its snapshot (folder names are hashes)."""
    keys: list[PartitionKey] = []
    for folder in partition_folders(root):
        _, _, meta = read_snapshot(folder)
        if meta is None:
            if list_segments(folder):
                raise StoreError(f"{folder} has no snapshot naming whose data it holds; it cannot be copied")
            continue
        keys.append(key_of(meta))
    return keys


def partition_keys_in(tenant_folder: Path) -> list[PartitionKey]:
    """The partitions with a named folder inside one tenant's folder."""
    keys: list[PartitionKey] = []
    for folder in sorted(tenant_folder.glob("*")):
        if folder.is_dir() and (folder / SNAPSHOT).exists():
            _, _, meta = read_snapshot(folder)
            if meta is not None:
                keys.append(key_of(meta))
    return keys


def remove_folder(folder: Path) -> None:
    """Remove a partition's or tenant's folder and make the removal durable."""
    if folder.exists():
        shutil.rmtree(folder)
        fsync_dir(folder.parent)


def read_snapshot(directory: Path) -> tuple[RawState, int, dict[str, Any] | None]:
    """Every document, the last sequence number folded in, and the meta; one parse of the file."""
    data = AtomicJSONStorage(directory / SNAPSHOT).read() or {}
    meta = data.get(META_TABLE, {}).get("1")
    state = {
        name: {row["key"]: row["doc"] for row in rows.values()} for name, rows in data.items() if name != META_TABLE
    }
    return state, int(meta["seq"]) if meta else 0, dict(meta) if meta else None


def write_snapshot(directory: Path, state: RawState, seq: int, meta: dict[str, str]) -> None:
    """Build the database with TinyDB in memory, then persist it in one atomic write."""
    db = TinyDB(storage=MemoryStorage)
    db.table(META_TABLE).insert({**meta, "seq": seq})
    for name, docs in state.items():
        db.table(name).insert_multiple({"key": key, "doc": doc} for key, doc in docs.items())
    AtomicJSONStorage(directory / SNAPSHOT).write(db.storage.read() or {})


def prepare_folder(directory: Path, key: PartitionKey) -> None:
    """Before a journal segment is started: the folder exists durably and names its partition."""
    make_dirs_durable(directory)
    name_folder(directory, key)


def name_folder(directory: Path, key: PartitionKey) -> None:
    """Give a folder without a snapshot an empty one (sequence 0, so every journal record still replays).

    Folder names are hashes; the snapshot's meta is what tells the copy command whose data a folder holds.
    """
    if not (directory / SNAPSHOT).exists():
        write_snapshot(directory, {}, 0, meta_of(key))


@contextmanager
def folder_lock(directory: Path) -> Iterator[None]:
    """Serialise recovery and compaction, even with a compaction worker orphaned by a crash."""
    fd = os.open(directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def hashed(value: str) -> str:
    """Folder names reveal nothing about tenants, teams or people; the snapshot records the real keys."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]
