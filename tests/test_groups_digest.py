"""The channel digest in Teams over HTTP: figures worked by hand (tests/group_fixture.py), the thread, the leads' list,
the headline updated in place, and the weekly schedule across a clock change and a bank holiday."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.http import STORE
from bot import messages as say
from bot.framework import Level
from bot.models import DigestPost, Response, SentMessage
from bot.store import Store
from tests import group_fixture as fx
from tests import group_harness as g
from tests.fakes.connector import FakeConnector
from tests.harness import RunningBot, Sent, running_bot
from tests.manual_clock import ManualClock

PREVIOUS_ID = "a-fixture0000000000"


pytestmark = pytest.mark.usefixtures("no_pacing")


async def _running(tmp_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    async with FakeConnector() as connector:
        async with running_bot(tmp_path / "data", clock=clock, connector=connector) as running:
            yield running


@pytest.fixture
async def bot(tmp_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    async for running in _running(tmp_path, clock):
        yield running


async def _seed(store: Store) -> None:
    """The fixture's group, linked to the channel, with a previous cycle and the digest posted on 16 November."""
    team = fx.TEAM.model_copy(update={"id": g.TEAM, "channel_conversation_id": g.CHANNEL, "assessment_id": fx.ASSESSMENT_ID})
    await store.put(g.SPACE, team)
    for member in team.members:
        await store.set_membership(g.SPACE, member.user_id, member.role)
    await store.put(g.SPACE, fx.ASSESSMENT.model_copy(update={"previous_id": PREVIOUS_ID}))
    previous = fx.ASSESSMENT.model_copy(update={"id": PREVIOUS_ID, "status": "closed"})
    await store.put(g.SPACE, previous)
    for section, level in fx.LAST_CYCLE.items():
        for author in ("A", "B", "C"):
            await store.put(g.SPACE, Response(
                assessment_id=PREVIOUS_ID, section=section, author_id=author, rating=Level(int(level)),
                created_at=fx.BEFORE, updated_at=fx.BEFORE,
            ))
    for doc in (*fx.RESPONSES, *fx.AGREEMENTS.values(), *fx.ACTIONS):
        await store.put(g.SPACE, doc)
    headline = SentMessage(conversation_id=g.CHANNEL, message_id="activity-earlier")
    await store.put(g.SPACE, DigestPost(
        assessment_id=fx.ASSESSMENT_ID, headline=headline, posted_at=fx.SINCE, since=fx.BEFORE, levels=fx.BASELINE,
    ))


async def _asked_digest(bot: RunningBot) -> tuple[Sent, list[Sent]]:
    """Asha (A, the lead) links the channel and asks for the digest; returns the headline and its thread."""
    asha = g.in_channel(bot, "A")
    await g.command(asha, "link this channel")
    await _seed(bot.app[STORE])
    (coming,) = await g.command(asha, "digest")
    assert coming.text == say.DIGEST_COMING
    await g.settle(bot)
    (headline,) = [sent for sent in g.posted(bot, g.CHANNEL) if sent.card is not None]
    return headline, g.posted(bot, f"{g.CHANNEL};messageid={headline.id}")


async def test_the_headline_puts_participation_first_then_attention_focus_and_why_it_was_sent(bot: RunningBot) -> None:
    headline, _thread = await _asked_digest(bot)

    assert headline.texts() == [
        "Equity forum · digest",
        "4 of 5 members have answered so far.",
        "Needs attention: 3 overdue, 1 stalled, 1 to discuss. Details in the thread.",
        "Suggested focus: Challenge, the least answered phase.",
        say.DIGEST_WHY_ASKED,
        "Check: 2 of 5 done", "Challenge: 0 of 5 done", "Plan: 0 of 5 done", "Prepare: 0 of 5 done",
        "Engage: 0 of 5 done", "Involve: 0 of 5 done", "Evaluate: 0 of 5 done",
    ]


