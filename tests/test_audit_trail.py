"""The audit trail's pages across its buckets, on the memory store (held to the others by the contract suite)."""

from __future__ import annotations

from datetime import timedelta

from adapters.store.memory import MemoryStore
from bot.keys import TeamKey, TenantKey
from bot.services import audit
from tests.harness import NOW

SPACE = TeamKey(TenantKey("teams", "t1"), "19:group")


async def _trail(count: int) -> MemoryStore:
    store = MemoryStore()
    await store.open()
    for n in range(count):
        await audit.record(store, SPACE, f"u{n % 3}", "rating", f"entry {n}", NOW + timedelta(seconds=n))
    return store


async def test_pages_run_newest_first_across_bucket_boundaries() -> None:
    store = await _trail(130)

    first, shown, pages = await audit.page(store, SPACE, 1, 12)
    crossing, _, _ = await audit.page(store, SPACE, 3, 12)
    last, last_shown, _ = await audit.page(store, SPACE, 99, 12)

    assert (shown, pages) == (1, 11)
    assert [e.subject for e in first] == [f"entry {n}" for n in range(129, 117, -1)]
    assert [e.subject for e in crossing] == [f"entry {n}" for n in range(105, 93, -1)]
    assert last_shown == 11 and [e.subject for e in last] == [f"entry {n}" for n in range(9, -1, -1)]
    assert len(await audit.buckets(store, SPACE)) == -(-130 // audit.BUCKET)


async def test_an_empty_trail_has_one_empty_page() -> None:
    store = await _trail(0)

    assert await audit.page(store, SPACE, 1, 12) == ([], 1, 1)


async def test_rewriting_a_person_changes_only_their_entries() -> None:
    store = await _trail(60)

    assert await audit.rewrite_by(store, SPACE, "u1", "former-x") == 20

    assert await audit.entries_by(store, SPACE, "u1") == []
    assert len(await audit.entries_by(store, SPACE, "former-x")) == 20
    assert len(await audit.entries_by(store, SPACE, "u0")) == 20
