"""Installs and removals as the channels report them, turned into bot/services/uninstall.py calls.

- Slack: `app_uninstalled`, or `tokens_revoked` naming bot tokens, removes the app from the whole workspace; any
  other verified request from the workspace shows it is installed (so a reinstall cancels a pending purge).
- Teams: `installationUpdate` with action `remove`, or a `conversationUpdate` whose membersRemoved includes the bot,
  removes it from that scope (a team, a group chat, or a person's own chat); `add`, the bot being added, or any
  other activity from the scope shows it is installed.
Each costs one read of the tenant's small installation space per request; the store keeps no state in the process.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from botbuilder.core import Middleware, TurnContext
from botbuilder.schema import Activity, ActivityTypes

from adapters.identity import identify
from adapters.slack.payloads import SlackRequest
from bot.errors import Refusal, StoreError
from bot.keys import TenantKey
from bot.services import uninstall
from bot.store import Store

SLACK_REMOVALS = frozenset({"app_uninstalled", "tokens_revoked"})
log = logging.getLogger("reflect.installation")


class Installations:
    """Records removals and presence for one app; `grace` is how long data is kept after a removal."""

    def __init__(self, store: Store, clock: Callable[[], datetime], grace: timedelta) -> None:
        self._store = store
        self._clock = clock
        self._grace = grace

    async def removed(self, tenant: TenantKey, scope: str) -> None:
        await uninstall.removed(self._store, tenant, scope, self._clock(), self._grace)

    async def present(self, tenant: TenantKey, scope: str) -> None:
        """Best effort: a store failure here must not cost the person their turn; the next request tries again."""
        try:
            await uninstall.seen(self._store, tenant, scope)
        except StoreError:
            log.warning("installation check skipped: store error")

    def slack(self, handle: Callable[[SlackRequest], Awaitable[None]]) -> Callable[[SlackRequest], Awaitable[None]]:
        """Wraps the Slack adapter's handler: a removal is recorded and goes no further; anything else shows presence."""

        async def run(request: SlackRequest) -> None:
            tenant = TenantKey("slack", request.team_id)
            if request.kind == "event" and _slack_removal(request.payload.get("event") or {}):
                await self.removed(tenant, uninstall.WHOLE_TENANT)
                return
            await self.present(tenant, uninstall.WHOLE_TENANT)
            await handle(request)

        return run


def _slack_removal(event: dict[str, object]) -> bool:
    """The app itself is gone: uninstalled, or its bot token revoked (Reflect holds no user tokens)."""
    if event.get("type") == "app_uninstalled":
        return True
    tokens = event.get("tokens")
    return event.get("type") == "tokens_revoked" and isinstance(tokens, dict) and bool(tokens.get("bot"))


class TeamsInstallations(Middleware):
    """Teams middleware: removal activities record a removal of their scope; every other activity shows presence."""

    def __init__(self, installations: Installations) -> None:
        self._installations = installations

    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable[None]]) -> None:
        activity = context.activity
        try:
            who = identify(activity)
        except Refusal:
            await logic()
            return
        tenant, scope = who.team.tenant, who.team.team_id
        if _teams_removal(activity):
            await self._installations.removed(tenant, scope)
            return
        await self._installations.present(tenant, scope)
        await logic()


def _teams_removal(activity: Activity) -> bool:
    if activity.type == ActivityTypes.installation_update:
        return (activity.action or "") == "remove"
    if activity.type == ActivityTypes.conversation_update and activity.recipient is not None:
        return any(member.id == activity.recipient.id for member in activity.members_removed or [])
    return False
