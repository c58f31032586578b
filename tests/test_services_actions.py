"""Action rules called directly over a store, with no HTTP and no conversation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.framework import Level, load_framework
from bot.keys import AssessmentKey, TeamKey, TenantKey
from bot.models import NOT_SURE, Action, Person
from bot.services import actions
from bot.store import Store

FRAMEWORK = load_framework()
TEAM = TeamKey(TenantKey("slack", "T1"), "user:ada")
KEY = AssessmentKey(TEAM, "a-1")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
SECTION = FRAMEWORK.section("4a")


def test_ideas_come_from_the_level_above_and_not_sure_starts_at_the_first_level() -> None:
    assert actions.ideas(SECTION, Level.EMERGING) == SECTION.level(Level.DEVELOPING).activities[:3]
    assert actions.ideas(SECTION, Level.THRIVING) == SECTION.level(Level.THRIVING).activities[:3]
    assert actions.ideas(SECTION, NOT_SURE) == SECTION.level(Level.EMERGING).activities[:3]
    assert all(len(actions.ideas(s, level)) <= actions.MAX_IDEAS for s in FRAMEWORK.sections for level in Level)


def test_an_idea_past_the_offered_list_is_refused() -> None:
    offered = actions.ideas(SECTION, Level.MATURING)

    assert actions.idea(SECTION, Level.MATURING, len(offered) - 1) == offered[-1]
    with pytest.raises(InvalidInput):
        actions.idea(SECTION, Level.MATURING, len(offered))


async def test_a_taken_idea_is_a_quick_win_due_in_fourteen_days_and_only_once(store: Store) -> None:
    title = actions.idea(SECTION, Level.DEVELOPING, 0)

    action = await actions.take_idea(store, KEY, "ada", "4a", title, NOW)
    again = await actions.take_idea(store, KEY, "ada", "4a", title, NOW + timedelta(minutes=1))

    assert action is not None and again is None
    assert (action.title, action.horizon, action.status, action.due) == (title, "quick_win", "open", date(2026, 12, 7))
    assert await store.find(TEAM, Action) == [action]
    assert await actions.taken(store, KEY, "ada", "4a") == {title}
    assert await actions.taken(store, KEY, "bea", "4a") == set()


async def test_open_actions_and_the_count_per_phase_are_one_persons(store: Store) -> None:
    mine = await actions.take_idea(store, KEY, "ada", "4a", "Map local groups", NOW)
    await actions.take_idea(store, KEY, "ada", "1a", "Ask the forum", NOW)
    await actions.take_idea(store, KEY, "bea", "4b", "Hold a workshop", NOW)
    assert mine is not None
    await actions.edit(store, TEAM, mine.id, "ada", "done", NOW)

    assert [a.title for a in await actions.open_actions(store, TEAM, "ada")] == ["Ask the forum"]
    assert await actions.count_in_phase(store, KEY, "ada", FRAMEWORK.phase("Prepare")) == 1
    assert await actions.count_in_phase(store, KEY, "bea", FRAMEWORK.phase("Check")) == 0


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("done", {"status": "done"}),
        ("in_progress", {"status": "in_progress"}),
        ("drop", {"status": "dropped"}),
        ("long_term", {"horizon": "long_term"}),
        ("later_7", {"due": date(2026, 12, 14)}),
        ("later_28", {"due": date(2027, 1, 4)}),
        ("rename", {"title": "Map groups with the council"}),
    ],
)
async def test_each_edit_changes_one_thing_stamps_the_time_and_records_who_what_when(
    store: Store, change: str, expected: dict[str, object]
) -> None:
    action = await actions.take_idea(store, KEY, "ada", "4a", "Map local groups", NOW)
    assert action is not None
    later = NOW + timedelta(hours=1)

    edited = await actions.edit(store, TEAM, action.id, "ada", change, later, title="Map groups with the council")  # type: ignore[arg-type]

    (entry,) = edited.history[1:]
    assert edited == action.model_copy(update={**expected, "updated_at": later, "history": (*action.history, entry)})
    assert (entry.by, entry.at, entry.what) == ("ada", later, next(iter(expected)))
    assert "Map groups" not in entry.model_dump_json()


async def test_a_change_that_changes_nothing_writes_no_history(store: Store) -> None:
    action = await actions.take_idea(store, KEY, "ada", "4a", "Map local groups", NOW)
    assert action is not None

    assert await actions.edit(store, TEAM, action.id, "ada", "reopen", NOW + timedelta(hours=1)) == action
    assert await actions.edit(store, TEAM, action.id, "ada", "quick_win", NOW + timedelta(hours=1)) == action


async def test_a_rename_without_a_title_and_someone_elses_action_change_nothing(store: Store) -> None:
    action = await actions.take_idea(store, KEY, "ada", "4a", "Map local groups", NOW)
    assert action is not None

    with pytest.raises(InvalidInput):
        await actions.edit(store, TEAM, action.id, "ada", "rename", NOW)
    with pytest.raises(NotAllowed):
        await actions.edit(store, TEAM, action.id, "bea", "done", NOW)
    with pytest.raises(NotFound):
        await actions.edit(store, TEAM, "act-missing", "ada", "done", NOW)
    with pytest.raises(NotAllowed):
        await actions.permitted(store, TEAM, action.id, "bea")
    assert await actions.permitted(store, TEAM, action.id, "ada") == action
    assert await store.find(TEAM, Action) == [action]


def test_quick_picks_count_from_today_and_the_month_end_moves_on_at_the_month_end() -> None:
    today = date(2026, 11, 23)
    assert actions.picked_day("1w", today) == date(2026, 11, 30)
    assert actions.picked_day("2w", today) == date(2026, 12, 7)
    assert actions.picked_day("month_end", today) == date(2026, 11, 30)
    assert actions.picked_day("month_end", date(2026, 11, 30)) == date(2026, 12, 31)
    assert actions.picked_day("month_end", date(2027, 1, 31)) == date(2027, 2, 28)


def test_a_due_date_in_the_past_or_years_away_is_refused_and_today_is_fine() -> None:
    today = date(2026, 11, 23)
    assert actions.check_due(today, today, today) == today
    with pytest.raises(InvalidInput, match="Sunday 22 November 2026 has already passed"):
        actions.check_due(date(2026, 11, 22), today, today)
    with pytest.raises(InvalidInput):
        actions.check_due(date(2032, 1, 1), today, today)


async def test_an_action_stored_before_owners_and_history_still_loads_and_can_be_changed(store: Store) -> None:
    old = {
        "id": "act-old", "assessment_id": "a-1", "section": "4a", "title": "Old", "owner_id": "ada",
        "due": "2026-12-01", "horizon": "quick_win", "status": "open",
        "created_at": NOW.isoformat(), "updated_at": NOW.isoformat(),
    }
    await store.put(TEAM, Action.model_validate(old))

    (listed,) = await actions.mine(store, TEAM.tenant, TEAM, "ada")
    edited = await actions.edit(store, TEAM, "act-old", "ada", "done", NOW)

    assert (listed.space, listed.made_by, listed.history) == ("user:ada", "ada", ())
    assert (edited.status, edited.space, [e.what for e in edited.history]) == ("done", "user:ada", ["status"])


async def test_an_owner_finds_an_action_given_in_someone_elses_space(store: Store) -> None:
    action = await actions.take_idea(store, KEY, "ada", "4a", "Map local groups", NOW)
    assert action is not None
    bea = Person(user_id="bea", name="Bea")

    moved, changed = await actions.reassign(store, TEAM, action.id, "ada", bea, NOW, via=None, by="Ada")
    again, twice = await actions.reassign(store, TEAM, action.id, "ada", bea, NOW, via=None, by="Ada")
    bea_home = TeamKey(TEAM.tenant, "user:bea")

    assert changed and not twice and again == moved
    assert [a.id for a in await actions.mine(store, TEAM.tenant, bea_home, "bea")] == [action.id]
    assert await actions.permitted(store, TEAM, action.id, "bea") == moved
    assert await actions.permitted(store, TEAM, action.id, "ada") == moved
    (job,) = [j for j in await store.due_jobs(NOW) if j.kind == "action_assigned"]
    assert job.payload == {"action": action.id, "owner": "bea", "by": "ada", "by_name": "Ada"}
