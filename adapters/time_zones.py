"""Learn each person's time zone from their channel, so reminders reach them at 09:00 where they are.

Teams sends it with every message from a person's client: the activity's `localTimezone`, and `timezone` in the
`clientInfo` entity (IANA names, such as Europe/London). Slack sends none with events, so the person's profile is
read (`users.info`, its `tz`) when no zone is known for them or the one known is over a week old. A zone is kept
only from an activity the turn accepted, and a failure here never fails the turn: reminders then use the team's zone.
A zone new for the person moves their pending reminders to 09:00 in it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from aiohttp import ClientError
from botbuilder.core import Middleware, TurnContext
from botbuilder.schema import Activity
from slack_sdk.errors import SlackApiError

from adapters.events import TURN_REFUSED
from adapters.identity import Identity, identify
from adapters.slack.adapter import SlackAdapter
from bot.errors import Refusal, StoreError
from bot.services import reminder_settings, reminder_zones
from bot.store import Store

log = logging.getLogger("reflect.time_zones")


def teams_zone(activity: Activity) -> str | None:
    """The zone a Teams client reported: `localTimezone`, else the clientInfo entity's `timezone`."""
    if isinstance(activity.local_timezone, str) and activity.local_timezone:
        return activity.local_timezone
    for entity in activity.entities or []:
        properties = getattr(entity, "additional_properties", None) or {}
        zone = properties.get("timezone")
        if getattr(entity, "type", None) == "clientInfo" and isinstance(zone, str) and zone:
            return zone
    return None


class LearnTimeZones(Middleware):
    """After an accepted turn, keep the zone the person's channel reports (Teams: in the activity; Slack: asked)."""

    def __init__(self, store: Store, clock: Callable[[], datetime]) -> None:
        self._store, self._clock = store, clock

    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable[None]]) -> None:
        await logic()
        if context.turn_state.get(TURN_REFUSED) or context.activity.type != "message":
            return
        try:
            who = identify(context.activity)
        except Refusal:
            return
        try:
            if isinstance(context.adapter, SlackAdapter):
                await self._ask_slack(context.adapter, who)
            else:
                await self._keep(who, teams_zone(context.activity))
        except StoreError:
            log.warning("time zone not saved: store error")

    async def _keep(self, who: Identity, zone: str | None) -> None:
        if zone is not None:
            await reminder_zones.learned(self._store, who.team.tenant, who.user_id, zone, self._clock())

    async def _ask_slack(self, adapter: SlackAdapter, who: Identity) -> None:
        """At most weekly per person; a profile without a zone, or a refusal (say, no users:read scope), counts as asked."""
        tenant, now = who.team.tenant, self._clock()
        if await reminder_settings.zone_is_fresh(self._store, tenant, who.user_id, now):
            return
        try:
            zone = await adapter.user_time_zone(who.user_id)
        except (SlackApiError, ClientError, TimeoutError) as error:
            log.info("time zone not read: %s", type(error).__name__)
            zone = None
        if zone is None:
            await reminder_settings.zone_checked(self._store, tenant, who.user_id, now)
        else:
            await self._keep(who, zone)
