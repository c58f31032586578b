"""Reading a partition back from disk (snapshot plus journal), and folding journals into the snapshot.

Both run off the event loop: in a thread for a small folder, in a worker process for a big one,
because parsing JSON holds the interpreter lock even in a thread. From a worker the documents
come back as pickled chunks of compact rows, so the bot adopts them a chunk at a time and no
single step of its event loop grows with the size of the team.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters.store.documents import PartitionKey
from adapters.store.folders import (
    SNAPSHOT,
    RawState,
    folder_lock,
    meta_of,
    name_folder,
    read_snapshot,
    write_snapshot,
)
from adapters.store.journal import JournalCorrupt, Record, fsync_dir, list_segments, read_segment
from adapters.store.tables import index_values, pack
from bot.errors import StoreError

Row = tuple[str, str, bytes, tuple[Any, ...]]
"""table, doc id, compact JSON, indexed values."""
CHUNK_ROWS = 500


@dataclass
class Image:
    """What recovery found on disk for one partition: its documents and where its journal stands."""

    seq: int = 0
    segment: Path | None = None
    segment_records: int = 0
    closed: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    chunks: list[bytes] = field(default_factory=list)
    """Pickled lists of rows, instead of `rows`, when the image comes from a worker process."""


def read_image(directory: str, key: PartitionKey) -> Image:
    """A partition never written to has no folder, and reading it creates none: a refused request leaves no trace."""
    folder = Path(directory)
    if not folder.exists():
        return Image()
    with folder_lock(folder):
        name_folder(folder, key)
        state, image = _recover(folder, key)
    image.rows = [
        (table, doc_id, pack(doc), index_values(table, doc)) for table, docs in state.items() for doc_id, doc in docs.items()
    ]
    return image


def read_image_in_chunks(directory: str, key: PartitionKey) -> Image:
    """`read_image` for a worker process: rows pickled in chunks, so unpickling them never takes one long step."""
    image = read_image(directory, key)
    rows, image.rows = image.rows, []
    image.chunks = [pickle.dumps(rows[at : at + CHUNK_ROWS]) for at in range(0, len(rows), CHUNK_ROWS)]
    return image


def _apply(state: RawState, record: Record) -> None:
    table = state.setdefault(record.table, {})
    if record.doc is None:
        table.pop(record.doc_id, None)
    elif record.revision is not None:
        history = table.get(record.doc_id, {}).get("history", [])
        history.append(record.revision)
        table[record.doc_id] = {**record.doc, "history": history}
    else:
        table[record.doc_id] = record.doc


def _recover(directory: Path, key: PartitionKey) -> tuple[RawState, Image]:
    """Snapshot plus every journal record after it; repairs a torn tail and clears compaction leftovers."""
    (directory / (SNAPSHOT + ".tmp")).unlink(missing_ok=True)
    state, seq, meta = read_snapshot(directory)
    if meta is not None and {k: meta.get(k) for k in meta_of(key)} != meta_of(key):
        raise StoreError(f"{directory} holds another partition's data")
    segments = list_segments(directory)
    image = Image(seq=seq)
    for index, path in enumerate(segments):
        newest = index == len(segments) - 1
        try:
            records = read_segment(path, repair_tail=newest)
        except JournalCorrupt as exc:
            raise StoreError(str(exc)) from exc
        if not newest and records and records[-1].seq <= image.seq:
            path.unlink()
            continue
        for record in records:
            if record.seq <= image.seq:
                continue
            if record.seq != image.seq + 1:
                raise StoreError(f"{path}: journal jumps from record {image.seq} to {record.seq}")
            _apply(state, record)
            image.seq = record.seq
        if newest:
            image.segment, image.segment_records = path, len(records)
        else:
            image.closed.append(path.name)
    return state, image


def compact(directory: str, closed: list[str], meta: dict[str, str]) -> None:
    """Fold closed journal segments into the snapshot, then delete them (runs in a worker process)."""
    folder = Path(directory)
    with folder_lock(folder):
        _fold(folder, closed, meta)


def _fold(folder: Path, closed: list[str], meta: dict[str, str]) -> None:
    state, seq, _ = read_snapshot(folder)
    for name in closed:
        if not (folder / name).exists():
            continue
        for record in read_segment(folder / name, repair_tail=False):
            if record.seq > seq:
                _apply(state, record)
                seq = record.seq
    write_snapshot(folder, state, seq, meta)
    for name in closed:
        (folder / name).unlink(missing_ok=True)
    fsync_dir(folder)
