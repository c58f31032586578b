"""Microsoft Teams / Bot Framework edge: POST /api/messages, with the checks botbuilder 4.17.1 leaves out.

Every request is checked before the bot runs: media type, size, JSON and activity shape, a serviceUrl we are willing
to send replies (and our bearer token) to, then Bot Framework authentication. Problems become 4xx answers with a short
JSON body; authentication failures are always 401, never the SDK's 500 (platform facts T6, T8, T8b, T9).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests
from aiohttp import web
from botbuilder.core import Bot, TurnContext, serializer_helper
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botbuilder.schema import Activity, CallerIdConstants
from botframework.connector.auth import (
    AppCredentials,
    AuthenticateRequestResult,
    AuthenticationConstants,
    ServiceClientCredentialsFactory,
)
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from adapters.teams.clients import ReusedClientsAuthentication
from bot.errors import Rejected
from bot.config import Settings, is_loopback_host
from bot.errors import where

log = logging.getLogger("reflect.teams")

MAX_BODY_BYTES = 1024 * 1024



class _Party(BaseModel):
    """A conversation or account reference; only its id matters to us."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1)


class InboundActivity(BaseModel):
    """The fields Reflect relies on; anything else the channel sends passes through untouched."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(min_length=1)
    id: str | None = None
    service_url: str = Field(min_length=1, validation_alias="serviceUrl")
    channel_id: str = Field(min_length=1, validation_alias="channelId")
    conversation: _Party
    from_: _Party = Field(validation_alias="from")
    recipient: _Party


@dataclass(frozen=True)
class _SdkConfiguration:
    """The attribute bag `ConfigurationBotFrameworkAuthentication` reads; unset attributes must stay None."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str | None
    TO_CHANNEL_FROM_BOT_LOGIN_URL: str | None = None
    TO_CHANNEL_FROM_BOT_OAUTH_SCOPE: str | None = None
    TO_BOT_FROM_CHANNEL_TOKEN_ISSUER: str | None = None
    OAUTH_URL: str | None = None
    TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL: str | None = None
    TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL: str | None = None
    CALLER_ID: str | None = None


def _sdk_configuration(settings: Settings) -> _SdkConfiguration:
    """Translate settings for the SDK; a metadata override must come with all public-cloud values (T10)."""
    if settings.local_mode:
        return _SdkConfiguration(APP_ID="", APP_PASSWORD="", APP_TYPE="MultiTenant", APP_TENANTID=None)
    password = settings.microsoft_app_password
    credentials = _SdkConfiguration(
        APP_ID=settings.microsoft_app_id or "",
        APP_PASSWORD=password.get_secret_value() if password else "",
        APP_TYPE=settings.microsoft_app_type,
        APP_TENANTID=settings.microsoft_app_tenant_id,
    )
    if settings.bot_openid_metadata_url is None:
        return credentials
    return replace(
        credentials,
        TO_CHANNEL_FROM_BOT_LOGIN_URL=AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX,
        TO_CHANNEL_FROM_BOT_OAUTH_SCOPE=AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE,
        TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
        OAUTH_URL=AuthenticationConstants.OAUTH_URL,
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=settings.bot_openid_metadata_url,
        TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL=AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL,
        CALLER_ID=CallerIdConstants.public_azure_channel.value,
    )


class _AppIdFromSettings(ServiceClientCredentialsFactory):
    """Inbound app-id checks come from settings, so a replaced outbound token source can never weaken them."""

    def __init__(self, app_id: str | None, outbound: ServiceClientCredentialsFactory) -> None:
        self._app_id = app_id
        self._outbound = outbound

    async def is_valid_app_id(self, app_id: str) -> bool:
        return bool(self._app_id) and app_id == self._app_id

    async def is_authentication_disabled(self) -> bool:
        return not self._app_id

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> AppCredentials:
        return await self._outbound.create_credentials(app_id, oauth_scope, login_endpoint, validate_authority)


def service_url_allowed(settings: Settings, service_url: str) -> bool:
    """Replies carry our bearer token to serviceUrl, so only allow-listed https hosts qualify (T6, T9).

    http is accepted only for loopback hosts; in local mode (no authentication) only loopback hosts qualify at all.
    """
    try:
        parts = urlsplit(service_url)
        host, _ = parts.hostname, parts.port
    except ValueError:
        return False
    if host is None or "@" in parts.netloc or "\\" in service_url:
        return False
    loopback = is_loopback_host(host)
    if settings.local_mode:
        return loopback and parts.scheme in ("http", "https")
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        return False
    return any(_host_matches(host, pattern) for pattern in settings.service_url_allowlist)


