"""Calibration, cycles and isolation over HTTP in Teams: figures from three answers, agreed levels, movement, two groups.

On the memory store, which the contract suite holds to TinyDB's behaviour; tests/test_groups_digest.py runs on TinyDB.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.store.memory import MemoryStore
from adapters.http import STORE
from bot import messages as say
from bot.keys import AssessmentKey, TeamKey
from bot.models import Agreement, Assessment
from tests import group_harness as g
from tests.fakes.connector import FakeConnector
from tests.harness import RunningBot, Sent, TeamsChat, running_bot
from tests.manual_clock import ManualClock

OTHER_TEAM, OTHER_CHANNEL = "19:team-carers@thread.tacv2", "19:carers@thread.tacv2"
OTHER = TeamKey(g.TENANT, OTHER_TEAM)


pytestmark = pytest.mark.usefixtures("no_pacing")


@pytest.fixture
async def bot(tmp_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    async with FakeConnector(roster=set(g.PEOPLE)) as connector:
        async with running_bot(tmp_path / "data", clock=clock, connector=connector, store=MemoryStore()) as running:
            yield running


async def _rate(bot: RunningBot, user: str, label: str, section: int = 0, evidence: str | None = None) -> None:
    """A member rates a section of the Check phase from their invitation, with evidence or without."""
    chat = bot.chat(user=user)
    invite = g.sent_in_direct(bot, user)[-1]
    (phases,) = await chat.tap(invite, "Rate sections")
    (card,) = await chat.tap(phases, next(title for title in phases.submits() if title.startswith("Check")))
    for _ in range(section):
        (card,) = await chat.tap(card, "Skip for now")
    (asked,) = await chat.tap(card, label)
    if evidence is not None:
        await chat.tap(asked, "Save evidence", text=evidence)


async def _results(chat: TeamsChat) -> Sent:
    (results,) = await g.command(chat, "results")
    return results


async def test_figures_appear_only_from_the_third_answer_and_then_show_spread_median_range_and_notes(bot: RunningBot) -> None:
    alice = await g.set_up(bot)
    await g.settle(bot)
    await _rate(bot, "29:bob", "Emerging")
    await _rate(bot, "29:cy", "Maturing", evidence="Two forums <b>held</b>")
    too_few = (await _results(alice)).texts()
    await _rate(bot, "29:dee", "Not sure")
    shown = (await _results(alice)).texts()

    assert any("2 answered so far; figures appear at 3." in text for text in too_few)
    assert not any("Median" in text for text in too_few)
    block = next(text for text in shown if text.startswith("1a "))
    assert "Emerging 1 · Developing 0 · Maturing 1 · Thriving 0 · Not sure 1" in block
    assert "Median Developing · range Emerging to Maturing" in block
    assert say.RESULTS_DISAGREE in block
    assert any("Two forums" in text for text in shown)


async def test_members_see_group_results_only_once_a_lead_shares_them(bot: RunningBot) -> None:
    alice = await g.set_up(bot, members=("29:bob",))
    bob = g.in_channel(bot, "29:bob")

    (hidden,) = await g.command(bob, "results")
    (group_card,) = await g.command(alice, "group")
    await alice.tap(group_card, say.SHARE)
    (shown,) = await g.command(bob, "results")

    assert hidden.text == say.RESULTS_HIDDEN
    assert shown.title == say.RESULTS_TITLE.format(phase="Check")
    assert not any(title.startswith("Agree") for title in shown.submits())


async def test_a_lead_records_an_agreed_level_with_its_reason_and_it_becomes_the_groups_result(bot: RunningBot) -> None:
    alice = await g.set_up(bot)
    await g.settle(bot)
    for user, label in (("29:bob", "Emerging"), ("29:cy", "Thriving"), ("29:dee", "Developing")):
        await _rate(bot, user, label)
    results = await _results(alice)
    (agree,) = await alice.tap(results, "Agree 1a")
    (reason,) = await alice.tap(agree, "Developing")
    (recorded,) = await alice.tap(reason, say.RATIONALE_SAVE, text="Forums held, but few carers yet")
    after = await _results(alice)

    team = await g.group(bot)
    (agreement,) = await bot.app[STORE].find(g.SPACE, Agreement)
    assert (agreement.assessment_id, agreement.section, agreement.level, agreement.by) == (team.assessment_id, "1a", 2, "29:alice")
    assert recorded.updated and say.AGREED.format(level="Developing", code="1a") in recorded.said()
    block = next(text for text in after.texts() if text.startswith("1a "))
    assert "Agreed: Developing. Forums held, but few carers yet" in block
    assert "Emerging 1 · Developing 1 · Maturing 0 · Thriving 1" in block
    assert say.RESULTS_DISAGREE in block


async def test_a_member_cannot_record_an_agreed_level_even_with_a_leads_card(bot: RunningBot) -> None:
    alice = await g.set_up(bot, members=("29:bob",))
    (agree,) = await alice.tap(await _results(alice), "Agree 1a")

    (refusal,) = await g.in_channel(bot, "29:bob").tap(agree, "Maturing")

    assert refusal.text == say.LEADS_ONLY
    assert await bot.app[STORE].find(g.SPACE, Agreement) == []


async def test_closing_a_cycle_starts_the_next_shows_last_cycles_answer_and_movement_in_status(bot: RunningBot) -> None:
    alice = await g.set_up(bot)
    await g.settle(bot)
    for user in ("29:bob", "29:cy", "29:dee"):
        await _rate(bot, user, "Emerging", evidence="Minutes of one forum" if user == "29:bob" else None)
    first = (await g.group(bot)).assessment_id
    (closed, group_card) = await g.command(alice, "close cycle")
    await g.settle(bot)
    bob = bot.chat(user="29:bob")
    (phases,) = await bob.tap(g.sent_in_direct(bot, "29:bob")[-1], "Rate sections")
    (section,) = await bob.tap(phases, "Check · 0/4")
    for user in ("29:bob", "29:cy", "29:dee"):
        await _rate(bot, user, "Developing") if user != "29:bob" else await bob.tap(section, "Developing")
    (status,) = await g.command(alice, "status")
    results = await _results(alice)

    team = await g.group(bot)
    current = await bot.app[STORE].get(g.SPACE, Assessment, team.assessment_id or "")
    earlier = await bot.app[STORE].get(g.SPACE, Assessment, first or "")
    assert current is not None and earlier is not None
    assert (current.cycle, current.previous_id, earlier.status) == (2, first, "closed")
    assert closed.text == say.CYCLE_CLOSED_NOTICE.format(old=1, new=2)
    assert "Last cycle you chose: Emerging" in section.texts()
    assert "Your evidence then: Minutes of one forum" in section.texts()
    assert "Check: 0 of 4 · Developing (Emerging → Developing)" in status.texts()
    assert "Moved since cycle 1: 1a Emerging → Developing" in status.texts()
    assert "Last cycle: Emerging → now Developing" in next(text for text in results.texts() if text.startswith("1a "))


async def test_an_answer_to_a_closed_cycle_changes_nothing(bot: RunningBot) -> None:
    alice = await g.set_up(bot, members=("29:bob",))
    await g.settle(bot)
    bob = bot.chat(user="29:bob")
    (phases,) = await bob.tap(g.sent_in_direct(bot, "29:bob")[0], "Rate sections")
    (section,) = await bob.tap(phases, "Check · 0/4")
    await g.command(alice, "close cycle")

    (refusal,) = await bob.tap(section, "Thriving")

    assert refusal.text == say.CYCLE_CLOSED


async def test_two_groups_in_one_tenant_keep_apart_and_a_member_of_both_answers_each_on_its_own(bot: RunningBot) -> None:
    await g.set_up(bot, members=("29:bob", "29:cy"))
    cy = g.in_channel(bot, "29:cy", team=OTHER_TEAM, channel=OTHER_CHANNEL)
    await g.command(cy, "link this channel")
    await g.command(cy, "rename group Carers")
    await g.command(cy, "add", "29:bob")
    await g.command(cy, "start group assessment")
    (focus,) = await g.command(cy, "Carers' voices")
    (footprint,) = await cy.tap(focus, "Operational")
    (stance,) = await cy.tap(footprint, "System")
    await cy.tap(stance, "Planning new work")
    await g.settle(bot)
    invites = {invite.title: invite for invite in g.sent_in_direct(bot, "29:bob")}
    forum_invite = invites[say.INVITE_TITLE.format(name=say.DEFAULT_GROUP_NAME)]
    carers_invite = invites[say.INVITE_TITLE.format(name="Carers")]
    bob = bot.chat(user="29:bob")
    for invite, label in ((forum_invite, "Emerging"), (carers_invite, "Thriving")):
        (phases,) = await bob.tap(invite, "Rate sections")
        (section,) = await bob.tap(phases, "Check · 0/4")
        await bob.tap(section, label)
    (forum_status,) = await g.command(g.in_channel(bot, "29:alice"), "status")
    (mine,) = await bob.say("groups")

    assert [(a.author_id, a.rating) for a in await g.answers(bot)] == [("29:bob", 1)]
    assert [(a.author_id, a.rating) for a in await g.answers(bot, OTHER)] == [("29:bob", 4)]
    assert {(space.team_id, role) for space, role in await bot.app[STORE].teams_of(g.TENANT, "29:bob")} == {
        (g.TEAM, "member"), (OTHER_TEAM, "member"),
    }
    assert "Community voice, cycle 1 · 1 of 3 members have answered." in forum_status.texts()
    assert len(mine.submits()) == 2
    forum = await g.group(bot)
    key = AssessmentKey(OTHER, forum.assessment_id or "")
    assert await bot.app[STORE].responses(key) == []
