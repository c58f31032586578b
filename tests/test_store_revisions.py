"""An answer's edits in the TinyDB store: journaled in constant size, and the history always what the memory store keeps."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.store.journal import list_segments
from adapters.store.memory import MemoryStore
from adapters.store.tinydb import TinyDBStore
from bot.framework import Level
from bot.keys import AssessmentKey, TeamKey, TenantKey
from bot.models import NOT_SURE, Answer, Response
from bot.store import Store

KEY = AssessmentKey(TeamKey(TenantKey("slack", "T1"), "g1"), "a-1")
AT = datetime(2026, 3, 2, tzinfo=UTC)
RATINGS = st.sampled_from([*Level, NOT_SURE])
EDITS = st.lists(
    st.tuples(st.sampled_from(["ann", "bob"]), st.none() | RATINGS, st.none() | st.sampled_from(["notes", "more", "é\"x"])),
    min_size=1,
    max_size=20,
)


def edit(author: str, rating: object, evidence: str | None, n: int) -> Answer:
    fields: dict[str, object] = {"section": "2b", "author_id": author, "at": AT + timedelta(minutes=n)}
    if rating is not None:
        fields["rating"] = rating
    if evidence is not None:
        fields["evidence"] = evidence
    return Answer.model_validate(fields)


async def _record(store: Store, edits: list[tuple[str, object, str | None]]) -> list[Response]:
    return [await store.record_answer(KEY, edit(*change, n)) for n, change in enumerate(edits)]


@settings(max_examples=15, deadline=None)
@given(edits=EDITS)
def test_edits_keep_the_history_the_memory_store_keeps_across_reopen_and_compaction(
    edits: list[tuple[str, object, str | None]],
) -> None:
    async def run() -> tuple[list[Response], list[Response], list[Response]]:
        async with MemoryStore() as memory:
            expected = await _record(memory, edits)
        with tempfile.TemporaryDirectory() as folder:
            async with TinyDBStore(Path(folder), segment_records=3) as tinydb:
                actual = await _record(tinydb, edits)
            async with TinyDBStore(Path(folder)) as reopened:
                stored = sorted(await reopened.responses(KEY), key=lambda r: r.author_id)
        return expected, actual, stored

    expected, actual, stored = asyncio.run(run())

    assert actual == expected
    latest = {response.author_id: response for response in expected}
    assert stored == [latest[author] for author in sorted(latest)]


async def test_an_edit_is_journaled_in_the_same_size_however_many_came_before(tmp_path: Path) -> None:
    sizes: list[int] = []
    async with TinyDBStore(tmp_path) as store:
        for n in range(60):
            await store.record_answer(KEY, edit("ann", (Level.EMERGING, Level.THRIVING)[n % 2], None, n))
            (segment,) = list_segments(next(p.parent for p in tmp_path.rglob("journal-*.log")))
            sizes.append(len(segment.read_bytes().splitlines()[-1]))
        latest = await store.get(KEY.team, Response, "a-1/2b/ann")

    assert latest is not None and len(latest.history) == 59
    assert max(sizes[1:]) - min(sizes[1:]) <= 2, "only the sequence number's digits may grow, never the history"


async def test_an_edit_after_another_kind_of_write_or_an_eviction_starts_from_what_is_stored(tmp_path: Path) -> None:
    other = AssessmentKey(TeamKey(TenantKey("slack", "T1"), "g2"), "a-2")
    async with TinyDBStore(tmp_path, max_teams=1) as store:
        for n, rating in enumerate((Level.EMERGING, Level.DEVELOPING, Level.MATURING)):
            await store.record_answer(KEY, edit("ann", rating, None, n))
        replaced = Response.first("a-1", edit("ann", Level.THRIVING, "rewritten", 10))
        await store.put(KEY.team, replaced)
        after_put = await store.record_answer(KEY, edit("ann", Level.EMERGING, None, 11))
        await store.record_answer(other, edit("bob", Level.EMERGING, None, 12))
        after_eviction = await store.record_answer(KEY, edit("ann", Level.DEVELOPING, None, 13))

    assert [r.rating for r in after_put.history] == [Level.THRIVING]
    assert [r.rating for r in after_eviction.history] == [Level.THRIVING, Level.EMERGING]
    async with TinyDBStore(tmp_path) as store:
        assert await store.get(KEY.team, Response, "a-1/2b/ann") == after_eviction
