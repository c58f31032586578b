"""Quick-win check-ins in Teams over HTTP, with a controllable clock (see tests/checkin_harness.py for the dates)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.http import STORE
from bot import messages as say
from bot.models import Action, CheckIn
from tests import checkin_harness as h
from tests import group_harness as g
from tests.fakes.connector import FakeConnector
from tests.harness import RunningBot, running_bot
from tests.manual_clock import ManualClock


@pytest.fixture(autouse=True)
def no_pacing(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about what is said and when; tests/test_checkins_scale.py keeps the platforms' pacing."""
    g.unpaced(monkeypatch)


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
        "4 members will be asked in a direct message, at a working time in Europe/London: Person 29:alice, Bob, Cy, Dee.",
        "About their open quick wins.",
        "Closes Wed 25 Nov 20:00. Answers can change until then.",
    ]
    assert started.text == say.CHECKIN_STARTED.format(count=4, when="Wed 25 Nov 20:00")
    (checkin,) = await bot.app[STORE].find(g.SPACE, CheckIn)
    assert (checkin.status, checkin.deadline, checkin.profile) == ("open", h.DEADLINE, "light")
