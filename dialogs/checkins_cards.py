"""Cards for quick-win check-ins: the lead's preview and status, each member's one card, the summary, the leads' list.

A member's card answers the whole check-in: one row of Done / Progressing / Stuck per quick win, and a note box for
the one answered last. Every card Reflect sends unasked says how to stop it and can be acted on where it is.
Long lists stop at a fixed count and say how many more there are, so a big group's cards stay within limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot import messages as say
from bot.framework import Framework
from bot.intents import (
    AnswerCheckIn,
    AwayCheckIn,
    CancelCheckIn,
    ConfirmCheckIn,
    ExtendCheckIn,
    NameQuickWin,
    NoteCheckIn,
    OpenGroup,
    PreviewCheckIn,
    SnoozeCheckIn,
)
from bot.models import CHECKIN_NOTE_MAX_CHARS, Action, CheckIn, CheckInAnswer, CheckInReply, Person, Team
from bot.services.checkin_summary import ORDER, Line, Summary
from bot.services.checkin_timing import NudgeKind
from bot.views import Button, Card, Fact, TextInput
from dialogs.cards import shorten

LISTED_WINS = 5
LISTED_NAMES = 8
LISTED_LINES = 12
LISTED_PEOPLE = 40
ANSWERS: tuple[CheckInAnswer, ...] = ("done", "progressing", "stuck")
NUDGE_LINES: dict[NudgeKind, str] = {
    "halfway": say.CHECKIN_NUDGE_HALFWAY, "closing": say.CHECKIN_NUDGE_CLOSING, "snoozed": say.CHECKIN_NUDGE_SNOOZED,
}


def when(team: Team, instant: datetime) -> str:
    """A deadline as the group reads it: 'Wed 25 Nov 20:00' in its own zone."""
    local = instant.astimezone(ZoneInfo(team.time_zone))
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def _name(person: Person) -> str:
    return person.name or person.user_id


def _names(people: Sequence[Person]) -> str:
    shown = ", ".join(_name(p) for p in people[:LISTED_NAMES])
    more = len(people) - LISTED_NAMES
    return say.CHECKIN_PREVIEW_MORE.format(names=shown, more=more) if more > 0 else shown


def which_group_card(teams: Sequence[Team], phase: int | None, by: date | None) -> Card:
    """A lead of several groups, typing in a direct message, picks the group to check in with."""
    return Card(
        title=say.CHECKIN_WHICH_GROUP,
        choices=tuple(
            Button(label=shorten(team.name), intent=PreviewCheckIn(group=team.id, phase=phase, by=by)) for team in teams
        ),
    )


def preview_card(team: Team, checkin: CheckIn, framework: Framework) -> Card:
    """Who will be asked, about what, until when; the lead starts it with a nudge profile, or cancels."""
    asked = [team.member(user_id) for user_id in checkin.members]
    people = [m.person for m in asked if m is not None]
    about = say.CHECKIN_PREVIEW_ALL if checkin.phase is None else say.CHECKIN_PREVIEW_PHASE.format(
        phase=framework.phase(checkin.phase).name
    )
    confirm = {"group": team.id, "checkin": checkin.id}
    return Card(
        title=shorten(say.CHECKIN_PREVIEW_TITLE.format(name=team.name), 150),
        lines=(
            say.CHECKIN_PREVIEW_WHO.format(
                members=say.counted(len(people), say.MEMBERS), zone=team.time_zone, names=_names(people)
            ),
            about,
            say.CHECKIN_PREVIEW_DEADLINE.format(when=when(team, checkin.deadline)),
            say.CHECKIN_PREVIEW_NUDGES,
        ),
        choices=(
            Button(label=say.CHECKIN_START_LIGHT, intent=ConfirmCheckIn(**confirm, profile="light"), primary=True),
            Button(label=say.CHECKIN_START_ACTIVE, intent=ConfirmCheckIn(**confirm, profile="active")),
        ),
        actions=(Button(label=say.CHECKIN_CANCEL, intent=CancelCheckIn(**confirm)),),
        ref=f"checkin-preview:{checkin.id}",
    )


def status_card(summary: Summary) -> Card:
    """For a lead while a check-in is open: how many answered, who is away or unreachable; extend or cancel."""
    team, checkin = summary.team, summary.checkin
    ids = {"group": team.id, "checkin": checkin.id}
    return Card(
        title=shorten(say.CHECKIN_STATUS_TITLE.format(name=team.name), 150),
        lines=(say.CHECKIN_STATUS_LINE.format(
            responded=summary.responded, asked=summary.asked, when=when(team, checkin.deadline)
        ),),
        facts=(
            *(_person_fact(say.CHECKIN_STATUS_AWAY, p, summary) for p in summary.away[:LISTED_PEOPLE]),
            *(_person_fact(say.CHECKIN_STATUS_UNREACHABLE, p, summary) for p in summary.unreachable[:LISTED_PEOPLE]),
        ),
        choices=(Button(label=say.CHECKIN_EXTEND, intent=ExtendCheckIn(**ids)),),
        actions=(Button(label=say.CHECKIN_CANCEL, intent=CancelCheckIn(**ids)),),
        ref=f"checkin-status:{checkin.id}",
    )


def _person_fact(label: str, person: Person, summary: Summary) -> Fact:
    """A person the lead should know about, named (in Slack, mentioned) before when they were asked."""
    asked = summary.checkin.opened_at or summary.checkin.created_at
    return Fact(label=label, value=say.CHECKIN_ASKED_ON.format(when=when(summary.team, asked)), who=person)


def _win_line(number: int, action: Action, reply: CheckInReply | None) -> str:
    item = None if reply is None else next((i for i in reply.items if i.action_id == action.id), None)
    due = say.due_label(action.due)
    if item is None:
        return say.CHECKIN_ITEM.format(number=number, title=action.title, due=due)
    note = say.CHECKIN_ITEM_NOTE.format(note=item.note) if item.note else ""
    answer = say.CHECKIN_ANSWERS[item.answer]
    return say.CHECKIN_ITEM_ANSWER.format(number=number, title=action.title, due=due, answer=answer) + note


def _answer_buttons(team: Team, checkin: CheckIn, wins: Sequence[Action]) -> tuple[Button, ...]:
    return tuple(
        Button(
            label=say.CHECKIN_BUTTON.format(number=number, answer=say.CHECKIN_ANSWERS[answer]),
            intent=AnswerCheckIn(group=team.id, checkin=checkin.id, action=action.id, answer=answer),
        )
        for number, action in enumerate(wins, start=1)
        for answer in ANSWERS
    )


def _note_box(team: Team, checkin: CheckIn, wins: Sequence[Action], reply: CheckInReply | None) -> TextInput | None:
    """A note goes with the quick win answered last (answers are kept in the order given), so one box serves the card."""
    if reply is None or not reply.items:
        return None
    latest = reply.items[-1]
    action = next((a for a in wins if a.id == latest.action_id), None)
    if action is None:
        return None
    intent = NoteCheckIn(group=team.id, checkin=checkin.id, action=action.id)
    return TextInput(
        placeholder=shorten(say.CHECKIN_NOTE_PLACEHOLDER.format(title=action.title), 120),
        max_length=CHECKIN_NOTE_MAX_CHARS,
        submit=Button(label=say.CHECKIN_NOTE_SAVE, intent=intent),
    )


def _new_win_box(team: Team, checkin: CheckIn) -> TextInput:
    return TextInput(
        placeholder=say.CHECKIN_NEW_PLACEHOLDER, max_length=200,
        submit=Button(label=say.CHECKIN_NEW_SAVE, intent=NameQuickWin(group=team.id, checkin=checkin.id)),
    )


def ask_card(
    team: Team,
    checkin: CheckIn,
    lead: str,
    wins: Sequence[Action],
    reply: CheckInReply | None,
    *,
    nudge: NudgeKind | None = None,
    more: int = 0,
) -> Card:
    """A member's whole check-in in one card: their quick wins with an answer row each, or the one question."""
    ids = {"group": team.id, "checkin": checkin.id}
    closed = checkin.status == "closed"
    head = (
        *((NUDGE_LINES[nudge],) if nudge else ()),
        *((say.CHECKIN_ASK_LATE,) if closed else ()),
        say.CHECKIN_ASK_INTRO.format(lead=lead, when=when(team, checkin.deadline)),
    )
    body, box = _wins_body(team, checkin, wins, reply, more) if wins else _question_body(team, checkin, reply)
    stay = () if closed else (
        *((Button(label=say.CHECKIN_SNOOZE, intent=SnoozeCheckIn(**ids)),) if nudge else ()),
        Button(label=say.CHECKIN_AWAY, intent=AwayCheckIn(**ids)),
    )
    return Card(
        title=shorten(say.CHECKIN_ASK_TITLE.format(name=team.name), 150),
        lines=(*head, *body, say.CHECKIN_STOP),
        choices=_answer_buttons(team, checkin, wins),
        text_input=box,
        actions=stay,
        ref=f"checkin-ask:{checkin.id}",
    )


