"""Replies that the Bot Connector would not take become one `DeliveryError`, whatever the transport raised.

The pipeline's turn-error handler can then tell a reply that could not be delivered (a warning, and Teams is
answered 2xx so it does not redeliver a turn whose changes are saved) from a fault in Reflect (issue 8).
"""

from __future__ import annotations

from typing import Any

import aiohttp
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ResourceResponse
from msrest.exceptions import ClientRequestError, HttpOperationError

from adapters.teams.files import TeamsFiles
from bot.errors import Delivery, DeliveryError

TRANSPORT_FAILURES = (HttpOperationError, ClientRequestError, aiohttp.ClientError, OSError, TimeoutError)


class DeliveringCloudAdapter(CloudAdapter):
    """The SDK's CloudAdapter, with send and update failures mapped to `DeliveryError`, and file offers turned into
    what Teams can show (`files`, set when exports are wired)."""

    files: TeamsFiles | None = None

    async def send_activities(self, context: TurnContext, activities: list[Activity]) -> list[ResourceResponse]:
        if self.files is not None:
            activities = [sent for activity in activities for sent in await self.files.expand(context, activity)]
        try:
            return await super().send_activities(context, activities)
        except TRANSPORT_FAILURES as failed:
            raise _undelivered(failed) from failed

    async def update_activity(self, context: TurnContext, activity: Activity) -> Any:
        try:
            return await super().update_activity(context, activity)
        except TRANSPORT_FAILURES as failed:
            raise _undelivered(failed) from failed


def _undelivered(failed: Exception) -> DeliveryError:
    response = getattr(failed, "response", None)
    status = getattr(response, "status_code", None)
    status = status if isinstance(status, int) else None
    return DeliveryError(_kind(status), f"{type(failed).__name__} {status or ''}".strip())


def _kind(status: int | None) -> Delivery:
    """Throttled or unreachable connectors may work later; 403 and 404 mean this conversation is gone (T29)."""
    if status is None or status == 429 or status >= 500:
        return "retry"
    if status in (403, 404):
        return "unreachable"
    return "permanent"
