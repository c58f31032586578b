"""Reminders in Teams, over HTTP: an action taken in a chat is reminded at 09:00 its owner's time, before, on and
weekly after its due date, moved out of quiet hours, weekends and bank holidays; pressing Done on the reminder closes
the action and the reminders already sent show the outcome in place.

Delivery itself (429 then success, a permanent 403, an unreachable person, restarts, crashes, two loops) is proved
for every job kind in tests/test_jobs.py, test_scheduler.py and test_scheduler_delivery.py; here it is reminders.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.http import STORE
from bot.keys import TeamKey, TenantKey
from bot.models import Action
from bot.services import reminder_settings
from tests import builders
from tests.harness import NOW, RunningBot, running_bot
from tests.manual_clock import ManualClock
from tests.reminder_harness import LONDON, days, london, next_job, reminders_to, run_jobs, sent_times, take_an_action

TENANT = TenantKey("teams", "tenant-a")
ALICE = TeamKey(TENANT, "user:29:alice")
ALICE_CHAT = "a:personal-29:alice"


pytestmark = pytest.mark.usefixtures("no_pacing")


@pytest.fixture
async def bot(tmp_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    async with running_bot(tmp_path / "data", clock=clock) as running:
        yield running


async def _action(bot: RunningBot) -> Action:
    (action,) = await bot.app[STORE].find(ALICE, Action)
    return action


async def test_an_action_is_reminded_before_on_and_weekly_after_its_due_date_at_nine_london_time(
    bot: RunningBot, clock: ManualClock
) -> None:
    await take_an_action(bot.chat())
    assert (await _action(bot)).due.isoformat() == "2026-12-07"

    passes = await run_jobs(bot, clock, until=london(2026, 12, 31, 0))

    assert sent_times(passes) == [
        london(2026, 12, 3, 9),  # two working days before Monday 7 December
        london(2026, 12, 7, 9),
        london(2026, 12, 14, 9),
        london(2026, 12, 21, 9),
        london(2026, 12, 29, 8),  # 28 December is a bank holiday in England: the start of Tuesday's working hours
    ]
    titles = [sent.title for sent in reminders_to(bot, ALICE_CHAT)]
    assert titles == ["Coming up: an action due 7 Dec 2026", "Due today: one of your actions"] + [
        "Overdue since 7 Dec 2026: one of your actions"
    ] * 3
    first = reminders_to(bot, ALICE_CHAT)[0]
    assert list(first.submits()) == ["Done", "Snooze a week", "Update"]
    assert any("reminders off" in text for text in first.texts())


async def test_pressing_done_on_the_reminder_closes_the_action_cancels_the_rest_and_updates_each_sent_one_in_place(
    bot: RunningBot, clock: ManualClock
) -> None:
    chat = bot.chat()
    await take_an_action(chat)
    await run_jobs(bot, clock, until=london(2026, 12, 7, 9))
    before, on_the_day = reminders_to(bot, ALICE_CHAT)

    (done,) = await chat.tap(on_the_day, "Done")
    passes = await run_jobs(bot, clock, until=london(2027, 2, 1, 0))

    assert done.updated and done.id == on_the_day.id and "Well done: marked as done." in done.said()
    assert (await _action(bot)).status == "done"
    assert sent_times(passes) == []
    assert [kind for p in passes for kind in p.kinds] == ["reminder_outcome", "reminder_outcome"]
    shown = {update["id"]: update for update in bot.connector.updates}
    for sent in (before, on_the_day):
        outcome = shown[sent.id]
        assert outcome["attachments"][0]["content"]["body"][0]["text"] == "Action done"
    assert "Done" not in str(shown[before.id]["attachments"][0]["content"].get("actions", ""))


async def test_done_pressed_twice_on_a_reminder_changes_the_action_once(bot: RunningBot, clock: ManualClock) -> None:
    chat = bot.chat()
    await take_an_action(chat)
    await run_jobs(bot, clock, until=london(2026, 12, 3, 9))
    (reminder,) = reminders_to(bot, ALICE_CHAT)
    tap = chat.tapping(reminder, "Done")

    await chat.post(tap)
    (again,) = await chat.post({**tap, "id": "a-new-activity-id"})

    assert again.text == "That was already done, so I left it as it is."
    assert (await _action(bot)).status == "done"


async def test_typing_done_in_reply_to_a_reminder_works_like_its_button(bot: RunningBot, clock: ManualClock) -> None:
    chat = bot.chat()
    await take_an_action(chat)
    await run_jobs(bot, clock, until=london(2026, 12, 3, 9))

    (done,) = await chat.say("Done")

    assert done.text == "Well done: marked as done."
    assert (await _action(bot)).status == "done"


async def test_snooze_a_week_moves_the_due_date_and_its_reminders_with_it(bot: RunningBot, clock: ManualClock) -> None:
    chat = bot.chat()
    await take_an_action(chat)
    await run_jobs(bot, clock, until=london(2026, 12, 3, 9))
    (reminder,) = reminders_to(bot, ALICE_CHAT)

    await chat.tap(reminder, "Snooze a week")
    passes = await run_jobs(bot, clock, until=london(2026, 12, 22, 0))

    assert (await _action(bot)).due.isoformat() == "2026-12-14"
    assert sent_times(passes) == [london(2026, 12, 10, 9), london(2026, 12, 14, 9), london(2026, 12, 21, 9)]


async def test_update_on_the_reminder_opens_the_action_with_all_its_changes(bot: RunningBot, clock: ManualClock) -> None:
    chat = bot.chat()
    await take_an_action(chat)
    await run_jobs(bot, clock, until=london(2026, 12, 3, 9))
    (reminder,) = reminders_to(bot, ALICE_CHAT)

    (opened,) = await chat.tap(reminder, "Update")

    assert opened.title == "Action for 4a"
    assert "Rename" in opened.submits()


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # due Wednesday 17 March 2027; the clocks go forward on 28 March
        (london(2027, 3, 3, 10), [london(2027, 3, 24, 9), london(2027, 3, 31, 9), london(2027, 4, 7, 9)]),
        # due Monday 18 October 2027; the clocks go back on 31 October
        (london(2027, 10, 4, 10), [london(2027, 10, 25, 9), london(2027, 11, 1, 9), london(2027, 11, 8, 9)]),
    ],
    ids=["march", "october"],
)
async def test_a_weekly_overdue_reminder_stays_at_nine_local_across_the_clock_change(
    tmp_path: Path, start: datetime, expected: list[datetime]
) -> None:
    clock = ManualClock(start)
    async with running_bot(tmp_path / "data", clock=clock) as bot:
        await take_an_action(bot.chat())
        passes = await run_jobs(bot, clock, until=expected[-1])

    overdue = sent_times(passes)[2:]
    assert overdue == expected
    assert {at.astimezone(LONDON).hour for at in overdue} == {9}
    assert len({at.hour for at in overdue}) == 2  # 09:00 in UTC one side of the change, 08:00 the other


async def test_a_reminder_due_at_a_weekend_moves_to_the_start_of_monday_working_hours(tmp_path: Path) -> None:
    clock = ManualClock(london(2026, 11, 21, 10))  # a Saturday: the action is due on Saturday 5 December
    async with running_bot(tmp_path / "data", clock=clock) as bot:
        await take_an_action(bot.chat())
        passes = await run_jobs(bot, clock, until=london(2026, 12, 8, 0))

    assert sent_times(passes) == [london(2026, 12, 3, 9), london(2026, 12, 7, 8)]


async def test_a_reminder_waiting_out_a_weekend_survives_an_edit_of_the_action_meanwhile(tmp_path: Path) -> None:
    clock = ManualClock(london(2026, 11, 21, 10))  # due Saturday 5 December; its reminder waits for Monday
    async with running_bot(tmp_path / "data", clock=clock) as bot:
        chat = bot.chat()
        await take_an_action(chat)
        await run_jobs(bot, clock, until=london(2026, 12, 5, 12))
        clock.set(london(2026, 12, 6, 11))
        (listed,) = await chat.say("actions")
        (card,) = await chat.tap(listed, "Edit 1")
        await chat.tap(card, "Make it long term")
        passes = await run_jobs(bot, clock, until=london(2026, 12, 8, 0))

    assert sent_times(passes) == [london(2026, 12, 7, 8)]


async def test_quiet_hours_set_for_the_deployment_hold_a_reminder_until_they_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REFLECT_QUIET_HOURS", "18:00-10:30")
    clock = ManualClock(NOW)
    async with running_bot(tmp_path / "data", clock=clock) as bot:
        await take_an_action(bot.chat())
        passes = await run_jobs(bot, clock, until=london(2026, 12, 8, 0))

    assert sent_times(passes) == [london(2026, 12, 3, 10, 30), london(2026, 12, 7, 10, 30)]


async def test_a_reminder_missed_while_down_goes_once_at_the_next_working_start_marked_late(
    bot: RunningBot, clock: ManualClock
) -> None:
    await take_an_action(bot.chat())
    clock.set(london(2026, 12, 3, 21))  # the bot was down through the 09:00 reminder; it is now quiet hours

    passes = await run_jobs(bot, clock, until=london(2026, 12, 4, 12))

    assert [p.outcomes for p in passes] == [("deferred",), ("sent",)]
    assert sent_times(passes) == [london(2026, 12, 4, 8)]
    (late,) = reminders_to(bot, ALICE_CHAT)
    assert "This reminder comes later than planned: Reflect was not running at its time." in late.texts()


async def test_the_owners_teams_time_zone_is_learned_and_their_reminders_follow_it(bot: RunningBot, clock: ManualClock) -> None:
    chat = bot.chat()
    body = builders.message(bot.connector.url, "hi", entities=[{"type": "clientInfo", "timezone": "America/New_York"}])
    await chat.post(body)
    await take_an_action(chat)

    passes = await run_jobs(bot, clock, until=london(2026, 12, 8, 0))

    assert (await reminder_settings.preferences(bot.app[STORE], TENANT, "29:alice")).time_zone == "America/New_York"
    assert sent_times(passes) == [london(2026, 12, 3, 14), london(2026, 12, 7, 14)]  # 09:00 in New York


@pytest.mark.parametrize(
    ("zone", "hour", "minute"), [("Asia/Kolkata", 3, 30), ("America/New_York", 14, 0)], ids=["east", "west"]
)
async def test_a_zone_learned_after_the_action_moves_its_pending_reminders_to_nine_there(
    bot: RunningBot, clock: ManualClock, zone: str, hour: int, minute: int
) -> None:
    chat = bot.chat()
    await take_an_action(chat)
    await chat.post(builders.message(bot.connector.url, "hi", entities=[{"type": "clientInfo", "timezone": zone}]))

    passes = await run_jobs(bot, clock, until=london(2026, 12, 8, 0))

    assert sent_times(passes) == [
        datetime(2026, 12, 3, hour, minute, tzinfo=UTC), datetime(2026, 12, 7, hour, minute, tzinfo=UTC)
    ]


async def test_local_timezone_on_the_activity_is_learned_too(bot: RunningBot) -> None:
    body = builders.message(bot.connector.url, "hi")
    body["localTimezone"] = "Europe/Dublin"
    await bot.chat().post(body)

    assert (await reminder_settings.preferences(bot.app[STORE], TENANT, "29:alice")).time_zone == "Europe/Dublin"


async def test_a_zone_that_is_not_iana_is_ignored(bot: RunningBot) -> None:
    body = builders.message(bot.connector.url, "hi")
    body["localTimezone"] = "GMT Standard Time"
    await bot.chat().post(body)

    assert (await reminder_settings.preferences(bot.app[STORE], TENANT, "29:alice")).time_zone is None


async def test_reminders_off_stops_them_and_a_lead_time_moves_the_first_one(bot: RunningBot, clock: ManualClock) -> None:
    chat = bot.chat()
    await take_an_action(chat)

    (changed,) = await chat.say("reminders 3 days")
    job = await next_job(bot)
    (off,) = await chat.say("reminders off")
    passes = await run_jobs(bot, clock, until=london(2027, 1, 1, 0))
    (shown,) = await chat.say("reminders")

    assert changed.text == "Done: reminders are now on, 3 working days ahead."
    assert job is not None and job.due_at == london(2026, 12, 2, 9)
    assert off.text == "Done: reminders are now off."
    assert sent_times(passes) == []
    assert shown.texts()[1] == "Off: you get no reminders about your actions."


async def test_a_reminder_setting_that_makes_no_sense_is_refused_politely(bot: RunningBot) -> None:
    (refused,) = await bot.chat().say("reminders 40 days")

    assert refused.text is not None and refused.text.startswith("I did not catch that.")
    assert (await reminder_settings.preferences(bot.app[STORE], TENANT, "29:alice")).reminders is None


async def test_the_reminders_card_shows_the_default_and_where_it_comes_from(bot: RunningBot) -> None:
    (card,) = await bot.chat().say("reminders")

    assert card.title == "Your reminders"
    assert card.texts()[1:3] == [
        "On: 2 working days before an action is due, on the due date, and weekly while overdue, at 09:00 your time.",
        "This is your team's default; your own choice would outrank it.",
    ]


async def test_closing_an_action_before_any_reminder_cancels_them_all(bot: RunningBot, clock: ManualClock) -> None:
    chat = bot.chat()
    await take_an_action(chat)
    (listed,) = await chat.say("actions")
    (card,) = await chat.tap(listed, "Edit 1")
    await chat.tap(card, "Mark done")

    assert await next_job(bot) is None
    clock.advance(days(60) + timedelta(hours=1))
    assert await run_jobs(bot, clock, until=clock()) == []
