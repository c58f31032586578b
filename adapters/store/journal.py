"""Append-only, checksummed, fsync'd journal segments: the durable half of the TinyDB store.

One record is one line, `<crc32 hex> <json>\n`. Appends are fsync'd before anyone is
told a write happened. After a crash only the tail of the newest segment can be torn
(half a line, or a line whose checksum fails); recovery drops and truncates it. A bad
record anywhere else is real corruption and is reported, never silently skipped.
"""

from __future__ import annotations

import json
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import StoreError

SEGMENT_PREFIX = "journal-"
SEGMENT_SUFFIX = ".log"


class JournalCorrupt(StoreError):
    """A record before the tail failed its checksum: the file was damaged after it was written."""


@dataclass(frozen=True, slots=True)
class Record:
    """One document write: the new JSON document, or None when it was removed.

    With `revision`, `doc` is the new version without its history, and `revision` is appended to the
    history the document had: an edit is journaled in constant size however many edits came before.
    """

    seq: int
    table: str
    doc_id: str
    doc: dict[str, Any] | None
    revision: dict[str, Any] | None = None


def segment_name(first_seq: int) -> str:
    return f"{SEGMENT_PREFIX}{first_seq:012d}{SEGMENT_SUFFIX}"


def list_segments(directory: Path) -> list[Path]:
    """Segments in write order; the zero-padded first sequence number sorts correctly as text."""
    return sorted(directory.glob(f"{SEGMENT_PREFIX}*{SEGMENT_SUFFIX}"))


def encode(record: Record) -> bytes:
    doc, revision = (None if raw is None else _compact(raw) for raw in (record.doc, record.revision))
    return encode_packed(record.seq, record.table, record.doc_id, doc, revision)


def encode_packed(seq: int, table: str, doc_id: str, doc: bytes | None, revision: bytes | None = None) -> bytes:
    """One journal line around a document already in compact JSON, so a write serialises it once."""
    names = json.dumps(table, ensure_ascii=False).encode(), json.dumps(doc_id, ensure_ascii=False).encode()
    payload = b'{"s":%d,"t":%s,"i":%s,"d":%s' % (seq, names[0], names[1], b"null" if doc is None else doc)
    payload += b"}" if revision is None else b',"h":%s}' % revision
    return b"%08x %s\n" % (zlib.crc32(payload), payload)


def _compact(raw: dict[str, Any]) -> bytes:
    return json.dumps(raw, separators=(",", ":"), ensure_ascii=False).encode()


def _decode(line: bytes) -> Record | None:
    checksum, _, payload = line.partition(b" ")
    if len(checksum) != 8 or f"{zlib.crc32(payload):08x}".encode() != checksum:
        return None
    try:
        raw = json.loads(payload)
        return Record(seq=int(raw["s"]), table=str(raw["t"]), doc_id=str(raw["i"]), doc=raw["d"], revision=raw.get("h"))
    except (ValueError, KeyError, TypeError):
        return None


def read_segment(path: Path, *, repair_tail: bool) -> list[Record]:
    """Every intact record; with `repair_tail`, a torn last record is cut off the file."""
    data = path.read_bytes()
    records: list[Record] = []
    pos = 0
    while pos < len(data):
        end = data.find(b"\n", pos)
        if end == -1:
            break
        record = _decode(data[pos:end])
        if record is None:
            if end + 1 == len(data):
                break
            raise JournalCorrupt(f"{path}: damaged record at byte {pos}")
        records.append(record)
        pos = end + 1
    if pos < len(data) and repair_tail:
        with open(path, "r+b") as handle:
            handle.truncate(pos)
            handle.flush()
            os.fsync(handle.fileno())
    return records


def append_durable(path: Path, data: bytes) -> None:
    """Append and fsync; a new file also gets its folder entry fsync'd so it survives a power cut."""
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_dirs_durable(directory: Path) -> None:
    """Create missing folders and fsync each parent, so a new team's folder survives a power cut."""
    missing: list[Path] = []
    current = directory
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
        fsync_dir(folder.parent)
