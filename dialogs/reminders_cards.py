"""Cards for reminders: the reminder itself (Done, Snooze a week and Update work from it), its outcome shown in place
once the action closes, the note to whoever assigned an action whose owner cannot be reached, and the settings."""

from __future__ import annotations

from datetime import date

from bot import messages as say
from bot.intents import EditAction, OpenAction, ShowActions
from bot.models import Action
from bot.services.reminder_settings import ReminderSetting
from bot.services.reminders import Stage
from bot.views import Button, Card, Fact
from dialogs.cards import shorten

FACT_MAX = 300


def _facts(action: Action) -> tuple[Fact, ...]:
    return (
        Fact(label=say.ACTION_FACTS["due"], value=say.due_label(action.due)),
        Fact(label=say.ACTION_TITLE.format(section=action.section)[:60], value=shorten(action.title, FACT_MAX)),
    )


def reminder_card(action: Action, stage: Stage, *, late: bool) -> Card:
    """A reminder to an action's owner, actionable from the message itself (its buttons name the action's space, so
    they work from the owner's own chat), saying how to stop reminders."""
    lines = (say.REMINDER_LATE,) if late else ()
    return Card(
        title=say.REMINDER_TITLES[stage].format(due=say.due_label(action.due)),
        lines=(*lines, say.REMINDER_HOW_TO_STOP),
        facts=_facts(action),
        choices=(
            Button(label=say.REMINDER_BUTTONS["done"], intent=EditAction(action=action.id, space=action.space, change="done"), primary=True),
            Button(label=say.REMINDER_BUTTONS["later_7"], intent=EditAction(action=action.id, space=action.space, change="later_7")),
            Button(label=say.REMINDER_BUTTONS["update"], intent=OpenAction(action=action.id, space=action.space)),
        ),
        ref=f"reminder:{action.id}",
    )


def outcome_card(action: Action, closed_on: date) -> Card:
    """A sent reminder, updated in place once its action is done or dropped: no buttons left to press."""
    return Card(
        title=say.REMINDER_OUTCOME_TITLE.format(status=say.STATUSES.get(action.status, action.status).lower()),
        lines=(say.REMINDER_OUTCOME_LINE.format(day=say.due_label(closed_on)),),
        facts=_facts(action),
        actions=(Button(label=say.MY_ACTIONS, intent=ShowActions()),),
        ref=f"reminder:{action.id}",
    )


def unreachable_card(action: Action, owner: str | None) -> Card:
    """To whoever assigned an action: its owner cannot be reached, so they hear no reminders for now."""
    return Card(
        title=say.REMINDER_UNREACHABLE_TITLE,
        lines=(say.REMINDER_UNREACHABLE_LINE.format(owner=owner or say.REMINDER_OWNER_UNKNOWN),),
        facts=_facts(action),
    )


def settings_card(setting: ReminderSetting, *, own: bool, zone: str) -> Card:
    """A person's reminder setting, where it comes from, their zone, and how to change it."""
    state = say.REMINDERS_ON.format(lead=setting.lead_days) if setting.enabled else say.REMINDERS_OFF
    lines = (state,) if own else (state, say.REMINDERS_FROM_TEAM)
    return Card(
        title=say.REMINDERS_TITLE,
        lines=(*lines, say.REMINDERS_ZONE.format(zone=zone), say.REMINDERS_HOW),
        actions=(Button(label=say.MY_ACTIONS, intent=ShowActions()),),
    )
