"""Indexes agree with a full scan, whatever the writes; and a TinyDB store evicting all the time agrees with memory."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.store.memory import MemoryStore
from adapters.store.tables import Table, index_values, pack
from adapters.store.tinydb import TinyDBStore
from bot.keys import TeamKey, TenantKey
from bot.models import Action
from bot.store import Store

AT = datetime(2026, 3, 2, tzinfo=UTC)
IDS = st.sampled_from(["d1", "d2", "d3", "d4", "d5", "d6"])
VALUES = st.sampled_from(["a", "b", "c", 1, True, None])
DOCS = st.fixed_dictionaries({"owner_id": VALUES, "assessment_id": VALUES, "status": VALUES})
WRITES = st.lists(st.tuples(IDS, st.none() | DOCS), max_size=40)
WHERE = st.dictionaries(st.sampled_from(["owner_id", "assessment_id", "status"]), VALUES, max_size=3)


def scan(docs: dict[str, dict[str, Any]], where: dict[str, Any]) -> list[str]:
    return [doc_id for doc_id, raw in docs.items() if all(raw.get(k) == v for k, v in where.items())]


@given(writes=WRITES, where=WHERE)
def test_index_candidates_match_a_full_scan_in_creation_order(
    writes: list[tuple[str, dict[str, Any] | None]], where: dict[str, Any]
) -> None:
    table, model = Table("actions"), dict[str, dict[str, Any]]()
    for doc_id, raw in writes:
        if raw is None:
            table.remove(doc_id)
            model.pop(doc_id, None)
        else:
            table.put(doc_id, pack(raw), index_values("actions", raw))
            model[doc_id] = raw

    found = [d for d in table.candidates(where) if all(model[d].get(k) == v for k, v in where.items())]

    assert found == scan(model, where)
    assert list(table.docs) == list(model)
    assert table.held == sum(table._size(d, pack(raw)) for d, raw in model.items())
    assert all(bucket for index in table.index.values() for bucket in index.values()), "no empty buckets linger"


TEAMS = [TeamKey(TenantKey("teams", "T1"), f"team-{n}") for n in range(3)]
OPS = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 4), st.sampled_from(["ann", "bob"]), st.sampled_from(["open", "done"])),
    min_size=1,
    max_size=25,
)


def _action(number: int, owner: str, status: str) -> Action:
    return Action.model_validate(
        {
            "id": f"act-{number}", "assessment_id": f"a-{number % 2}", "section": "2b", "title": "a step",
            "owner_id": owner, "due": date(2026, 4, 1), "status": status, "created_at": AT, "updated_at": AT,
        }
    )


async def _apply(store: Store, ops: list[tuple[int, int, str, str]]) -> list[list[str]]:
    seen: list[list[str]] = []
    for team, number, owner, status in ops:
        await store.put(TEAMS[team], _action(number, owner, status))
        mine = await store.find(TEAMS[team], Action, owner_id=owner, status="open")
        seen.append([a.id for a in mine])
    for team in TEAMS:
        seen.append([a.id for a in await store.find(team, Action)])
        seen.append([a.id for a in await store.find(team, Action, assessment_id="a-1", owner_id="bob")])
    return seen


@settings(max_examples=25, deadline=None)
@given(ops=OPS)
def test_a_store_evicting_after_every_call_finds_what_memory_finds(ops: list[tuple[int, int, str, str]]) -> None:
    async def run() -> tuple[list[list[str]], list[list[str]], list[list[str]]]:
        async with MemoryStore() as memory:
            expected = await _apply(memory, ops)
        with tempfile.TemporaryDirectory() as folder:
            async with TinyDBStore(Path(folder), max_teams=1, max_bytes=1) as tinydb:
                actual = await _apply(tinydb, ops)
            async with TinyDBStore(Path(folder)) as reopened:
                after = [[a.id for a in await reopened.find(team, Action)] for team in TEAMS]
        return expected, actual, after

    expected, actual, after = asyncio.run(run())

    assert actual == expected
    assert after == expected[-6::2]