async def test_the_thread_lists_overdue_actions_first_with_owners_mentioned_then_progress_then_changes(bot: RunningBot) -> None:
    _headline, (attention, progress, changes) = await _asked_digest(bot)

    assert attention.texts() == [
        "Needs attention",
        "Overdue · 1a · due 10 Nov 2026: <at>Ben</at> Action 2",
        "Overdue · 1a · due 20 Nov 2026: <at>Asha</at> Action 1",
        "Overdue · 1a · due 21 Nov 2026: <at>Finn</at> Action 6",
        "Stalled · 1a · due 10 Dec 2026: <at>Cara</at> Action 3",
        f"To discuss · 1a: {say.ATTENTION_DISCUSS_VALUE}",
    ]
    mentioned = attention.card["msteams"]["entities"]  # type: ignore[index]
    assert [(m["text"], m["mentioned"]["id"]) for m in mentioned] == [
        ("<at>Ben</at>", "B"), ("<at>Asha</at>", "A"), ("<at>Finn</at>", "F"), ("<at>Cara</at>", "C"),
    ]
    assert progress.texts()[2:4] == [
        "Check: ▓▓▓▓▓▓░░░░ 60% · Maturing (Developing → Maturing)",
        "Challenge: ░░░░░░░░░░ 0% · no group level yet",
    ]
    assert progress.texts()[5] == "Prepare: ▓▓░░░░░░░░ 20% · Developing"
    assert changes.texts() == [
        "Since the last digest",
        "3 new answers · 1 changed · 1 action done",
        "Quick wins done: 1",
        "1c: Developing → Maturing", "1d: new: Maturing", "4a: new: Developing",
        "Quick win · 1a: Action 4",
    ]


async def test_non_responders_are_named_to_each_lead_privately_and_never_in_the_channel(bot: RunningBot) -> None:
    headline, thread = await _asked_digest(bot)

    (private,) = g.sent_in_direct(bot, "A")
    assert private.title == "Equity forum: not answered yet"
    assert "Not answered yet: Eve · a member" in private.texts()
    assert all("Eve" not in text for sent in (headline, *thread) for text in sent.texts())
    assert [c["members"] for c in bot.connector.conversations] == [[{"id": "A"}]]


async def test_a_late_answer_updates_the_headline_and_thread_in_place_instead_of_posting_again(
    bot: RunningBot, clock: ManualClock
) -> None:
    headline, thread = await _asked_digest(bot)
    posts = len(bot.connector.activities)
    rate = {"intent": "rate", "assessment": fx.ASSESSMENT_ID, "group": g.TEAM, "section": "2a", "level": 3, "v": 1}

    await bot.chat(user="E").submit(rate)
    clock.advance(timedelta(minutes=5))
    await g.settle(bot)

    updates = [r for r in bot.connector.requests if r.kind == "update"]
    assert [r.path.rsplit("/", 1)[-1] for r in updates] == [headline.id, *(sent.id for sent in thread)]
    assert len([a for a in bot.connector.activities if a.get("attachments")]) == posts - 1
    renewed = Sent(headline.id, updates[0].body).texts()
    assert renewed[1] == "5 of 5 members have answered so far."
    assert renewed[-8] == "Updated Mon 09:35 as new answers came in."
    assert Sent("", updates[3].body).texts()[1] == "4 new answers · 1 changed · 1 action done"


async def test_a_burst_of_answers_costs_one_refresh(bot: RunningBot, clock: ManualClock) -> None:
    await _asked_digest(bot)
    for section in ("2a", "2b", "2c"):
        rate = {"intent": "rate", "assessment": fx.ASSESSMENT_ID, "group": g.TEAM, "section": section, "level": 2, "v": 1}
        await bot.chat(user="E").submit(rate)
    clock.advance(timedelta(minutes=5))
    await g.settle(bot)

    assert len([r for r in bot.connector.requests if r.kind == "update"]) == 4


# -- the weekly schedule ----------------------------------------------------------------------------------------------

FRIDAY = datetime(2027, 3, 19, 10, 0, tzinfo=UTC)


@pytest.fixture
def spring() -> ManualClock:
    return ManualClock(FRIDAY)


@pytest.fixture
async def spring_bot(tmp_path: Path, spring: ManualClock) -> AsyncIterator[RunningBot]:
    async for running in _running(tmp_path, spring):
        yield running


