"""Bot Framework authentication for /api/messages: the SDK's checks, plus what botbuilder 4.17.1 leaves out.

In the manner of the Agents SDK's `jwt_authorization_middleware`, one job: turn an Authorization header into an
authenticated request or a refusal. Before the SDK looks at a token, Reflect reads its unverified header and claims:
it must name a key id and carry `exp`, and the key must be known, fetched if need be off the event loop
(`SigningKeys`). Every failure is 401, or 503 when no signing keys can be had; never the SDK's 500 (T8, T8b).
"""

from __future__ import annotations

from typing import Any

import jwt
from botbuilder.integration.aiohttp import (
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botbuilder.schema import Activity
from botframework.connector.auth import (
    AuthenticateRequestResult,
    EmulatorValidation,
    JwtTokenExtractor,
    ServiceClientCredentialsFactory,
    SkillValidation,
)

from adapters.teams.clients import ReusedClientsAuthentication
from adapters.teams.sdk_config import AppIdFromSettings, sdk_configuration
from adapters.teams.signing_keys import KeyPolicy, SigningKeys, SigningKeysUnavailable
from bot.config import Settings
from bot.clock import Clock, utc_now
from bot.errors import Rejected


class TeamsAuthentication:
    """Authenticates one activity's Authorization header; `sdk` is what the CloudAdapter is built with.

    `sdk` keeps the Connector clients it makes between turns (adapters/teams/clients.py), and the result of
    `authenticate` carries that reusing factory, so every turn and proactive send shares them.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        credentials_factory: ServiceClientCredentialsFactory | None = None,
        key_policy: KeyPolicy = KeyPolicy(),
        clock: Clock = utc_now,
    ) -> None:
        configuration = sdk_configuration(settings)
        outbound = credentials_factory or ConfigurationServiceClientCredentialFactory(configuration)
        self.sdk = ReusedClientsAuthentication(
            ConfigurationBotFrameworkAuthentication(
                configuration, credentials_factory=AppIdFromSettings(configuration.APP_ID or None, outbound)
            ),
            clock=clock,
        )
        self._required = not settings.local_mode
        self._channel_keys = SigningKeys(configuration.channel_metadata_url, key_policy)
        self._emulator_keys = SigningKeys(configuration.emulator_metadata_url, key_policy)
        if self._required:
            for keys in (self._channel_keys, self._emulator_keys):
                JwtTokenExtractor.metadataCache[keys.metadata_url] = keys

    async def authenticate(self, activity: Activity, header: str) -> AuthenticateRequestResult:
        """The SDK's result for a good token; `Rejected` 401 for any bad one, 503 if keys cannot be had."""
        if self._required:
            await self._check_token(header, activity.id)
        try:
            return await self.sdk.authenticate_request(activity, header)
        except Exception as error:
            raise Rejected(
                401, "unauthorized", f"authentication failed: {_reason(error)} (activity {activity.id!r})"
            ) from None

    async def _check_token(self, header: str, activity_id: str | None) -> None:
        """Refuse before the SDK runs: no Bearer token, no key id, no `exp`, or a key that is not published."""
        scheme, _, token = header.partition(" ")
        try:
            key_id = jwt.get_unverified_header(token).get("kid")
            claims = jwt.decode(token, options={"verify_signature": False})
            keys = self._emulator_keys if _for_emulator_keys(claims) else self._channel_keys
        except (jwt.PyJWTError, ValueError, TypeError, KeyError, AttributeError) as error:
            raise _unauthorized(f"unreadable token: {type(error).__name__}", activity_id) from None
        if scheme != "Bearer" or not isinstance(key_id, str) or "exp" not in claims:
            raise _unauthorized("not a Bearer token with a key id and an expiry", activity_id)
        try:
            known = await keys.ensure(key_id)
        except SigningKeysUnavailable:
            raise Rejected(503, "signing keys unavailable", "OpenID metadata fetch failed") from None
        if not known:
            raise _unauthorized("token signed with an unpublished key", activity_id)


def _for_emulator_keys(claims: dict[str, Any]) -> bool:
    """The SDK checks skill and Emulator tokens against the Emulator's keys, and channel tokens against the channel's."""
    emulator_issuers = EmulatorValidation.TO_BOT_FROM_EMULATOR_TOKEN_VALIDATION_PARAMETERS.issuer
    return bool(SkillValidation.is_skill_claim(claims)) or claims.get("iss") in emulator_issuers


def _unauthorized(reason: str, activity_id: str | None) -> Rejected:
    return Rejected(401, "unauthorized", f"authentication failed: {reason} (activity {activity_id!r})")


def _reason(error: Exception) -> str:
    """The SDK's own PermissionError texts are useful and hold no secrets; other messages are not trusted."""
    if isinstance(error, PermissionError):
        return f"{type(error).__name__} {str(error)[:120]!r}"
    return type(error).__name__
