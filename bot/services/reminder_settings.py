"""Who gets reminders, how far ahead, and in whose local time.

- A person's own preferences live in their own space (`user:<id>`): the time zone the channel last told us (Teams'
  `localTimezone`, Slack's `users.info` `tz`) and, if they chose one, their reminder setting.
- A team's default reminder setting lives in the team's partition, set by a lead.
- Whichever is set wins, the person's first; with neither, reminders come 2 working days ahead.

A recipient's working calendar is their own zone (else their group's, else the deployment's) with their group's
nation, quiet hours and extra closed days (else the deployment's): so a reminder reaches them at 09:00 where they are, never in quiet
hours, at a weekend or on a bank holiday.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Annotated, ClassVar
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from bot.conversation_refs import personal_space
from bot.keys import TeamKey, TenantKey
from bot.local_time import CalendarSettingError, parse_time_zone
from bot.models import Document, Id, Team
from bot.store import Store
from bot.services.groups import calendar_of
from bot.working_calendar import WorkingCalendar

DEFAULT_LEAD_DAYS = 2
MAX_LEAD_DAYS = 10
ZONE_FRESH_FOR = timedelta(days=7)
"""A zone learned from Slack's `users.info` is asked for again after a week (people travel)."""
PREFERENCES = "preferences"
TEAM_REMINDERS = "reminders"


def _zone_name(name: str) -> str:
    try:
        parse_time_zone(name)
    except CalendarSettingError as error:
        raise ValueError(str(error)) from None
    return name


ZoneName = Annotated[str, AfterValidator(_zone_name)]


class ReminderSetting(BaseModel):
    """Reminders on or off, and how many working days before the due date the first one comes."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    enabled: bool = True
    lead_days: Annotated[int, Field(ge=1, le=MAX_LEAD_DAYS)] = DEFAULT_LEAD_DAYS


DEFAULT_SETTING = ReminderSetting()


class PersonPreferences(Document):
    """One person's time zone as their channel reports it, and their own reminder setting if they chose one."""

    table: ClassVar[str] = "person_preferences"
    user_id: Id
    time_zone: ZoneName | None = None
    zone_seen_at: AwareDatetime | None = None
    """When the channel was last asked for the zone (Slack) or last reported it (Teams)."""
    reminders: ReminderSetting | None = None

    @property
    def doc_id(self) -> str:
        return PREFERENCES


class TeamReminders(Document):
    """A team's default reminder setting, chosen by a lead; a person's own setting outranks it."""

    table: ClassVar[str] = "team_reminders"
    setting: ReminderSetting
    by: Id
    at: AwareDatetime

    @property
    def doc_id(self) -> str:
        return TEAM_REMINDERS


async def preferences(store: Store, tenant: TenantKey, user_id: str) -> PersonPreferences:
    """The person's preferences, or empty ones (nothing learned, nothing chosen)."""
    found = await store.get(personal_space(tenant, user_id), PersonPreferences, PREFERENCES)
    return found or PersonPreferences(user_id=user_id)


async def _change(store: Store, tenant: TenantKey, user_id: str, **changes: object) -> PersonPreferences:
    def apply(current: PersonPreferences | None) -> PersonPreferences:
        base = current or PersonPreferences(user_id=user_id)
        return PersonPreferences.model_validate({**base.model_dump(), **changes})

    return await store.update(personal_space(tenant, user_id), PersonPreferences, PREFERENCES, apply)


async def learn_time_zone(store: Store, tenant: TenantKey, user_id: str, zone: str, now: datetime) -> bool:
    """Keep the zone a channel reported for the person; True when it is new for them (their reminders move with it).

    An unknown name is ignored; an unchanged zone is rewritten at most weekly.
    """
    try:
        _zone_name(zone)
    except ValueError:
        return False
    current = await preferences(store, tenant, user_id)
    fresh = current.zone_seen_at is not None and now - current.zone_seen_at < ZONE_FRESH_FOR
    if current.time_zone != zone or not fresh:
        await _change(store, tenant, user_id, time_zone=zone, zone_seen_at=now)
    return current.time_zone != zone


async def zone_checked(store: Store, tenant: TenantKey, user_id: str, now: datetime) -> None:
    """The channel was asked and gave no zone (no profile zone, or no permission to read it): not asked again for a
    week, and the zone known before, if any, is kept."""
    await _change(store, tenant, user_id, zone_seen_at=now)


async def zone_is_fresh(store: Store, tenant: TenantKey, user_id: str, now: datetime) -> bool:
    """Whether the person's zone was learned within the last week (so Slack need not be asked again)."""
    seen = (await preferences(store, tenant, user_id)).zone_seen_at
    return seen is not None and now - seen < ZONE_FRESH_FOR


async def choose(store: Store, tenant: TenantKey, user_id: str, setting: ReminderSetting | None) -> None:
    """The person's own setting; None goes back to their team's default."""
    await _change(store, tenant, user_id, reminders=None if setting is None else setting.model_dump())


async def choose_for_team(store: Store, team: TeamKey, setting: ReminderSetting, by: str, now: datetime) -> None:
    """A team's default (the caller checks the person is a lead)."""
    await store.put(team, TeamReminders(setting=setting, by=by, at=now))


async def setting_for(store: Store, team: TeamKey, user_id: str) -> ReminderSetting:
    """The person's own setting, else their team's default, else on with a 2 working day lead."""
    own = (await preferences(store, team.tenant, user_id)).reminders
    return own if own is not None else await team_setting(store, team)


async def team_setting(store: Store, team: TeamKey) -> ReminderSetting:
    """The team's default, else on with a 2 working day lead."""
    default = await store.get(team, TeamReminders, TEAM_REMINDERS)
    return DEFAULT_SETTING if default is None else default.setting


async def calendar_for(store: Store, team: TeamKey, user_id: str, defaults: WorkingCalendar) -> WorkingCalendar:
    """The recipient's working time: their zone, else their group's, else the deployment's (see module docstring)."""
    group = await store.get(team, Team, team.team_id)
    zone_name = (await preferences(store, team.tenant, user_id)).time_zone
    if group is None:
        zone = ZoneInfo(zone_name) if zone_name else defaults.zone
        return WorkingCalendar(zone, defaults.nation, defaults.quiet_hours, defaults.closed_days)
    own = calendar_of(group)
    return own if zone_name is None else replace(own, zone=ZoneInfo(zone_name))
