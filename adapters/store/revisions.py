"""An answer's history as bytes: an edit appends one revision without reading or rewriting the earlier ones.

A response is held as compact JSON whose last field is its history (the order the model declares).
Splitting there lets an edit decode only the current version, and build the new document by
appending the new revision's JSON to the old history's bytes, so its cost does not grow with the
revisions before it. The split is safe: inside a JSON string a quote is always escaped, so
`,"history":[` can only be the field itself.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable

from bot.models import Response

HISTORY = b',"history":['
CLOSE = b"]}"


def split_history(data: bytes) -> tuple[bytes, bytes] | None:
    """The document without its history (and without its closing brace), and the history's items; None if laid out otherwise."""
    at = data.find(HISTORY)
    if at < 0 or not data.endswith(CLOSE):
        return None
    return data[:at], data[at + len(HISTORY) : -len(CLOSE)]


def without_history(head: bytes) -> bytes:
    """A head from `split_history` as a whole document with an empty history, to decode the current version alone."""
    return head + HISTORY + CLOSE


def with_revision(head: bytes, items: bytes, revision: bytes) -> bytes:
    """The document whose history is `items` followed by `revision`."""
    return head + HISTORY + items + (b"," if items else b"") + revision + CLOSE


class RecentEdits:
    """The responses the last few edits produced, decoded, so editing one again need not decode its history.

    An entry counts only while the stored document is the very bytes object it was made from: any other
    write, an eviction or a reload replaces that object, so a stale entry can never be returned.
    """

    def __init__(self, entries: int = 64, max_bytes: int = 4 * 1024 * 1024) -> None:
        self._entries, self._max_bytes, self._held = entries, max_bytes, 0
        self._items: OrderedDict[Hashable, tuple[bytes, Response]] = OrderedDict()

    def get(self, key: Hashable, stored: bytes) -> Response | None:
        item = self._items.get(key)
        if item is None or item[0] is not stored:
            return None
        self._items.move_to_end(key)
        return item[1]

    def put(self, key: Hashable, stored: bytes, response: Response) -> None:
        old = self._items.pop(key, None)
        self._held += len(stored) - (len(old[0]) if old else 0)
        self._items[key] = (stored, response)
        while self._items and (len(self._items) > self._entries or self._held > self._max_bytes):
            _, (dropped, _) = self._items.popitem(last=False)
            self._held -= len(dropped)

    def forget(self, dropped: Callable[[Hashable], bool]) -> None:
        """Let go of the entries whose key `dropped` names (a deleted answer, a dropped team or tenant)."""
        for key in [key for key in self._items if dropped(key)]:
            stored, _ = self._items.pop(key)
            self._held -= len(stored)
