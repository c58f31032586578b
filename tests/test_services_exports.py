"""What an export holds: a person's own answers, or a group's figures only where the results view would show them,
never naming who gave which answer; and the request is checked again every time a file is made."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.store.memory import MemoryStore
from bot.errors import NotAllowed, NotFound
from bot.exports import ExportRequest
from bot.framework import load_framework
from bot.keys import TeamKey, TenantKey
from bot.services import exports
from tests import group_fixture as fx

FRAMEWORK = load_framework()
SPACE = TeamKey(TenantKey("teams", "tenant-a"), fx.TEAM.id)


def _request(user: str = "A", **changes: object) -> ExportRequest:
    values: dict[str, object] = {
        "format": "docx", "platform": "teams", "tenant_id": "tenant-a", "space": fx.TEAM.id,
        "assessment_id": fx.ASSESSMENT_ID, "user_id": user, "group": True, **changes,
    }
    return ExportRequest.model_validate(values)


@pytest.fixture
async def store() -> AsyncIterator[MemoryStore]:
    store = MemoryStore()
    await store.open()
    for doc in (fx.TEAM, fx.ASSESSMENT, *fx.RESPONSES, *fx.AGREEMENTS.values(), *fx.ACTIONS):
        await store.put(SPACE, doc)
    yield store
    await store.close()


async def test_a_group_export_shows_figures_notes_and_answers_only_for_sections_enough_members_answered(
    store: MemoryStore,
) -> None:
    data = await exports.gather(store, FRAMEWORK, _request(history=True), fx.TODAY)
    sections = {s.code: s for p in data.phases for s in p.sections}

    assert sections["1a"].counts == (1, 2, 0, 1) and sections["1a"].median == 2
    assert set(sections["1a"].evidence) == {"Forum minutes, October", "Survey of carers"}
    assert sections["1b"].counts is None and sections["1b"].median is None and sections["1b"].answered == 2
    assert sections["1d"].chosen == 3 and sections["1d"].rationale == "Plan signed off"
    assert {row.section for row in data.answers} == {"1a", "1c", "1d", "4a"}
    assert {row.author for row in data.answers} == {"member", "former member"}
    assert [(r.section, r.rating) for r in data.revisions] == [("1c", "Developing")]


async def test_a_group_export_names_action_owners_and_marks_overdue_ones(store: MemoryStore) -> None:
    data = await exports.gather(store, FRAMEWORK, _request(), fx.TODAY)
    by_title = {a.title: a for a in data.actions}

    assert by_title["Action 2"].owner == "Ben" and by_title["Action 2"].status == "overdue"
    assert by_title["Action 6"].owner == "Finn (former member)"
    assert by_title["Action 4"].status == "done" and by_title["Action 3"].status == "open"
    assert data.group == "Equity forum" and data.cycle == 1 and data.made_on == "2026-11-23"


async def test_members_may_export_a_groups_assessment_only_once_a_lead_shares_it_and_others_never(
    store: MemoryStore,
) -> None:
    with pytest.raises(NotAllowed):
        await exports.gather(store, FRAMEWORK, _request("B"), fx.TODAY)
    with pytest.raises(NotAllowed):
        await exports.gather(store, FRAMEWORK, _request("F"), fx.TODAY)
    await store.put(SPACE, fx.TEAM.model_copy(update={"share_results": True}))
    assert (await exports.gather(store, FRAMEWORK, _request("B"), fx.TODAY)).group == "Equity forum"
    with pytest.raises(NotAllowed):
        await exports.gather(store, FRAMEWORK, _request("stranger"), fx.TODAY)


async def test_a_request_naming_a_group_assessment_as_personal_or_another_tenant_finds_nothing(store: MemoryStore) -> None:
    with pytest.raises(NotFound):
        await exports.gather(store, FRAMEWORK, _request(group=False), fx.TODAY)
    with pytest.raises(NotFound):
        await exports.gather(store, FRAMEWORK, _request(tenant_id="tenant-b"), fx.TODAY)
    with pytest.raises(NotFound):
        await exports.gather(store, FRAMEWORK, _request(assessment_id="a-unknown"), fx.TODAY)
