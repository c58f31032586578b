"""Microsoft Teams / Bot Framework edge: POST /api/messages, composed from one-job checks.

In order: the request is a well-formed activity (`activity_checks`), its serviceUrl may receive our replies and
token (`service_urls`), the token is good (`auth`); only then does the CloudAdapter run the turn, with invokes
answered (`invokes`) and undeliverable replies told apart from faults (`delivery`). Refusals are 4xx with a short
JSON body; a reply the Connector would not take is logged and answered 2xx, so Teams does not redeliver a turn whose
changes are already saved (issue 8).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web
from botbuilder.core import Bot, Middleware, TurnContext
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult, ServiceClientCredentialsFactory

from adapters.http_body import refused
from adapters.teams.activity_checks import checked_activity
from adapters.teams.auth import TeamsAuthentication
from adapters.teams.delivery import DeliveringCloudAdapter
from adapters.teams.file_consent import FILE_CONSENT
from adapters.teams.files import TeamsFiles
from adapters.teams.invokes import AnswerInvokes
from adapters.teams.service_urls import service_url_allowed
from adapters.teams.signing_keys import KeyPolicy
from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.errors import DeliveryError, Rejected, where

log = logging.getLogger("reflect.teams")


class TeamsEndpoint:
    """The Bot Framework entry point: validates and authenticates each request, then runs the bot's turn.

    `invokes` are middleware that handle the invokes Reflect answers itself (file consent), ahead of the catch-all.
    """

    def __init__(
        self,
        settings: Settings,
        bot: Bot,
        *,
        credentials_factory: ServiceClientCredentialsFactory | None = None,
        on_turn_error: Callable[[TurnContext, Exception], Awaitable[None]] | None = None,
        key_policy: KeyPolicy = KeyPolicy(),
        clock: Clock = utc_now,
        invokes: Sequence[Middleware] = (),
    ) -> None:
        self._settings = settings
        self._bot = bot
        self._authentication = TeamsAuthentication(
            settings, credentials_factory=credentials_factory, key_policy=key_policy, clock=clock
        )
        self.adapter = DeliveringCloudAdapter(self._authentication.sdk)
        self.adapter.on_turn_error = on_turn_error
        for handler in invokes:
            self.adapter.use(handler)
        self._invokes = AnswerInvokes()
        self.adapter.use(self._invokes)

    def deliver_files(self, files: TeamsFiles) -> None:
        """Exports: file offers become a link and a consent card, and their consent invokes are answered (the ones
        `my data` offers are answered by its own middleware, ahead of these)."""
        self.adapter.files = files
        self._invokes.handlers[FILE_CONSENT] = files.consent

    async def close(self) -> None:
        """Close the Connector clients kept between turns."""
        await self._authentication.sdk.close()

    async def handle(self, request: web.Request) -> web.Response:
        """POST /api/messages: refuse bad requests with 4xx before the SDK sees them, then run the turn."""
        try:
            activity, authenticated = await self._admit(request)
        except Rejected as rejected:
            return refused(rejected, log, "Teams request")
        try:
            invoke_response = await self.adapter.process_activity(authenticated, activity, self._bot.on_turn)
        except DeliveryError as undelivered:
            log.warning(
                "Teams reply not delivered (%s) for activity %r in conversation %r",
                undelivered.kind, activity.id, activity.conversation.id,
            )
            return web.Response(status=201)
        except Exception as error:
            log.error(
                "Teams turn failed: %s at %s (activity %r, conversation %r)",
                type(error).__name__, where(error), activity.id, activity.conversation.id,
            )
            return web.json_response({"error": "internal error"}, status=500)
        if invoke_response is None:
            return web.Response(status=201)
        if invoke_response.body is None:
            return web.Response(status=invoke_response.status)
        return web.json_response(invoke_response.body, status=invoke_response.status)

    async def _admit(self, request: web.Request) -> tuple[Activity, AuthenticateRequestResult]:
        """Run every check in order; the first failure raises `Rejected`."""
        activity = await checked_activity(request)
        if not service_url_allowed(self._settings, activity.service_url):
            raise Rejected(
                403, "serviceUrl is not allowed",
                f"serviceUrl {activity.service_url[:100]!r} not allowed (activity {activity.id!r})",
            )
        header = request.headers.get("Authorization", "")
        return activity, await self._authentication.authenticate(activity, header)
