"""One table of a partition held in memory: each document as its compact JSON bytes, plus indexes.

Why bytes: a parsed document is a tree of dicts, strings and lists costing several times its JSON
size, and thousands of small objects per team that the allocator rarely hands back. One bytes
object per document is compact, is freed in one piece when a team is evicted, and is decoded
only when read (pydantic parses JSON bytes directly).

Why indexes: the lookups a turn makes (a person's answers in an assessment, a person's actions,
their open assessments) name a few id fields. Each table indexes the fields in `INDEXED`, kept
up to date on every write, so `find` looks at the documents it returns and not the whole table.
Results keep the order documents were created in, as the other stores return them.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterator
from typing import Any

Raw = dict[str, Any]
Bucket = dict[str, None]
"""Doc ids in creation order (a dict is an ordered set)."""

INDEXED: dict[str, tuple[str, ...]] = {
    "responses": ("assessment_id", "author_id"),
    "actions": ("owner_id", "assessment_id"),
    "assessments": ("owner_id",),
    "agreements": ("assessment_id",),
    "jobs": ("status",),
}
"""Fields `find` is called with on a turn (and a job's status, read on every scheduler tick); a field not listed here is matched by reading the candidates."""

DOC_OVERHEAD_BYTES = 180
"""Memory per document beyond its JSON and id (the dict slot, the bytes and str headers); see bench/memory.py."""
INDEX_OVERHEAD_BYTES = 60
"""Memory per document per indexed field (its slot in one bucket)."""


def pack(raw: Raw) -> bytes:
    """The compact JSON a document is held (and journaled) as."""
    return json.dumps(raw, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def index_values(table: str, raw: Raw) -> tuple[Any, ...]:
    """The indexed fields' values of one document, in `INDEXED` order."""
    return tuple(raw.get(field) for field in INDEXED.get(table, ()))


class Table:
    """Documents of one kind in one partition, by id, with an index per field in `INDEXED`."""

    __slots__ = ("fields", "docs", "index", "held")

    def __init__(self, name: str) -> None:
        self.fields = INDEXED.get(name, ())
        self.docs: dict[str, bytes] = {}
        self.index: dict[str, dict[Hashable, Bucket]] = {field: {} for field in self.fields}
        self.held = 0
        """Estimated bytes of memory this table holds, for the store's memory cap."""

    def __len__(self) -> int:
        return len(self.docs)

    def get(self, doc_id: str) -> bytes | None:
        return self.docs.get(doc_id)

    def items(self) -> Iterator[tuple[str, bytes]]:
        return iter(self.docs.items())

    def put(self, doc_id: str, data: bytes, values: tuple[Any, ...]) -> None:
        """Add or replace a document; `values` are its `index_values`."""
        old = self.docs.get(doc_id)
        old_values = self._values(old) if old is not None else None
        if old is not None:
            self.held -= self._size(doc_id, old)
        self.docs[doc_id] = data
        self.held += self._size(doc_id, data)
        for field, value, before in zip(self.fields, values, old_values or (None,) * len(values)):
            if old_values is not None and before == value:
                continue
            if old_values is not None:
                self._unindex(field, before, doc_id)
            self._index(field, value, doc_id, appended=old is None)

    def replace(self, doc_id: str, data: bytes) -> None:
        """Swap a document's bytes when none of its indexed fields changed (an edit of an answer)."""
        self.held += len(data) - len(self.docs[doc_id])
        self.docs[doc_id] = data

    def remove(self, doc_id: str) -> None:
        old = self.docs.pop(doc_id, None)
        if old is None:
            return
        self.held -= self._size(doc_id, old)
        for field, value in zip(self.fields, self._values(old)):
            self._unindex(field, value, doc_id)

    def exact(self, where: Raw) -> bool:
        """Whether `candidates(where)` are exactly the matches (every condition is on an indexed field)."""
        return all(field in self.index and isinstance(value, Hashable) for field, value in where.items())

    def candidates(self, where: Raw) -> Iterator[str]:
        """Ids that may match `where` (every match among them), in creation order."""
        buckets = [
            self.index[field].get(value, {})
            for field, value in where.items()
            if field in self.index and isinstance(value, Hashable)
        ]
        if not buckets:
            return iter(self.docs)
        smallest = min(buckets, key=len)
        others = [bucket for bucket in buckets if bucket is not smallest]
        return (doc_id for doc_id in smallest if all(doc_id in bucket for bucket in others))

    def _values(self, data: bytes) -> tuple[Any, ...]:
        raw = json.loads(data)
        return tuple(raw.get(field) for field in self.fields)

    def _size(self, doc_id: str, data: bytes) -> int:
        return len(data) + len(doc_id) + DOC_OVERHEAD_BYTES + INDEX_OVERHEAD_BYTES * len(self.fields)

    def _index(self, field: str, value: Any, doc_id: str, *, appended: bool) -> None:
        if not isinstance(value, Hashable):
            return
        bucket = self.index[field].setdefault(value, {})
        bucket[doc_id] = None
        if not appended and len(bucket) > 1:
            self.index[field][value] = {d: None for d in self.docs if d in bucket}

    def _unindex(self, field: str, value: Any, doc_id: str) -> None:
        if not isinstance(value, Hashable):
            return
        bucket = self.index[field].get(value)
        if bucket is not None:
            bucket.pop(doc_id, None)
            if not bucket:
                del self.index[field][value]
