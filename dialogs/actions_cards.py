"""Cards for actions: the open list, and one action with its one-tap changes."""

from __future__ import annotations

from collections.abc import Iterable

from bot import messages as say
from bot.intents import EditAction, OpenAction, Resume, ShowActions, StartAssessment
from bot.models import Action, ActionChange
from bot.views import Button, Card, Fact, TextInput
from dialogs.cards import shorten

MAX_LISTED_ACTIONS = 10
TITLE_MAX = 200
FACT_MAX = 300


def soonest_first(actions: Iterable[Action]) -> list[Action]:
    """Open work reads best by due date, then by section."""
    return sorted(actions, key=lambda action: (action.due, action.section))


def action_fact(action: Action, prefix: str = "") -> Fact:
    """An action as one line of facts: section and due date, then its title."""
    label = prefix + say.ACTION_FACT.format(section=action.section, due=say.due_label(action.due))
    return Fact(label=label, value=shorten(action.title, FACT_MAX))


def actions_card(actions: Iterable[Action]) -> Card:
    """Open actions, soonest first, each with a button to open it for editing."""
    listed = soonest_first(actions)[:MAX_LISTED_ACTIONS]
    return Card(
        title=say.ACTIONS_TITLE,
        lines=() if listed else (say.NO_ACTIONS,),
        facts=tuple(action_fact(a, f"{number}. ") for number, a in enumerate(listed, start=1)),
        choices=tuple(
            Button(label=say.EDIT_ACTION.format(number=number), intent=OpenAction(action=a.id))
            for number, a in enumerate(listed, start=1)
        ),
        actions=(Button(label=say.RESUME, intent=Resume()), Button(label=say.START, intent=StartAssessment())),
    )


def _offered(action: Action) -> tuple[ActionChange, ...]:
    """The changes that make sense now: done or reopen, the other horizon, and a later due date."""
    return (
        "reopen" if action.status == "done" else "done",
        "long_term" if action.horizon == "quick_win" else "quick_win",
        "later_7",
        "later_28",
    )


def action_card(action: Action) -> Card:
    """One action with its details and one-tap changes; the text box renames it."""
    return Card(
        title=say.ACTION_TITLE.format(section=action.section),
        lines=(action.title,),
        facts=(
            Fact(label=say.ACTION_FACTS["due"], value=say.due_label(action.due)),
            Fact(label=say.ACTION_FACTS["horizon"], value=say.HORIZONS[action.horizon]),
            Fact(label=say.ACTION_FACTS["status"], value=say.STATUSES[action.status]),
        ),
        choices=tuple(
            Button(label=say.ACTION_CHANGES[change], intent=EditAction(action=action.id, change=change))
            for change in _offered(action)
        ),
        text_input=TextInput(
            placeholder=say.RENAME_PLACEHOLDER,
            max_length=TITLE_MAX,
            submit=Button(label=say.ACTION_CHANGES["rename"], intent=EditAction(action=action.id, change="rename")),
        ),
        actions=(Button(label=say.MY_ACTIONS, intent=ShowActions()),),
        ref=f"action:{action.id}",
    )
