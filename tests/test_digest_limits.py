"""A huge group's digest fits each platform whole: every card under Teams' 80 KB and Slack's 50 blocks, nothing cut.

Long names, long titles and hundreds of overdue actions (600 here, with 22 sections to discuss) and silent members
are the worst case for size; the cards list a fixed number of items and say how many more there are, so their size
does not grow with the group.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache

import pytest

from adapters.slack.blocks import MESSAGE_MAX_BLOCKS, SHORTENED, message_blocks
from adapters.teams.cards import MAX_CARD_BYTES, render_card, utf16_size
from bot.framework import Level, load_framework
from bot.models import Action, Assessment, Member, Response, Scope, Team
from bot.services.digest import Digest, Period, compute
from bot.services.shared import Holdings
from bot.views import Card
from bot.services.participation import member_progress
from dialogs.digest_cards import headline_card, non_responders_card, thread_cards
from dialogs.groups_cards import participation_card

FRAMEWORK = load_framework()
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LONG = "Ünïcode 🚑 " * 9


def _huge() -> Digest:
    members = tuple(Member(user_id=f"29:{n:04d}", name=f"{LONG}{n}"[:100], role="lead" if n < 2 else "member") for n in range(600))
    team = Team(id="g", name=LONG[:100], members=members)
    scope = Scope(subject=LONG[:120], focus="strategic", footprint="place", stance="looking_back")
    assessment = Assessment(id="a-1", owner_id="29:0000", scope=scope, created_at=NOW - timedelta(days=30), shared=True)
    answers = [
        Response(assessment_id="a-1", section=section.code, author_id=member.user_id, rating=Level(1 + n % 4),
                 evidence=LONG * 5, created_at=NOW, updated_at=NOW)
        for n, member in enumerate(members[:300])
        for section in FRAMEWORK.sections
    ]
    actions = [
        Action(id=f"act-{n}", assessment_id="a-1", section="1a", title=(LONG * 3)[:200], owner_id=f"29:{n % 600:04d}",
               due=date(2026, 11, 1), created_at=NOW, updated_at=NOW - timedelta(days=n % 50),
               status="done" if n % 3 == 0 else "open")
        for n in range(900)
    ]
    period = Period(since=NOW - timedelta(days=7), baseline={code.code: 4.0 for code in FRAMEWORK.sections}, last_cycle={})
    return compute(FRAMEWORK, team, Holdings(assessment, answers, {}, actions), period, NOW, NOW.date())


@cache
def _cards() -> list[Card]:
    digest = _huge()
    rows = member_progress(FRAMEWORK, digest.team.members, digest.holdings.responses, {})
    return [
        headline_card(digest, "Sent because it is Monday.", asked=False, updated="Mon 09:35"),
        *thread_cards(digest, first=False),
        non_responders_card(digest),
        participation_card(digest, rows, len(FRAMEWORK.sections)),
    ]


@pytest.mark.parametrize("index", range(6))
def test_each_digest_card_for_a_huge_group_fits_teams_and_slack_without_being_cut(index: int) -> None:
    card = _cards()[index]

    rendered = render_card(card)
    text, blocks = message_blocks(card)

    assert utf16_size(rendered) <= MAX_CARD_BYTES // 2
    assert [block["type"] for block in rendered["body"][1 : 1 + len(card.lines)]] == ["TextBlock"] * len(card.lines)
    assert len(blocks) <= MESSAGE_MAX_BLOCKS
    assert all(SHORTENED not in str(block) for block in blocks)
    assert text


def test_long_lists_stop_at_a_fixed_count_and_say_how_many_more() -> None:
    headline, attention, _progress, changes, silent, participation = _cards()

    assert len(attention.facts) == 10 and attention.lines[-1] == "… and 612 more."
    assert len(silent.facts) == 40 and silent.lines[-1] == "… and 260 more."
    assert len(participation.facts) == 7 + 30
    assert len(changes.facts) == 10 + 10
    assert headline.lines[0] == "300 of 600 members have answered so far."