def _wins_body(
    team: Team, checkin: CheckIn, wins: Sequence[Action], reply: CheckInReply | None, more: int
) -> tuple[tuple[str, ...], TextInput | None]:
    lines = tuple(_win_line(n, a, reply) for n, a in enumerate(wins, start=1))
    return lines + ((say.CHECKIN_MORE_WINS.format(more=say.counted(more, say.MORE_QUICK_WINS)),) if more else ()), _note_box(team, checkin, wins, reply)


def _question_body(team: Team, checkin: CheckIn, reply: CheckInReply | None) -> tuple[tuple[str, ...], TextInput]:
    saved = None if reply is None else reply.new_quick_win
    named = (say.CHECKIN_NEW_SAVED.format(title=saved.title, due=say.due_label(saved.due)),) if saved else ()
    return (say.CHECKIN_NEW_QUESTION, *named), _new_win_box(team, checkin)


def _fact(label: str, line: Line) -> Fact:
    late = say.CHECKIN_SUMMARY_LATE if line.late else ""
    note = f" · {line.note}" if line.note else ""
    return Fact(label=shorten(label), value=shorten(f"{line.title}{note}{late}", 300), who=line.who)


def summary_card(summary: Summary, framework: Framework, updated: str | None = None) -> Card:
    """The channel's results: stuck first with notes, then done, progressing and new quick wins, and the response."""
    team, checkin = summary.team, summary.checkin
    rows = [(say.CHECKIN_ANSWERS[kind], line) for kind in ORDER for line in summary.answers[kind]]
    rows += [(say.CHECKIN_SUMMARY_NEW, line) for line in summary.new]
    responded = say.CHECKIN_SUMMARY_RESPONDED.format(responded=summary.responded, asked=summary.asked)
    away = say.CHECKIN_SUMMARY_AWAY.format(away=len(summary.away)) if summary.away else ""
    phase = () if checkin.phase is None else (say.CHECKIN_SUMMARY_PHASE.format(phase=framework.phase(checkin.phase).name),)
    return Card(
        title=shorten(say.CHECKIN_SUMMARY_TITLE.format(name=team.name), 150),
        lines=(
            responded + away,
            *phase,
            *(() if rows else (say.CHECKIN_SUMMARY_NOTHING,)),
            *((say.CHECKIN_SUMMARY_MORE.format(count=len(rows) - LISTED_LINES),) if len(rows) > LISTED_LINES else ()),
            *((say.CHECKIN_SUMMARY_UPDATED.format(time=updated),) if updated else ()),
            say.CHECKIN_SUMMARY_WHY,
        ),
        facts=tuple(_fact(label, line) for label, line in rows[:LISTED_LINES]),
        ref=f"checkin-summary:{checkin.id}",
    )


