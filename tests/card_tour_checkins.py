"""The check-in cards for the card tour: a lead's preview, status and group choice, a member's card in each state
(quick wins answered with a typed note, the one question answered with typed text, a nudge), the summary with late
answers, and the leads' list, gathered by driving the real app over HTTP with a controllable clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot import messages as say
from tests import checkin_harness as h
from tests import group_harness as g
from tests.harness import RunningBot


async def check_in_cards(bot: RunningBot, clock_set: object, typed: str) -> None:
    """Everything a check-in shows, in Teams; `clock_set(instant)` moves the app's clock."""
    alice = await h.with_quick_wins(bot)
    await g.settle(bot)
    other = g.in_channel(bot, "29:alice", team="19:team-other@thread.tacv2", channel="19:other@thread.tacv2")
    await g.command(other, "link this channel")
    await bot.chat(user="29:alice").say("check-in by friday")
    await h.start(bot, alice, "check-in phase 1 by friday")
    await g.command(alice, "check-in")
    await g.settle(bot)
    (bob_card,) = h.cards_to(bot, "29:bob")
    bob = h.member(bot, "29:bob")
    await bob.tap(bob_card, "1 Stuck")
    await bob.tap(h.updates_of(bot, bob_card.id)[-1], say.CHECKIN_NOTE_SAVE, text=typed)
    await h.member(bot, "29:dee").tap(h.cards_to(bot, "29:dee")[0], say.CHECKIN_NEW_SAVE, text=typed)
    clock_set(datetime(2026, 11, 25, 15, 0, tzinfo=UTC))  # type: ignore[operator]
    await g.settle(bot)
    clock_set(datetime(2026, 11, 28, 9, 0, tzinfo=UTC))  # type: ignore[operator]
    await g.settle(bot)
    clock_set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))  # type: ignore[operator]
    await g.settle(bot)
    await h.member(bot, "29:cy").tap(h.cards_to(bot, "29:cy")[0], "1 Done")
    clock_set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC) + timedelta(minutes=5))  # type: ignore[operator]
    await g.settle(bot)
