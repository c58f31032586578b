"""When a person's time zone is first learned or changes, their pending reminders move to 09:00 where they now are.

Kept apart from bot/services/reminders.py because it reads the person's actions through the actions service, which
itself calls the reminders service after every write.
"""

from __future__ import annotations

from datetime import datetime

from bot.conversation_refs import personal_space
from bot.keys import TeamKey, TenantKey
from bot.services import actions, reminder_settings, reminders
from bot.store import Store


async def learned(store: Store, tenant: TenantKey, user_id: str, zone: str, now: datetime) -> None:
    """Keep the zone the channel reported; if it is new for the person, plan their open actions' reminders again."""
    if not await reminder_settings.learn_time_zone(store, tenant, user_id, zone, now):
        return
    for action in await actions.mine(store, tenant, personal_space(tenant, user_id), user_id):
        if action.active and action.space is not None:
            await reminders.after_change(store, TeamKey(tenant, action.space), action, now)
