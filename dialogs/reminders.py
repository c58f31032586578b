"""`reminders`: a person's own reminder setting, and a lead's default for their working group.

`reminders` shows the setting in force; `reminders off`, `reminders on`, `reminders 3 days` and `reminders default`
change the person's own; `reminders team off` or `reminders team 3 days` in a group's channel set its default
(leads only). Each change plans the affected open actions' reminders again at once.
"""

from __future__ import annotations

import re

from bot import messages as say
from bot.errors import Refusal
from bot.keys import TeamKey
from bot.models import Action
from bot.services import groups, reminder_settings, reminders
from bot.services.reminder_settings import ReminderSetting
from bot.views import Notice
from bot.working_calendar import WorkingCalendar
from dialogs.flow import FlowContext, FlowResult, leads_to
from dialogs.reminders_cards import settings_card

_LEAD = re.compile(r"(?P<days>\d{1,2})(\s+(working\s+)?days?)?")
Choice = ReminderSetting | None


@leads_to(settings_card)
async def show(ctx: FlowContext) -> FlowResult:
    """The setting in force for this person here, and where it comes from."""
    own = (await reminder_settings.preferences(ctx.store, ctx.team.tenant, ctx.user_id)).reminders
    setting = await reminder_settings.setting_for(ctx.store, ctx.space, ctx.user_id)
    calendar = await reminder_settings.calendar_for(ctx.store, ctx.space, ctx.user_id, WorkingCalendar())
    return FlowResult(views=(settings_card(setting, own=own is not None, zone=calendar.zone.key),))


@leads_to()
async def change(ctx: FlowContext, argument: str) -> FlowResult:
    """`reminders off|on|N days|default`, or `reminders team …` for a lead."""
    words = " ".join(argument.casefold().split())
    if words.startswith("team "):
        return await _change_team(ctx, words.removeprefix("team "))
    current = await reminder_settings.setting_for(ctx.store, ctx.team, ctx.user_id)
    choice = _parse(words, current, allow_default=True)
    await reminder_settings.choose(ctx.store, ctx.team.tenant, ctx.user_id, choice)
    await _plan_again(ctx, ctx.team, owner=ctx.user_id)
    return FlowResult(views=(Notice(text=say.REMINDERS_CHANGED.format(what=_describe(choice))),))


async def _change_team(ctx: FlowContext, words: str) -> FlowResult:
    group = await groups.find(ctx.store, ctx.space)
    if group is None or group.role_of(ctx.user_id) != "lead":
        raise Refusal(say.REMINDERS_TEAM_LEADS_ONLY)
    current = await reminder_settings.team_setting(ctx.store, ctx.space)
    choice = _parse(words, current, allow_default=False)
    assert choice is not None
    await reminder_settings.choose_for_team(ctx.store, ctx.space, choice, ctx.user_id, ctx.now)
    await _plan_again(ctx, ctx.space, owner=None)
    return FlowResult(views=(Notice(text=say.REMINDERS_TEAM_CHANGED.format(name=group.name, what=_describe(choice))),))


def _parse(words: str, current: ReminderSetting, *, allow_default: bool) -> Choice:
    """off, on, N (working) days, or (for a person) default; anything else is a polite refusal saying what works."""
    if words == "off":
        return current.model_copy(update={"enabled": False})
    if words == "on":
        return current.model_copy(update={"enabled": True})
    if words == "default" and allow_default:
        return None
    lead = _LEAD.fullmatch(words)
    if lead is not None and 1 <= int(lead["days"]) <= reminder_settings.MAX_LEAD_DAYS:
        return ReminderSetting(lead_days=int(lead["days"]))
    raise Refusal(say.REMINDERS_NOT_UNDERSTOOD)


def _describe(choice: Choice) -> str:
    if choice is None:
        return say.REMINDERS_WHAT_DEFAULT
    return say.REMINDERS_WHAT_ON.format(lead=choice.lead_days) if choice.enabled else say.REMINDERS_WHAT_OFF


async def _plan_again(ctx: FlowContext, space: TeamKey, *, owner: str | None) -> None:
    """Re-plan the open actions here (the person's own, or everyone's for a team default) under the new setting."""
    where: dict[str, object] = {} if owner is None else {"owner_id": owner}
    for action in await ctx.store.find(space, Action, **where):
        if action.active:
            await reminders.after_change(ctx.store, space, action, ctx.now)
