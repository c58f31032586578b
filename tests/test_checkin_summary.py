"""A check-in's summary against a fixture worked out by hand.

Members A (lead), B, C, D, E, F were asked; G joined after it started and was not.
    A  nothing                                  -> no answer (leads only)
    B  Done "Poster" and Stuck "Room" ("no room until Jan")
    C  Progressing "Survey"; Stuck "Leaflet" late, after the close
    D  away, nothing answered                   -> away
    E  unreachable                              -> could not be reached
    F  no quick wins; named "Drop-in" (late)
Channel: stuck first (B Room with its note, C Leaflet late), then done (B Poster), progressing (C Survey), new
(F Drop-in, late); 3 of 6 responded, 1 away. Leads: A no answer, D away, E unreachable.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.framework import load_framework
from bot.models import CheckIn, CheckInAnswer, CheckInItem, CheckInReply, Member, NewQuickWin, Team
from bot.services.checkin_summary import summarise
from dialogs.checkins_cards import leads_card, summary_card

AT = datetime(2026, 11, 23, 10, tzinfo=UTC)
TEAM = Team(
    id="G", name="Forum",
    members=tuple(Member(user_id=u, role="lead" if u == "A" else "member", name=f"{u}-name") for u in "ABCDEFG"),
)
CHECKIN = CheckIn(
    id="chk-1", assessment_id="a-1", started_by="A", created_at=AT, opened_at=AT, deadline=AT,
    members=tuple("ABCDEF"), status="closed",
)


def _item(action: str, answer: CheckInAnswer, note: str | None = None, late: bool = False) -> CheckInItem:
    return CheckInItem(action_id=f"act-{action}", title=action, answer=answer, note=note, at=AT, late=late)


REPLIES = [
    CheckInReply(checkin_id="chk-1", user_id="F", new_quick_win=NewQuickWin(
        action_id="act-f", title="Drop-in", due=date(2026, 12, 7), at=AT, late=True,
    )),
    CheckInReply(checkin_id="chk-1", user_id="B", asked=("act-Poster", "act-Room"), items=(
        _item("Room", "stuck", "no room until Jan"), _item("Poster", "done"),
    )),
    CheckInReply(checkin_id="chk-1", user_id="C", asked=("act-Survey", "act-Leaflet"), items=(
        _item("Survey", "progressing"), _item("Leaflet", "stuck", late=True),
    )),
    CheckInReply(checkin_id="chk-1", user_id="D", away=True),
    CheckInReply(checkin_id="chk-1", user_id="E", unreachable=True),
]


def test_the_channel_sees_stuck_first_with_notes_then_done_progressing_and_new_and_how_many_responded() -> None:
    card = summary_card(summarise(TEAM, CHECKIN, REPLIES), load_framework())

    assert card.lines[0] == "3 of 6 members responded. 1 away."
    assert [(f.label, f.who and f.who.user_id, f.value) for f in card.facts] == [
        ("Stuck", "B", "Room · no room until Jan"),
        ("Stuck", "C", "Leaflet (late)"),
        ("Done", "B", "Poster"),
        ("Progressing", "C", "Survey"),
        ("New quick win", "F", "Drop-in (late)"),
    ]
    assert not card.notify


def test_only_the_leads_list_names_who_did_not_answer_was_away_or_could_not_be_reached() -> None:
    summary = summarise(TEAM, CHECKIN, REPLIES)
    card = leads_card(summary)

    assert [(f.label, f.who and f.who.user_id) for f in card.facts] == [
        ("No answer", "A"), ("Away", "D"), ("Could not be reached", "E"),
    ]
    assert card.lines[0] == "Only leads get this list. 1 of 6 members did not answer."
    channel = summary_card(summary, load_framework())
    assert {f.who.user_id for f in channel.facts if f.who} == {"B", "C", "F"}
