"""An answer's history as bytes: an edit appends one revision without reading or rewriting the earlier ones.

A response is held as compact JSON whose last field is its history (the order the model declares).
Splitting there lets an edit decode only the current version, and build the new document by
appending the new revision's JSON to the old history's bytes, so its cost does not grow with the
revisions before it. The split is safe: inside a JSON string a quote is always escaped, so
`,"history":[` can only be the field itself.
"""

from __future__ import annotations

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
