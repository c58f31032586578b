"""Cards for actions: a list with each action's buttons, one action in full, its due date, owner and note, and the
direct message a new owner gets.

Buttons name the action's partition (`space`), so they work from whichever chat they are tapped in: the owner's
own, a group's channel, or a reminder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from bot import messages as say
from bot.intents import (
    AskActionDue,
    AskActionNote,
    AskActionOwner,
    AssignAction,
    EditAction,
    OpenAction,
    Resume,
    SetActionDue,
    SetActionNote,
    ShowActions,
    StartAssessment,
)
from bot.models import ACTION_NOTE_MAX, Action, ActionChange, ActionEntry, Person
from bot.views import Button, Card, Fact, Item, Picker, TextInput
from dialogs.cards import shorten

MAX_LISTED_ACTIONS = 10
MAX_ITEMS = 6
"""Actions listed with their buttons on one card: each has up to seven, and a phone screen is short."""
TITLE_MAX = 200
FACT_MAX = 300
HEADING_TITLE_MAX = 60
Allowed = Callable[[Action], bool]


def soonest_first(actions: Iterable[Action]) -> list[Action]:
    """Open work reads best by due date, then by section."""
    return sorted(actions, key=lambda action: (action.due, action.section or "", action.title))


def latest_first(actions: Iterable[Action]) -> list[Action]:
    """Finished work reads best from the most recently finished."""
    return sorted(actions, key=lambda action: action.updated_at, reverse=True)


def _section(action: Action) -> str:
    return f"{action.section} · " if action.section else ""


def action_fact(action: Action, prefix: str = "") -> Fact:
    """An action as one line of facts: section and due date, then its title."""
    label = prefix + say.ACTION_FACT.format(section=action.section or say.ACTION_NO_SECTION, due=say.due_label(action.due))
    return Fact(label=label, value=shorten(action.title, FACT_MAX))


def owner_name(action: Action) -> str:
    """The owner's display name as the channel gave it, else a neutral word (Slack gives no names with events)."""
    return action.owner_name or say.SOMEONE


def _edit(action: Action, change: ActionChange) -> EditAction:
    """A one-tap change that names the action's partition, so it works from any chat."""
    return EditAction(action=action.id, space=action.space, change=change)


def item_buttons(action: Action, number: int | None = None) -> tuple[Button, ...]:
    """An open action's changes, or a finished one's way back: what every list and reminder offers.

    In a list, `number` names the entry's own Edit button, so typing `Edit 2` says which one.
    """
    label = say.ITEM_BUTTONS
    open_label = label["open"] if number is None else say.EDIT_ACTION.format(number=number)
    details = Button(label=open_label, intent=OpenAction(action=action.id, space=action.space))
    if not action.active:
        return (Button(label=label["reopen"], intent=_edit(action, "reopen")), details)
    started = () if action.status == "in_progress" else (Button(label=label["in_progress"], intent=_edit(action, "in_progress")),)
    return (
        Button(label=label["done"], intent=_edit(action, "done")),
        *started,
        Button(label=label["later_7"], intent=_edit(action, "later_7")),
        Button(label=label["due"], intent=AskActionDue(action=action.id, space=action.space)),
        Button(label=label["owner"], intent=AskActionOwner(action=action.id, space=action.space)),
        Button(label=label["drop"], intent=_edit(action, "drop")),
        details,
    )


def _item(number: int, action: Action, *, owners: bool, allowed: Allowed) -> Item:
    fields = {"number": number, "section": _section(action), "due": say.due_label(action.due)}
    status = say.STATUSES[action.status]
    heading = (
        say.ACTION_ITEM_OWNER.format(**fields, status=status, owner=shorten(owner_name(action), 40))
        if owners
        else say.ACTION_ITEM.format(**fields, status=status)
    )
    buttons = item_buttons(action, number) if allowed(action) else ()
    return Item(heading=heading, text=shorten(action.title, FACT_MAX), buttons=buttons)