async def _weekly_job(bot: RunningBot, day: str) -> datetime | None:
    job = await bot.app[STORE].get_job(g.SPACE, f"digest:{day}:0-0900-Europe/London")
    return None if job is None or job.status != "pending" else job.due_at


async def test_the_weekly_digest_stays_at_nine_local_across_the_clock_change_and_skips_easter_monday(
    spring_bot: RunningBot, spring: ManualClock
) -> None:
    await g.set_up(spring_bot, members=("29:bob",))
    before_change = await _weekly_job(spring_bot, "2027-03-22")
    spring.set(datetime(2027, 3, 22, 9, 0, tzinfo=UTC))
    await g.settle(spring_bot)
    after_change = await _weekly_job(spring_bot, "2027-03-29")
    spring.set(datetime(2027, 3, 29, 8, 0, tzinfo=UTC))
    held = await g.settle(spring_bot)
    moved = await spring_bot.app[STORE].get_job(g.SPACE, "digest:2027-03-29:0-0900-Europe/London")
    spring.set(datetime(2027, 3, 30, 7, 0, tzinfo=UTC))
    await g.settle(spring_bot)

    assert before_change == datetime(2027, 3, 22, 9, 0, tzinfo=UTC)
    assert after_change == datetime(2027, 3, 29, 8, 0, tzinfo=UTC)
    assert held == ["deferred"] and moved is not None and moved.due_at == datetime(2027, 3, 30, 7, 0, tzinfo=UTC)
    headlines = [sent for sent in g.posted(spring_bot, g.CHANNEL) if sent.title == f"{say.DEFAULT_GROUP_NAME} · weekly digest"]
    assert len(headlines) == 2
    assert await _weekly_job(spring_bot, "2027-04-05") == datetime(2027, 4, 5, 8, 0, tzinfo=UTC)


async def test_a_lead_moves_the_weekly_digest_and_the_job_made_for_the_old_time_sends_nothing(
    spring_bot: RunningBot, spring: ManualClock
) -> None:
    alice = await g.set_up(spring_bot, members=("29:bob",))
    await g.settle(spring_bot)
    (moved,) = await g.command(alice, "digest wednesday 14:30")
    (off,) = await g.command(alice, "digest off")
    spring.set(datetime(2027, 3, 24, 14, 30, tzinfo=UTC))
    outcomes = await g.settle(spring_bot)

    assert moved.text == say.SCHEDULE_SET.format(day="Wednesday", time="14:30", zone="Europe/London")
    assert off.text == say.SCHEDULE_OFF
    assert outcomes == ["skipped", "skipped"]
    assert not [sent for sent in g.posted(spring_bot, g.CHANNEL) if sent.title and "digest" in sent.title]


async def test_a_weekly_digest_due_on_a_saturday_waits_for_monday_morning(spring_bot: RunningBot, spring: ManualClock) -> None:
    alice = await g.set_up(spring_bot, members=("29:bob",))
    await g.settle(spring_bot)
    await g.command(alice, "digest saturday 10:00")
    spring.set(datetime(2027, 3, 20, 10, 0, tzinfo=UTC))
    held = await g.settle(spring_bot)
    job = await spring_bot.app[STORE].get_job(g.SPACE, "digest:2027-03-20:5-1000-Europe/London")

    assert held == ["deferred"]
    assert job is not None and job.due_at == datetime(2027, 3, 22, 8, 0, tzinfo=UTC)


async def test_a_digest_of_a_cycle_closed_since_is_not_refreshed(bot: RunningBot, clock: ManualClock) -> None:
    await _asked_digest(bot)
    rate = {"intent": "rate", "assessment": fx.ASSESSMENT_ID, "group": g.TEAM, "section": "2a", "level": 3, "v": 1}
    await bot.chat(user="E").submit(rate)
    await g.command(g.in_channel(bot, "A"), "close cycle")
    clock.advance(timedelta(minutes=5))
    outcomes = await g.settle(bot)

    assert "skipped" in outcomes
    assert [r for r in bot.connector.requests if r.kind == "update"] == []
