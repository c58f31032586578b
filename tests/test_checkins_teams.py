"""Quick-win check-ins in Teams over HTTP, with a controllable clock (see tests/checkin_harness.py for the dates)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.http import STORE
from bot import messages as say
from bot.models import Action, CheckIn
from bot.services import reminder_settings
from tests import checkin_harness as h
from tests import group_harness as g
from tests.fakes.connector import FakeConnector
from tests.harness import RunningBot, running_bot
from tests.manual_clock import ManualClock


pytestmark = pytest.mark.usefixtures("no_pacing")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(h.MONDAY)


@pytest.fixture
async def bot(tmp_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    async with FakeConnector() as connector:
        async with running_bot(tmp_path / "data", clock=clock, connector=connector) as running:
            yield running


async def test_a_lead_previews_who_will_be_asked_and_the_deadline_then_starts_it(bot: RunningBot) -> None:
    alice = await h.with_quick_wins(bot)

    (preview,) = await g.command(alice, "check-in")
    (started,) = await alice.tap(preview, "Start · light nudges")

    assert preview.texts()[:4] == [
        "Check-in for " + say.DEFAULT_GROUP_NAME,
        "To be asked in a direct message, in each person's own working hours (Europe/London where their time zone is"
        " not known): 4 members, Person 29:alice, Bob, Cy, Dee.",
        "About their open quick wins.",
        "Closes Wed 25 Nov 20:00. Answers can change until then.",
    ]
    assert started.text == say.CHECKIN_STARTED.format(members="4 members", when="Wed 25 Nov 20:00")
    (checkin,) = await bot.app[STORE].find(g.SPACE, CheckIn)
    assert (checkin.status, checkin.deadline, checkin.profile) == ("open", h.DEADLINE, "light")


async def _asked(bot: RunningBot) -> None:
    """The group's invitations to rate go out first (opening Bob's, Cy's and Dee's chats); then the check-in."""
    alice = await h.with_quick_wins(bot)
    await g.settle(bot)
    await h.start(bot, alice)
    await g.settle(bot)


async def test_every_member_gets_one_card_listing_their_open_quick_wins_and_a_member_with_none_one_question(
    bot: RunningBot,
) -> None:
    await _asked(bot)

    (bob,) = h.cards_to(bot, "29:bob")
    (dee,) = h.cards_to(bot, "29:dee")
    assert bob.texts()[1:4] == [
        "Person 29:alice asked how your quick wins are going. Choose one answer for each; you can change them until Wed 25 Nov 20:00.",
        "1 · Share the survey with the carers' forum · due 30 Nov 2026",
        "2 · Book the library room · due 4 Dec 2026",
    ]
    assert list(bob.submits()) == [
        "1 Done", "1 Progressing", "1 Stuck", "2 Done", "2 Progressing", "2 Stuck", say.CHECKIN_AWAY,
    ]
    assert say.CHECKIN_STOP in bob.texts()
    assert say.CHECKIN_NEW_QUESTION in dee.texts()
    assert list(dee.submits()) == [say.CHECKIN_NEW_SAVE, say.CHECKIN_AWAY]
    opened = [c["members"][0]["id"] for c in bot.connector.conversations]
    assert sorted(opened[:3]) == ["29:bob", "29:cy", "29:dee"] and opened[3:] == ["29:alice"]


async def test_answers_update_the_card_in_place_done_closes_the_action_and_a_change_of_mind_reopens_it(
    bot: RunningBot,
) -> None:
    await _asked(bot)
    (card,) = h.cards_to(bot, "29:bob")
    bob = h.member(bot, "29:bob")

    await bob.tap(card, "1 Done")
    done = await bot.app[STORE].get(g.SPACE, Action, "act-bob-1")
    (after_done,) = h.updates_of(bot, card.id)
    await bob.tap(after_done, "1 Stuck")
    (_, after_stuck) = h.updates_of(bot, card.id)
    await bob.tap(after_stuck, say.CHECKIN_NOTE_SAVE, text="Waiting for the forum's dates")
    noted = h.updates_of(bot, card.id)[-1]

    assert done is not None and done.status == "done"
    assert "1 · Share the survey with the carers' forum · due 30 Nov 2026 · your answer: Done" in after_done.texts()
    reopened = await bot.app[STORE].get(g.SPACE, Action, "act-bob-1")
    assert reopened is not None and reopened.status == "open"
    assert (
        "1 · Share the survey with the carers' forum · due 30 Nov 2026 · your answer: Stuck (Waiting for the forum's dates)"
        in noted.texts()
    )
    assert h.cards_to(bot, "29:bob") == [card]


async def test_a_member_with_no_quick_wins_names_one_and_it_becomes_their_action_due_in_a_fortnight(bot: RunningBot) -> None:
    await _asked(bot)
    (card,) = h.cards_to(bot, "29:dee")

    await h.member(bot, "29:dee").tap(card, say.CHECKIN_NEW_SAVE, text="Visit the Tuesday drop-in")

    (action,) = await bot.app[STORE].find(g.SPACE, Action, owner_id="29:dee")
    assert (action.title, action.horizon, action.status, str(action.due)) == (
        "Visit the Tuesday drop-in", "quick_win", "open", "2026-12-07",
    )
    assert say.CHECKIN_NEW_SAVED.format(title="Visit the Tuesday drop-in", due="7 Dec 2026") in h.updates_of(bot, card.id)[-1].texts()


async def test_only_non_responders_are_nudged_once_halfway_and_never_in_quiet_hours(bot: RunningBot, clock: ManualClock) -> None:
    await _asked(bot)
    (bob_card,) = h.cards_to(bot, "29:bob")
    await h.member(bot, "29:bob").tap(bob_card, "1 Progressing")
    await h.member(bot, "29:dee").tap(h.cards_to(bot, "29:dee")[0], say.CHECKIN_AWAY)

    clock.set(h.HALFWAY.replace(hour=14, minute=44))
    early = await g.settle(bot)
    clock.set(h.HALFWAY)
    await g.settle(bot)
    nudged = {user: len(h.cards_to(bot, user)) for user in ("29:alice", "29:bob", "29:cy", "29:dee")}
    clock.set(h.DEADLINE.replace(hour=19))
    await g.settle(bot)

    assert early == []
    assert nudged == {"29:alice": 2, "29:bob": 1, "29:cy": 2, "29:dee": 1}
    (_, cy_nudge) = h.cards_to(bot, "29:cy")
    assert cy_nudge.texts()[1] == say.CHECKIN_NUDGE_HALFWAY
    assert list(cy_nudge.submits())[-2:] == [say.CHECKIN_SNOOZE, say.CHECKIN_AWAY]
    assert {user: len(h.cards_to(bot, user)) for user in nudged} == nudged


async def test_a_member_whose_time_zone_is_known_is_asked_in_their_own_working_hours(
    bot: RunningBot, clock: ManualClock
) -> None:
    """The zone as Teams reports it (learned over HTTP in tests/test_reminders_teams.py)."""
    await reminder_settings.learn_time_zone(bot.app[STORE], g.TENANT, "29:bob", "America/New_York", h.MONDAY)
    await _asked(bot)
    at_once = len(h.cards_to(bot, "29:bob"))
    times = await _hourly_until(bot, clock, h.MONDAY.replace(hour=15), "29:bob")

    assert at_once == 0 and len(h.cards_to(bot, "29:cy")) == 1
    assert times == [h.MONDAY.replace(hour=13, minute=30)]  # 08:30 in New York, the first hour past its quiet hours


async def _hourly_until(bot: RunningBot, clock: ManualClock, end: datetime, user: str) -> list[datetime]:
    """Move the clock an hour at a time (from 09:30), running the scheduler each time; when each card went out."""
    times: list[datetime] = []
    while clock() < end:
        clock.advance(timedelta(hours=1))
        before = len(h.cards_to(bot, user))
        await g.settle(bot)
        times += [clock()] * (len(h.cards_to(bot, user)) - before)
    return times


async def test_an_active_profile_adds_a_closing_day_nudge_never_within_24_hours_nor_in_quiet_hours(
    bot: RunningBot, clock: ManualClock
) -> None:
    alice = await h.with_quick_wins(bot)
    await g.settle(bot)
    await h.start(bot, alice, "check-in by friday", "Start · active nudges")
    await g.settle(bot)

    times = await _hourly_until(bot, clock, datetime(2026, 11, 28, 12, 0, tzinfo=UTC), "29:cy")

    cy = h.cards_to(bot, "29:cy")
    assert [c.texts()[1] for c in cy[1:]] == [say.CHECKIN_NUDGE_HALFWAY, say.CHECKIN_NUDGE_CLOSING]
    assert times == [datetime(2026, 11, 25, 15, 30, tzinfo=UTC), datetime(2026, 11, 27, 8, 30, tzinfo=UTC)]


async def test_with_the_default_two_days_the_closing_day_nudge_waits_24_hours_after_the_halfway_one(
    bot: RunningBot, clock: ManualClock
) -> None:
    alice = await h.with_quick_wins(bot)
    await g.settle(bot)
    await h.start(bot, alice, "check-in", "Start · active nudges")
    await g.settle(bot)

    times = await _hourly_until(bot, clock, h.DEADLINE, "29:cy")

    assert times == [datetime(2026, 11, 24, 15, 30, tzinfo=UTC), datetime(2026, 11, 25, 15, 30, tzinfo=UTC)]


async def _answer_all_but_alice(bot: RunningBot) -> None:
    """Bob: Done and Stuck with a note; Cy: Progressing; Dee names a new quick win; Alice says nothing."""
    bob = h.member(bot, "29:bob")
    (card,) = h.cards_to(bot, "29:bob")
    await bob.tap(card, "1 Done")
    await bob.tap(h.updates_of(bot, card.id)[-1], "2 Stuck")
    await bob.tap(h.updates_of(bot, card.id)[-1], say.CHECKIN_NOTE_SAVE, text="No room free until January")
    await h.member(bot, "29:cy").tap(h.cards_to(bot, "29:cy")[0], "1 Progressing")
    await h.member(bot, "29:dee").tap(h.cards_to(bot, "29:dee")[0], say.CHECKIN_NEW_SAVE, text="Visit the Tuesday drop-in")


SUMMARY_FACTS = [
    "Stuck: Bob · Book the library room · No room free until January",
    "Done: Bob · Share the survey with the carers' forum",
    "Progressing: Cy · Ask the PCN for the list",
    "New quick win: Dee · Visit the Tuesday drop-in",
]


def _summary(bot: RunningBot, conversation: str) -> list[str]:
    (found,) = [s for s in g.posted(bot, conversation) if s.title == say.CHECKIN_SUMMARY_TITLE.format(name=say.DEFAULT_GROUP_NAME)]
    return found.texts()


async def test_at_the_deadline_the_summary_reaches_the_channel_in_working_time_stuck_first_and_leads_hear_who_was_silent(
    bot: RunningBot, clock: ManualClock
) -> None:
    await _asked(bot)
    await _answer_all_but_alice(bot)

    clock.set(h.DEADLINE)
    at_deadline = await g.settle(bot)
    clock.set(datetime(2026, 11, 26, 8, 0, tzinfo=UTC))
    await g.settle(bot)

    assert "sent" not in at_deadline
    texts = _summary(bot, g.CHANNEL)
    assert texts[1] == "3 of 4 members responded."
    assert [t for t in texts if ":" in t and "·" in t] == SUMMARY_FACTS
    assert say.CHECKIN_SUMMARY_WHY in texts
    assert all("alice" not in t for t in texts)
    (leads,) = [s for s in g.sent_in_direct(bot, "29:alice") if s.title and "who did not answer" in s.title]
    assert "No answer: Person 29:alice · asked Mon 23 Nov 09:30" in leads.texts()
    (checkin,) = await bot.app[STORE].find(g.SPACE, CheckIn)
    assert checkin.status == "closed" and checkin.closed_at == h.DEADLINE


async def test_when_everyone_has_answered_it_closes_early_as_a_reply_in_the_digests_thread(
    bot: RunningBot, clock: ManualClock
) -> None:
    alice = await h.with_quick_wins(bot)
    await g.command(alice, "digest")
    await g.settle(bot)
    (headline,) = [s for s in g.posted(bot, g.CHANNEL) if s.card is not None]
    await h.start(bot, alice)
    await g.settle(bot)
    await _answer_all_but_alice(bot)
    await h.member(bot, "29:alice").tap(h.cards_to(bot, "29:alice")[0], say.CHECKIN_AWAY)

    await g.settle(bot)

    texts = _summary(bot, f"{g.CHANNEL};messageid={headline.id}")
    assert texts[1] == "3 of 4 members responded. 1 away."
    (checkin,) = await bot.app[STORE].find(g.SPACE, CheckIn)
    assert checkin.status == "closed" and checkin.closed_at == h.MONDAY
    clock.set(h.DEADLINE + timedelta(hours=13))
    assert set(await g.settle(bot)) == {"skipped"}


async def test_a_late_answer_updates_the_summary_in_place_marked_late(bot: RunningBot, clock: ManualClock) -> None:
    await _asked(bot)
    await _answer_all_but_alice(bot)
    clock.set(datetime(2026, 11, 26, 8, 0, tzinfo=UTC))
    await g.settle(bot)
    (summary,) = [s for s in g.posted(bot, g.CHANNEL) if s.title == say.CHECKIN_SUMMARY_TITLE.format(name=say.DEFAULT_GROUP_NAME)]

    await h.member(bot, "29:alice").tap(h.cards_to(bot, "29:alice")[0], say.CHECKIN_NEW_SAVE, text="Call the mosque")
    clock.advance(timedelta(minutes=5))
    await g.settle(bot)

    (updated,) = h.updates_of(bot, summary.id)
    assert updated.texts()[1] == "4 of 4 members responded."
    assert "New quick win: Person 29:alice · Call the mosque (late)" in updated.texts()
    assert "Updated Thu 08:05 with late answers." in updated.texts()


async def test_snooze_brings_one_reminder_tomorrow_and_away_stops_the_nudges(bot: RunningBot, clock: ManualClock) -> None:
    alice = await h.with_quick_wins(bot)
    await g.settle(bot)
    await h.start(bot, alice, "check-in by friday")
    await g.settle(bot)
    times = await _hourly_until(bot, clock, datetime(2026, 11, 25, 16, 0, tzinfo=UTC), "29:cy")
    (_, nudge) = h.cards_to(bot, "29:cy")
    (snoozed,) = await h.member(bot, "29:cy").tap(nudge, say.CHECKIN_SNOOZE)
    (dee_nudge,) = h.cards_to(bot, "29:dee")[1:]
    (away,) = await h.member(bot, "29:dee").tap(dee_nudge, say.CHECKIN_AWAY)

    times += await _hourly_until(bot, clock, datetime(2026, 11, 28, 0, 0, tzinfo=UTC), "29:cy")

    assert snoozed.text == say.CHECKIN_SNOOZED.format(when="Thu 26 Nov 15:30")
    assert away.text == say.CHECKIN_AWAY_DONE
    assert times == [datetime(2026, 11, 25, 15, 30, tzinfo=UTC), datetime(2026, 11, 26, 15, 30, tzinfo=UTC)]
    assert h.cards_to(bot, "29:cy")[-1].texts()[1] == say.CHECKIN_NUDGE_SNOOZED
    assert len(h.cards_to(bot, "29:dee")) == 2


async def test_only_leads_start_extend_or_cancel_and_a_member_not_asked_cannot_answer(bot: RunningBot) -> None:
    alice = await h.with_quick_wins(bot)
    await g.settle(bot)
    preview = await h.start(bot, alice)
    await g.settle(bot)
    bob_in_channel = g.in_channel(bot, "29:bob")
    (refused,) = await g.command(bob_in_channel, "check-in")
    (extend,) = await g.command(bob_in_channel, "check-in extend")
    (cancel,) = await bob_in_channel.tap(preview, say.CHECKIN_CANCEL)
    (card,) = h.cards_to(bot, "29:cy")
    (stranger,) = await bot.chat(user="29:eve").tap(card, "1 Done")
    (not_cy,) = await h.member(bot, "29:bob").tap(card, "1 Done")

    assert [refused.text, extend.text, cancel.text] == [say.LEADS_ONLY] * 3
    assert stranger.text == say.NOT_A_MEMBER
    assert not_cy.text == say.NOT_FOUND_ACTION
    (checkin,) = await bot.app[STORE].find(g.SPACE, CheckIn)
    assert checkin.status == "open"
    cy_win = await bot.app[STORE].get(g.SPACE, Action, "act-cy-1")
    assert cy_win is not None and cy_win.status == "open"


async def test_a_lead_extends_a_day_then_cancels_and_nothing_more_is_sent(bot: RunningBot, clock: ManualClock) -> None:
    alice = await h.with_quick_wins(bot)
    await g.settle(bot)
    await h.start(bot, alice)
    await g.settle(bot)

    (extended,) = await g.command(alice, "check-in extend")
    (cancelled,) = await g.command(alice, "check-in cancel")
    sent = len(bot.connector.activities)
    clock.set(datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    await g.settle(bot)

    assert extended.text == say.CHECKIN_EXTENDED.format(when="Thu 26 Nov 20:00")
    assert cancelled.text == say.CHECKIN_CANCELLED
    assert len(bot.connector.activities) == sent


async def test_a_restart_mid_check_in_asks_nobody_twice_and_still_closes_with_every_answer(
    tmp_path: Path, clock: ManualClock
) -> None:
    async with FakeConnector() as connector:
        async with running_bot(tmp_path / "data", clock=clock, connector=connector) as before:
            alice = await h.with_quick_wins(before)
            await g.settle(before)
            await h.start(before, alice)
            await g.settle(before)
            await h.member(before, "29:bob").tap(h.cards_to(before, "29:bob")[0], "1 Done")
        async with running_bot(tmp_path / "data", clock=clock, connector=connector) as after:
            await h.member(after, "29:cy").tap(h.cards_to(after, "29:cy")[0], "1 Stuck")
            clock.set(h.HALFWAY)
            await g.settle(after)
            clock.set(datetime(2026, 11, 26, 8, 0, tzinfo=UTC))
            await g.settle(after)

            assert {u: len(h.cards_to(after, u)) for u in ("29:alice", "29:bob", "29:cy", "29:dee")} == {
                "29:alice": 2, "29:bob": 1, "29:cy": 1, "29:dee": 2,
            }
            texts = _summary(after, g.CHANNEL)
            assert texts[1] == "2 of 4 members responded."
            assert [t for t in texts if t.startswith(("Stuck:", "Done:"))] == [
                "Stuck: Cy · Ask the PCN for the list", "Done: Bob · Share the survey with the carers' forum",
            ]


async def test_a_member_who_cannot_be_reached_is_listed_for_the_lead_and_not_tried_again(
    tmp_path: Path, clock: ManualClock
) -> None:
    async with FakeConnector(roster={"29:alice", "29:bob", "29:cy"}) as connector:
        async with running_bot(tmp_path / "data", clock=clock, connector=connector) as bot:
            alice = await h.with_quick_wins(bot)
            await g.settle(bot)
            await h.start(bot, alice)
            outcomes = await g.settle(bot)
            (status,) = await g.command(alice, "check-in")
            tries = [r for r in connector.requests if r.kind == "create" and r.body["members"] == [{"id": "29:dee"}]]
            clock.set(datetime(2026, 11, 26, 8, 0, tzinfo=UTC))
            await g.settle(bot)

            assert outcomes.count("unreachable") == 1
            assert "Could not be reached: Dee · asked Mon 23 Nov 09:30" in status.texts()
            assert len(tries) == 1
            assert len([r for r in connector.requests if r.kind == "create" and r.body["members"] == [{"id": "29:dee"}]]) == 1
            (leads,) = [s for s in g.sent_in_direct(bot, "29:alice") if s.title and "who did not answer" in s.title]
            assert "Could not be reached: Dee · asked Mon 23 Nov 09:30" in leads.texts()


async def test_check_in_on_one_phase_by_a_day_lists_only_that_phases_quick_wins(bot: RunningBot) -> None:
    alice = await h.with_quick_wins(bot)
    await g.settle(bot)

    (preview,) = await g.command(alice, "check-in phase prepare by thursday")
    await alice.tap(preview, "Start · light nudges")
    await g.settle(bot)

    assert "About their open quick wins in Prepare." in preview.texts()
    assert "Closes Thu 26 Nov 20:00. Answers can change until then." in preview.texts()
    (bob,) = h.cards_to(bot, "29:bob")
    assert [t for t in bob.texts() if t.startswith("1 ·")] == ["1 · Book the library room · due 4 Dec 2026"]
    assert say.CHECKIN_NEW_QUESTION in h.cards_to(bot, "29:cy")[0].texts()


async def test_a_lead_of_two_groups_types_check_in_in_a_direct_message_and_picks_the_group(bot: RunningBot) -> None:
    await h.with_quick_wins(bot)
    other = g.in_channel(bot, "29:alice", team="19:team-carers@thread.tacv2", channel="19:carers@thread.tacv2")
    await g.command(other, "link this channel")
    await g.command(other, "rename group Carers")
    await g.command(other, "start group assessment")
    (focus,) = await g.command(other, "Carers")
    (footprint,) = await other.tap(focus, "Strategic")
    (stance,) = await other.tap(footprint, "Place")
    await other.tap(stance, "Looking back at past work")
    dm = bot.chat(user="29:alice")

    (which,) = await dm.say("check-in by friday")
    (preview,) = await dm.tap(which, say.DEFAULT_GROUP_NAME)
    (member_dm,) = await bot.chat(user="29:bob").say("check-in")

    assert which.title == say.CHECKIN_WHICH_GROUP and sorted(which.submits()) == ["Carers", say.DEFAULT_GROUP_NAME]
    assert "Closes Fri 27 Nov 20:00. Answers can change until then." in preview.texts()
    assert member_dm.text == say.CHECKIN_NO_LEAD_GROUP


async def test_a_check_in_started_on_a_friday_evening_asks_everyone_on_monday_morning(tmp_path: Path) -> None:
    friday_evening = ManualClock(datetime(2026, 11, 27, 19, 30, tzinfo=UTC))
    async with FakeConnector() as connector:
        async with running_bot(tmp_path / "data", clock=friday_evening, connector=connector) as bot:
            alice = await h.with_quick_wins(bot)
            await g.settle(bot)
            friday_evening.advance(timedelta(minutes=40))
            (preview,) = await g.command(alice, "check-in")
            await alice.tap(preview, say.CHECKIN_START_LIGHT)
            on_friday = await g.settle(bot)
            friday_evening.set(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))
            on_monday = await g.settle(bot)

            assert "Closes Tue 1 Dec 20:00. Answers can change until then." in preview.texts()
            assert "sent" not in on_friday and on_monday.count("sent") >= 4
            assert len(h.cards_to(bot, "29:bob")) == 1


async def test_a_check_in_command_that_cannot_be_read_explains_itself_and_changes_nothing(bot: RunningBot) -> None:
    alice = await h.with_quick_wins(bot)

    replies = [(await g.command(alice, text))[0].text for text in ("check-in by someday", "check-in phase 9", "check-in now")]

    assert replies == [say.CHECKIN_HOW] * 3
    assert await bot.app[STORE].find(g.SPACE, CheckIn) == []


async def test_a_payload_naming_an_action_the_card_did_not_list_changes_nothing(bot: RunningBot) -> None:
    await _asked(bot)
    team = await g.group(bot)
    await bot.app[STORE].put(g.SPACE, Action(
        id="act-bob-late", assessment_id=str(team.assessment_id), section="1a", title="Added after the ask",
        owner_id="29:bob", due=h.MONDAY.date(), created_at=h.MONDAY, updated_at=h.MONDAY,
    ))
    (card,) = h.cards_to(bot, "29:bob")
    forged = {**card.submits()["1 Done"], "action": "act-bob-late"}

    (refused,) = await h.member(bot, "29:bob").submit(forged, reply_to_id=card.id)

    assert refused.text == say.BAD_INPUT
    late = await bot.app[STORE].get(g.SPACE, Action, "act-bob-late")
    assert late is not None and late.status == "open"