def actions_card(
    actions: Iterable[Action],
    *,
    done: bool = False,
    group: str | None = None,
    allowed: Allowed = lambda _action: True,
    in_group: bool = False,
) -> Card:
    """Open actions soonest first, or (`done`) finished ones latest first, each with the buttons its viewer may use.

    `group` names the working group whose actions these are; `in_group` offers the way between the two lists.
    """
    chosen = [a for a in actions if a.active != done]
    listed = (latest_first(chosen) if done else soonest_first(chosen))[:MAX_ITEMS]
    owners = group is not None
    empty = say.NO_DONE_ACTIONS if done else (say.NO_TEAM_ACTIONS if owners else say.NO_ACTIONS)
    lines = (empty,) if not listed else ((say.MORE_ACTIONS.format(shown=len(listed), total=len(chosen)),) if len(chosen) > len(listed) else ())
    return Card(
        title=_list_title(done, group),
        lines=lines,
        items=tuple(_item(n, a, owners=owners, allowed=allowed) for n, a in enumerate(listed, start=1)),
        actions=_list_actions(done=done, team=owners, in_group=in_group),
    )


def _list_title(done: bool, group: str | None) -> str:
    if group is None:
        return say.MY_DONE_TITLE if done else say.ACTIONS_TITLE
    return (say.TEAM_DONE_TITLE if done else say.TEAM_ACTIONS_TITLE).format(name=shorten(group, 80))


def _list_actions(*, done: bool, team: bool, in_group: bool) -> tuple[Button, ...]:
    toggle = Button(label=say.SHOW_OPEN if done else say.SHOW_DONE, intent=ShowActions(done=not done, team=team))
    other = ()
    if in_group:
        other = (Button(label=say.MY_ACTIONS if team else say.TEAM_ACTIONS, intent=ShowActions(team=not team)),)
    return (toggle, *other, Button(label=say.RESUME, intent=Resume()), Button(label=say.START, intent=StartAssessment()))


def _offered(action: Action) -> tuple[ActionChange, ...]:
    """The one-tap changes that make sense now: done or reopen, started, later, the other horizon, drop."""
    if not action.active:
        return ("reopen",)
    started: tuple[ActionChange, ...] = () if action.status == "in_progress" else ("in_progress",)
    horizon: ActionChange = "long_term" if action.horizon == "quick_win" else "quick_win"
    return ("done", *started, "later_7", "later_28", horizon, "drop")


def _facts(action: Action, reachable: bool) -> tuple[Fact, ...]:
    more = say.ACTION_FACTS_MORE
    owner = shorten(owner_name(action), 100) + ("" if reachable else say.OWNER_UNREACHABLE)
    facts = [
        Fact(label=say.ACTION_FACTS["due"], value=say.due_label(action.due)),
        Fact(label=say.ACTION_FACTS["horizon"], value=say.HORIZONS[action.horizon]),
        Fact(label=say.ACTION_FACTS["status"], value=say.STATUSES[action.status]),
        Fact(label=more["owner"], value=owner),
    ]
    if action.note:
        facts.append(Fact(label=more["note"], value=shorten(action.note, FACT_MAX)))
    return (*facts, *(_history_fact(action, entry) for entry in action.history[-say.ACTION_HISTORY_SHOWN :]))


def _history_fact(action: Action, entry: ActionEntry) -> Fact:
    """One recent change: when, what, and in which role the person acted (history keeps ids, never names or text)."""
    what = say.ACTION_HISTORY_WHAT[entry.what].format(
        status=say.STATUSES[entry.status].lower() if entry.status else "",
        horizon=say.HORIZONS[entry.horizon].lower() if entry.horizon else "",
        due=say.due_label(entry.due) if entry.due else "",
    )
    role = "owner" if entry.by == action.owner_id else "creator" if entry.by == action.made_by else "other"
    return Fact(label=say.due_label(entry.at.date()), value=say.ACTION_HISTORY_LINE.format(what=what, by=say.ACTION_HISTORY_BY[role]))


