"""Reminders for a working group's actions in Teams, over HTTP: an owner who never wrote to the bot is reached
through the group channel's roster; one who cannot be reached is shown so to whoever assigned the action, once;
and the group's nation decides which bank holidays hold a reminder back.

Actions are given to their owners through the actions service, as the actions flows do; its one write of an action
plans the reminders.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from adapters.http import STORE
from adapters.store.memory import MemoryStore
from bot.jobs import Outcome
from bot.models import Action, Person
from bot.services import actions
from tests import group_harness as g
from tests.fakes.connector import FakeConnector
from tests.harness import NOW, RunningBot, running_bot
from tests.manual_clock import ManualClock
from tests.reminder_harness import Ran, london, run_jobs, sent_times

ST_ANDREWS_DAY = date(2026, 11, 30)
"""A Monday, and a bank holiday in Scotland only."""


pytestmark = pytest.mark.usefixtures("no_pacing")


@pytest.fixture
async def bot(tmp_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    reachable = set(g.PEOPLE) - {"29:eve"}
    async with FakeConnector(roster=reachable, members={g.TEAM: g.ROSTER}, page_limit=2) as connector:
        async with running_bot(tmp_path / "data", clock=clock, connector=connector, store=MemoryStore()) as running:
            yield running


async def _group(bot: RunningBot, *members: str, nation: str | None = None) -> None:
    alice = g.in_channel(bot, "29:alice")
    await g.command(alice, "link this channel")
    await g.command(alice, "add", *members)
    if nation is not None:
        await g.command(alice, f"set nation {nation}")


async def _assign(bot: RunningBot, owner: str, due: date, *, by: str = "29:alice") -> Action:
    """A lead adds an action in the group, gives it to `owner` and sets its due date, through the actions service
    (whose one write plans the reminders); the new owner is told by a message of its own first."""
    store = bot.app[STORE]
    action = await actions.create(store, g.SPACE, Person(user_id=by, name=g.PEOPLE[by]), "Book the community venue", NOW)
    if owner != by:
        action, _ = await actions.reassign(
            store, g.SPACE, action.id, by, Person(user_id=owner, name=g.PEOPLE[owner]), NOW, via=g.CHANNEL
        )
    return await actions.set_due(store, g.SPACE, action.id, by, due, NOW.date(), NOW)


def _outcomes(passes: list[Ran], kind: str) -> list[Outcome]:
    return [outcome for p in passes for ran, outcome in zip(p.kinds, p.outcomes, strict=True) if ran == kind]


async def test_an_owner_who_never_wrote_gets_the_reminder_in_a_chat_opened_through_the_group_roster(
    bot: RunningBot, clock: ManualClock
) -> None:
    await _group(bot, "29:bob")
    await _assign(bot, "29:bob", date(2026, 12, 2))

    passes = await run_jobs(bot, clock, until=london(2026, 12, 3, 0))

    assert sent_times(passes) == [london(2026, 11, 30, 9), london(2026, 12, 2, 9)]
    (created,) = [c for c in bot.connector.conversations if c["members"] == [{"id": "29:bob"}]]
    titles = [sent.title for sent in g.sent_in_direct(bot, "29:bob")]
    assert titles[1:] == ["Coming up: an action due 2 Dec 2026", "Due today: one of your actions"]  # after "given"


@pytest.mark.parametrize(
    ("nation", "on_the_day"),
    [("scotland", london(2026, 12, 1, 8)), ("england", london(2026, 11, 30, 9))],
)
async def test_a_scottish_only_bank_holiday_holds_a_scottish_teams_reminder_and_not_an_english_ones(
    bot: RunningBot, clock: ManualClock, nation: str, on_the_day: object
) -> None:
    await _group(bot, "29:bob", nation=nation)
    await _assign(bot, "29:bob", ST_ANDREWS_DAY)

    passes = await run_jobs(bot, clock, until=london(2026, 12, 2, 0))

    assert sent_times(passes) == [london(2026, 11, 26, 9), on_the_day]


async def test_an_unreachable_owner_is_shown_to_whoever_assigned_the_action_once(bot: RunningBot, clock: ManualClock) -> None:
    await _group(bot, "29:bob", "29:eve")
    await _assign(bot, "29:eve", date(2026, 12, 2))

    passes = await run_jobs(bot, clock, until=london(2026, 12, 3, 0))

    assert _outcomes(passes, "reminder") == ["unreachable", "unreachable"]
    (note,) = g.sent_in_direct(bot, "29:alice")
    assert note.title == "Reflect cannot reach the owner of an action"
    assert note.texts()[1].startswith("A reminder could not be delivered to Eve:")
    assert "Book the community venue" in " ".join(note.texts())
    creates = [r for r in bot.connector.requests if r.kind == "create" and r.body["members"] == [{"id": "29:eve"}]]
    assert len(creates) == 1  # marked unreachable: the second reminder tried nothing


async def test_an_owner_who_assigned_themselves_is_never_told_about_themselves(bot: RunningBot, clock: ManualClock) -> None:
    await _group(bot, "29:eve")
    await _assign(bot, "29:eve", date(2026, 12, 2), by="29:eve")

    passes = await run_jobs(bot, clock, until=london(2026, 12, 3, 0))

    assert _outcomes(passes, "reminder") == ["unreachable", "unreachable"]
    assert _outcomes(passes, "reminder_unreachable") == []
    assert g.sent_in_direct(bot, "29:alice") == []


async def test_a_lead_sets_the_teams_default_and_only_a_lead_may(bot: RunningBot) -> None:
    await _group(bot, "29:bob")
    await _assign(bot, "29:bob", date(2026, 12, 7))

    (refused,) = await g.command(g.in_channel(bot, "29:bob"), "reminders team off")
    (changed,) = await g.command(g.in_channel(bot, "29:alice"), "reminders team 4 days")

    assert refused.text == "Only a lead of this working group can set its default for reminders."
    assert changed.text == "Done: Working group's default is now on, 4 working days ahead. Anyone's own choice still outranks it."
    jobs = await bot.app[STORE].due_jobs(london(2027, 1, 1, 0), limit=10)
    due = [job.due_at for job in jobs if job.kind == "reminder"]
    assert due == [london(2026, 12, 1, 9), london(2026, 12, 7, 9), london(2026, 12, 14, 9)]  # 4 working days ahead


async def test_an_extra_closed_day_of_the_team_holds_its_reminder_to_the_next_working_day(
    bot: RunningBot, clock: ManualClock
) -> None:
    await _group(bot, "29:bob")
    alice = g.in_channel(bot, "29:alice")
    (closed,) = await g.command(alice, "set closed 2026-12-02")
    await g.command(alice, "set closed 2026-12-03")
    await g.command(alice, "set open 2026-12-03")
    await _assign(bot, "29:bob", date(2026, 12, 2))

    passes = await run_jobs(bot, clock, until=london(2026, 12, 4, 0))

    assert closed.text == "Done: a closed day is now 2026-12-02 for Working group."
    assert (await g.group(bot)).closed_days == (date(2026, 12, 2),)
    assert sent_times(passes) == [london(2026, 11, 30, 9), london(2026, 12, 3, 8)]
