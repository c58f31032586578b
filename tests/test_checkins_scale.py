"""A 200-member check-in against the fake Bot Connector's enforced rate limits: everyone asked once, no 429s, each
direct conversation opened once and reused by the next check-in.

Both sides' limits are scaled by ten (the bot's pacer and the fake's windows), so the test runs in seconds rather
than the half-minute the real ones take. At that scale the fake would refuse only a burst far beyond what the bot
can send, so what this proves is the delivery: each member asked exactly once, chats opened once and cached, nothing
refused or retried. The pacing itself is proven in virtual time (tests/test_scheduler.py, tests/test_pacer_stalls.py)
and measured at the real limits by bench/checkins.py; the second test shows the same fake, at the real limits,
refusing a bot that does not pace.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.http import STORE
from adapters.scheduler import PLATFORM_LIMITS, Limits
from adapters.store.memory import MemoryStore
from bot import messages as say
from bot.models import Member, Team
from bot.store import Store
from tests import checkin_harness as h
from tests import group_harness as g
from tests.fakes.rate_limited import RateLimitedConnector
from tests.harness import RunningBot, running_bot
from tests.manual_clock import ManualClock

SCALE = 10.0
MEMBERS = 200


@pytest.fixture(autouse=True)
def scaled_pacing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(PLATFORM_LIMITS, "teams", Limits(per_conversation=7.0 * SCALE, per_tenant=30.0 * SCALE))


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[RunningBot]:
    async with RateLimitedConnector(scale=SCALE) as connector:
        async with running_bot(tmp_path / "data", clock=ManualClock(h.MONDAY), connector=connector, store=MemoryStore()) as running:
            yield running


async def grow(store: Store, count: int) -> list[str]:
    """The group grows to `count` members (Alice, its lead, included), as `add everyone` would leave it."""
    people = [f"29:member-{n:03d}" for n in range(1, count)]

    def add(team: Team | None) -> Team:
        assert team is not None
        joined = tuple(Member(user_id=user_id, name=f"Member {user_id[-3:]}") for user_id in people)
        return team.model_copy(update={"members": (*team.members, *joined)})

    await store.update(g.SPACE, Team, g.SPACE.team_id, add)
    for user_id in people:
        await store.set_membership(g.SPACE, user_id, "member")
    return people


async def test_two_hundred_members_are_each_asked_once_within_the_rate_limits_and_their_chats_are_reused(
    bot: RunningBot,
) -> None:
    alice = await g.set_up(bot, members=())
    people = await grow(bot.app[STORE], MEMBERS)

    (preview,) = await g.command(alice, "check-in")
    await alice.tap(preview, say.CHECKIN_START_LIGHT)
    outcomes = await g.settle(bot)
    opened = [c["members"][0]["id"] for c in bot.connector.conversations]
    await g.command(alice, "check-in cancel")
    (again,) = await g.command(alice, "check-in")
    await alice.tap(again, say.CHECKIN_START_ACTIVE)
    second = await g.settle(bot)

    assert "200 members, " in preview.texts()[1] and "and 192 more" in preview.texts()[1]
    assert outcomes.count("sent") == MEMBERS and second.count("sent") == MEMBERS
    assert bot.connector.limited == 0
    assert sorted(opened) == sorted(["29:alice", *people])
    assert len(bot.connector.conversations) == MEMBERS
    asks = [a for a in bot.connector.activities if g.texts(a)[:1] == [say.CHECKIN_ASK_TITLE.format(name=say.DEFAULT_GROUP_NAME)]]
    assert len(asks) == 2 * MEMBERS
    assert len({a["conversation"]["id"] for a in asks}) == MEMBERS


async def test_the_fake_does_refuse_a_bot_that_ignores_the_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above means something: unpaced, against the real limits, the bot is answered 429 and its jobs wait
    to retry (after Retry-After, on a clock that stands still here)."""
    monkeypatch.setitem(PLATFORM_LIMITS, "teams", Limits(per_conversation=1e6))
    async with RateLimitedConnector() as connector:
        async with running_bot(tmp_path / "data", clock=ManualClock(h.MONDAY), connector=connector, store=MemoryStore()) as bot:
            alice = await g.set_up(bot, members=())
            await grow(bot.app[STORE], MEMBERS)
            (preview,) = await g.command(alice, "check-in")
            await alice.tap(preview, say.CHECKIN_START_LIGHT)
            outcomes = await g.settle(bot)

    assert connector.limited > 0
    assert outcomes.count("retrying") > 0