def action_card(action: Action, *, reachable: bool = True) -> Card:
    """One action with its details and every change; the text box renames it.

    `reachable` False says the owner cannot be messaged (no app for them, or they blocked it) until they write.
    """
    ask = {"action": action.id, "space": action.space}
    return Card(
        title=say.ACTION_TITLE.format(section=action.section) if action.section else say.ACTION_TITLE_PLAIN,
        lines=(action.title,),
        facts=_facts(action, reachable),
        choices=(
            *(Button(label=say.ACTION_CHANGES[change], intent=_edit(action, change)) for change in _offered(action)),
            Button(label=say.CHANGE_DUE, intent=AskActionDue(**ask)),
            Button(label=say.REASSIGN, intent=AskActionOwner(**ask)),
            Button(label=say.NOTE, intent=AskActionNote(**ask)),
        ),
        text_input=TextInput(
            placeholder=say.RENAME_PLACEHOLDER,
            max_length=TITLE_MAX,
            submit=Button(label=say.ACTION_CHANGES["rename"], intent=_edit(action, "rename")),
        ),
        actions=(Button(label=say.MY_ACTIONS, intent=ShowActions()),),
        ref=f"action:{action.id}",
    )


def _details(action: Action) -> Button:
    return Button(label=say.ITEM_BUTTONS["open"], intent=OpenAction(action=action.id, space=action.space))


def due_card(action: Action, today: date) -> Card:
    """A date input (checked again on the server) and quick picks counted from the day they are tapped."""
    ask = {"action": action.id, "space": action.space}
    return Card(
        title=say.DUE_TITLE.format(title=shorten(action.title, HEADING_TITLE_MAX)),
        lines=(say.DUE_LINE.format(due=say.day_in_words(action.due)),),
        choices=tuple(Button(label=label, intent=SetActionDue(**ask, pick=pick)) for pick, label in say.DUE_PICKS.items()),
        picker=Picker(
            kind="date", label=say.DUE_LABEL, required=say.DUE_REQUIRED, earliest=today, value=max(action.due, today),
            submit=Button(label=say.DUE_SET, intent=SetActionDue(**ask), primary=True),
        ),
        actions=(_details(action),),
        ref=f"action-due:{action.id}",
    )


def owner_card(action: Action, me: str, *, nearby: bool) -> Card:
    """A people picker: organisation-wide in a personal chat, this conversation's people in a channel or group chat.

    The person choosing is offered first, as themselves, so a lead can take an action over in one step.
    """
    line = say.OWNER_LINE_HERE if nearby else say.OWNER_LINE
    return Card(
        title=say.OWNER_TITLE.format(title=shorten(action.title, HEADING_TITLE_MAX)),
        lines=(line.format(owner=owner_name(action)),),
        picker=Picker(
            kind="person", label=say.OWNER_LABEL, required=say.OWNER_REQUIRED, nearby=nearby, people=((say.OWNER_ME, me),),
            submit=Button(label=say.OWNER_SET, intent=AssignAction(action=action.id, space=action.space), primary=True),
        ),
        actions=(_details(action),),
        ref=f"action-owner:{action.id}",
    )


def note_card(action: Action) -> Card:
    """A short note on the action, replacing any earlier one."""
    return Card(
        title=say.NOTE_TITLE.format(title=shorten(action.title, HEADING_TITLE_MAX)),
        lines=(action.note,) if action.note else (),
        text_input=TextInput(
            placeholder=say.NOTE_PLACEHOLDER, max_length=ACTION_NOTE_MAX,
            submit=Button(label=say.ADD_NOTE, intent=SetActionNote(action=action.id, space=action.space)),
        ),
        actions=(_details(action),),
        ref=f"action-note:{action.id}",
    )


def assigned_card(action: Action, by: Person, *, late: bool) -> Card:
    """The direct message a new owner gets: what the action is, who gave it, and its buttons, usable from here."""
    by_name = by.name or say.SOMEONE
    lines = (say.ASSIGNED_LINE.format(by=by_name, title=action.title), *((say.ASSIGNED_LATE,) if late else ()), say.ASSIGNED_STOP)
    return Card(
        title=say.ASSIGNED_TITLE,
        lines=lines,
        facts=(action_fact(action),),
        choices=item_buttons(action),
        ref=f"action-assigned:{action.id}",
    )