def leads_card(summary: Summary) -> Card:
    """For leads only, in their own chat: who did not answer, who was away, who could not be reached."""
    team = summary.team
    silent = summary.non_responders
    intro = say.CHECKIN_LEADS_LINE.format(count=len(silent), asked=summary.asked) if silent else (
        say.CHECKIN_LEADS_NONE.format(name=team.name)
    )
    facts = [
        *(_person_fact(say.CHECKIN_NO_ANSWER, p, summary) for p in silent),
        *(_person_fact(say.CHECKIN_STATUS_AWAY, p, summary) for p in summary.away),
        *(_person_fact(say.CHECKIN_STATUS_UNREACHABLE, p, summary) for p in summary.unreachable),
    ]
    more = len(facts) - LISTED_PEOPLE
    return Card(
        title=shorten(say.CHECKIN_LEADS_TITLE.format(name=team.name), 150),
        lines=(intro, *((say.CHECKIN_SUMMARY_MORE.format(count=more),) if more > 0 else ()), say.CHECKIN_LEADS_WHY),
        facts=tuple(facts[:LISTED_PEOPLE]),
        choices=(Button(label=shorten(say.OPEN_GROUP.format(name=team.name)), intent=OpenGroup(group=team.id)),),
        ref=f"checkin-leads:{summary.checkin.id}",
    )
