"""Settings translated into the configuration botbuilder's authentication reads, and nothing else."""

from __future__ import annotations

from dataclasses import dataclass, replace

from botbuilder.schema import CallerIdConstants
from botframework.connector.auth import AppCredentials, AuthenticationConstants, ServiceClientCredentialsFactory

from bot.config import Settings


@dataclass(frozen=True)
class SdkConfiguration:
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

    @property
    def channel_metadata_url(self) -> str:
        """Where the keys for Bot Connector tokens are published."""
        return self.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL or AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL

    @property
    def emulator_metadata_url(self) -> str:
        """Where the keys for Emulator and skill tokens are published."""
        return (
            self.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL
            or AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL
        )


def sdk_configuration(settings: Settings) -> SdkConfiguration:
    """Translate settings for the SDK; a metadata override must come with all public-cloud values (T10)."""
    if settings.local_mode:
        return SdkConfiguration(APP_ID="", APP_PASSWORD="", APP_TYPE="MultiTenant", APP_TENANTID=None)
    password = settings.microsoft_app_password
    credentials = SdkConfiguration(
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


class AppIdFromSettings(ServiceClientCredentialsFactory):
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
