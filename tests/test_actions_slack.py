"""Actions in Slack over signed HTTP: typed, listed, a due date from a datepicker modal and an owner from a
users_select modal, confirmed with users.info, and the new owner's direct message acted on from itself."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from adapters.http import STORE
from adapters.store.memory import MemoryStore
from bot import messages as say
from bot.keys import TeamKey, TenantKey
from bot.models import Action
from tests import group_harness as g
from tests.manual_clock import ManualClock
from tests.slack_harness import Posted, RunningSlackBot, SlackUser, as_json, posted, running_slack_bot
from tests.harness import NOW

SPACE = TeamKey(TenantKey("slack", "T0001"), "user:U0001")
PEOPLE = {
    "U0001": {"id": "U0001", "real_name": "Ada Lovelace", "profile": {"display_name": "Ada"}},
    "U0002": {"id": "U0002", "real_name": "Bea Jones", "profile": {"display_name": "Bea"}},
    "UBOT": {"id": "UBOT", "real_name": "Some bot", "is_bot": True},
    "UGONE": {"id": "UGONE", "real_name": "Left", "deleted": True},
}


pytestmark = pytest.mark.usefixtures("no_pacing")


@pytest.fixture
async def slack(tmp_path: Path) -> AsyncIterator[RunningSlackBot]:
    async with running_slack_bot(tmp_path / "data", clock=ManualClock(NOW), store=MemoryStore()) as bot:
        bot.api.users.update(PEOPLE)
        yield bot


async def _pick(user: SlackUser, message: Posted, label: str, state: dict[str, Any]) -> tuple[dict[str, Any], list[Posted]]:
    """Tap a picker's button, which opens a modal, and submit it with `state` as its one input's value."""
    submission = await user.filling(message, label, "")
    modal = dict(submission["view"])
    submission["view"] = {**modal, "state": {"values": {"text": {"text": state}}}}
    return modal, await user.interaction(submission, message)


async def _stored(slack: RunningSlackBot) -> list[Action]:
    return await slack.app[STORE].find(SPACE, Action)


async def _added(user: SlackUser) -> Posted:
    notice, card = await user.dm("add action Book the venue")
    assert notice.texts() == [say.ACTION_ADDED_TYPED.format(title="Book the venue", due="7 Dec 2026")]
    return card


async def test_a_new_owner_is_picked_with_users_select_told_once_and_can_finish_it_from_the_message(
    slack: RunningSlackBot,
) -> None:
    ada = slack.user()
    card = await _added(ada)
    (owner_card,) = await ada.tap(card, say.REASSIGN)

    modal, (assigned,) = await _pick(ada, owner_card, say.OWNER_SET, {"type": "users_select", "selected_user": "U0002"})
    await g.settle(slack)
    await g.settle(slack)

    assert modal["blocks"][0]["element"]["type"] == "users_select"
    assert assigned.updated and say.OWNER_CHANGED.format(owner="Bea") in assigned.said()
    (action,) = await _stored(slack)
    assert (action.owner_id, action.owner_name, action.creator_id) == ("U0002", "Bea", "U0001")
    (told,) = [p for p in posted(slack) if p.channel == "DU0002"]
    assert told.title == say.ASSIGNED_TITLE
    assert say.ASSIGNED_LINE.format(by="Ada", title="Book the venue") in told.texts()
    (done,) = await slack.user(user="U0002").tap(told, say.ITEM_BUTTONS["done"])
    assert done.updated and done.ts == told.ts and say.ACTION_DONE in done.said()
    assert [a.status for a in await _stored(slack)] == ["done"]


async def test_a_bot_a_deactivated_or_an_unknown_user_is_not_made_owner(slack: RunningSlackBot) -> None:
    ada = slack.user()
    (owner_card,) = await ada.tap(await _added(ada), say.REASSIGN)

    refusals = [
        (await _pick(ada, owner_card, say.OWNER_SET, {"type": "users_select", "selected_user": who}))[1][0].texts()
        for who in ("UBOT", "UGONE", "UNOBODY")
    ]

    assert refusals == [[say.OWNER_NOT_FOUND.format(owner="Ada")]] * 3
    assert [a.owner_id for a in await _stored(slack)] == ["U0001"]


async def test_a_due_date_from_the_datepicker_is_checked_and_said_back(slack: RunningSlackBot) -> None:
    ada = slack.user()
    (due_card,) = await ada.tap(await _added(ada), say.CHANGE_DUE)

    modal, (past,) = await _pick(ada, due_card, say.DUE_SET, {"type": "datepicker", "selected_date": "2026-11-01"})
    _modal, (chosen,) = await _pick(ada, due_card, say.DUE_SET, {"type": "datepicker", "selected_date": "2026-12-24"})
    (quick,) = await ada.tap(due_card, say.DUE_PICKS["2w"])

    assert modal["blocks"][0]["element"] == {"type": "datepicker", "action_id": "text", "initial_date": "2026-12-07"}
    assert past.texts() == [say.DUE_PAST.format(day="Sunday 1 November 2026", due="Monday 7 December 2026")]
    assert chosen.updated and say.DUE_CHANGED.format(day="Thursday 24 December 2026") in chosen.said()
    assert quick.updated and say.DUE_CHANGED.format(day="Monday 7 December 2026") in quick.said()
    assert [a.due for a in await _stored(slack)] == [date(2026, 12, 7)]


async def test_the_list_shows_each_action_with_its_own_buttons_and_done_ones_on_request(slack: RunningSlackBot) -> None:
    ada = slack.user()
    await _added(ada)
    (listed,) = await ada.dm("actions")
    (finished,) = await ada.tap(listed, say.ITEM_BUTTONS["done"])
    (done_list,) = await ada.tap(listed, say.SHOW_DONE)

    blocks = [block["type"] for block in listed.blocks]
    assert blocks[:3] == ["header", "section", "actions"]
    assert {"Done", "Started", "Snooze", "Due date", "Reassign", "Drop", "Edit 1"} <= set(listed.buttons())
    assert finished.updated and finished.said()[0] == say.ACTION_DONE
    assert "Reopen" in done_list.buttons() and as_json(done_list.blocks)[0]["text"]["text"] == say.MY_DONE_TITLE
