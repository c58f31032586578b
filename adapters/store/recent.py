"""Which partitions were in use when the store last closed, most recent first, so start-up can warm them.

The list exists only while the store is closed: it is written at shutdown and removed as the store opens.

Folder names are hashes, so the list keeps each partition's meta (as its snapshot does). A
missing or unreadable list only means nothing is warmed; it is never needed for correctness.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from adapters.store.documents import PartitionKey
from adapters.store.folders import key_of, meta_of

RECENT = "recent.json"


def write_recent(root: Path, keys: list[PartitionKey]) -> None:
    """Replace the list atomically (no fsync: losing it costs a slower first turn, never data)."""
    temp = root / (RECENT + ".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump([meta_of(key) for key in keys], handle, ensure_ascii=False)
    os.replace(temp, root / RECENT)


def take_recent(root: Path) -> list[PartitionKey]:
    """Read the list and remove it: while the store is open nothing on disk names a team that may be erased."""
    path = root / RECENT
    try:
        metas = json.loads(path.read_text(encoding="utf-8"))
        keys = [key_of(meta) for meta in metas]
    except (OSError, ValueError, KeyError, TypeError):
        keys = []
    path.unlink(missing_ok=True)
    return keys