def _host_matches(host: str, pattern: str) -> bool:
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return host == pattern


class TeamsEndpoint:
    """The Bot Framework entry point: validates and authenticates each request, then runs the bot's turn."""

    def __init__(
        self,
        settings: Settings,
        bot: Bot,
        *,
        credentials_factory: ServiceClientCredentialsFactory | None = None,
        on_turn_error: Callable[[TurnContext, Exception], Awaitable[None]] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        configuration = _sdk_configuration(settings)
        outbound = credentials_factory or ConfigurationServiceClientCredentialFactory(configuration)
        authentication = ConfigurationBotFrameworkAuthentication(
            configuration,
            credentials_factory=_AppIdFromSettings(configuration.APP_ID or None, outbound),
        )
        self._settings = settings
        self._bot = bot
        self._clients = ReusedClientsAuthentication(authentication, clock=clock)
        self.adapter = CloudAdapter(self._clients)
        self.adapter.on_turn_error = on_turn_error

    async def close(self) -> None:
        """Close the Connector clients kept between turns."""
        await self._clients.close()

    async def handle(self, request: web.Request) -> web.Response:
        """POST /api/messages: refuse bad requests with 4xx before the SDK sees them, then run the turn."""
        try:
            activity, authenticated = await self._admit(request)
        except Rejected as rejected:
            log.info("rejected Teams request (%s): %s", rejected.status, rejected.reason)
            return web.json_response({"error": rejected.public}, status=rejected.status)
        try:
            invoke_response = await self.adapter.process_activity(authenticated, activity, self._bot.on_turn)
        except Exception as error:
            log.error(
                "Teams turn failed: %s at %s (activity %r, conversation %r)",
                type(error).__name__, where(error), activity.id, activity.conversation.id,
            )
            return web.json_response({"error": "internal error"}, status=500)
        if invoke_response:
            return web.json_response(serializer_helper(invoke_response.body), status=invoke_response.status)
        return web.Response(status=201)

    async def _admit(self, request: web.Request) -> tuple[Activity, AuthenticateRequestResult]:
        """Run every check in order; the first failure raises `Rejected`."""
        if request.content_type != "application/json":
            raise Rejected(415, "Content-Type must be application/json")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise Rejected(413, "request body too large") from None
        if len(body) > MAX_BODY_BYTES:
            raise Rejected(413, "request body too large")
        try:
            payload = json.loads(body)
        except ValueError:
            raise Rejected(400, "body is not valid JSON") from None
        try:
            InboundActivity.model_validate(payload)
        except ValidationError as invalid:
            raise Rejected(400, f"invalid activity: {_first_problem(invalid)}") from None
        try:
            activity = Activity().deserialize(payload)
        except ValueError:
            raise Rejected(400, "invalid activity: a field has the wrong type") from None
        if not service_url_allowed(self._settings, activity.service_url):
            raise Rejected(
                403, "serviceUrl is not allowed",
                f"serviceUrl {activity.service_url[:100]!r} not allowed (activity {activity.id!r})",
            )
        return activity, await self._authenticate(request, activity)

    async def _authenticate(self, request: web.Request, activity: Activity) -> AuthenticateRequestResult:
        """Authenticate apart from the turn, so only auth failures become 401 and bot errors stay 500."""
        header = request.headers.get("Authorization", "")
        try:
            return await self.adapter.bot_framework_authentication.authenticate_request(activity, header)
        except requests.RequestException as error:
            raise Rejected(
                503, "signing keys unavailable", f"OpenID metadata fetch failed: {type(error).__name__}"
            ) from None
        except Exception as error:
            raise Rejected(
                401, "unauthorized", f"authentication failed: {_auth_reason(error)} (activity {activity.id!r})"
            ) from None


def _auth_reason(error: Exception) -> str:
    """The SDK's own PermissionError texts are useful and hold no secrets; other messages are not trusted."""
    if isinstance(error, PermissionError):
        return f"{type(error).__name__} {str(error)[:120]!r}"
    return type(error).__name__


def _first_problem(invalid: ValidationError) -> str:
    error = invalid.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in error["loc"]) or "body"
    return f"{where}: {error['msg']}"
