"""Settings from environment variables (or a .env file), checked once at start-up.

A bad value stops start-up with one line naming the variable; secrets are never echoed.
"""

from __future__ import annotations

import re
from ipaddress import ip_address
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BeforeValidator, Field, SecretStr, ValidationError, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.errors import ConfigError
from bot.local_time import DEFAULT_ZONE_NAME, parse_time_zone
from bot.models import QuietHours
from bot.working_calendar import DEFAULT_QUIET_HOURS, Nation, WorkingCalendar, parse_quiet_hours

DEFAULT_SERVICE_URL_ALLOWLIST = (
    "smba.trafficmanager.net",
    "*.botframework.com",
    "smba.infra.gcc.teams.microsoft.com",
    "smba.infra.gov.teams.microsoft.us",
    "smba.infra.dod.teams.microsoft.us",
)
_HOST_NAME = re.compile(r"(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


def is_loopback_host(host: str) -> bool:
    """True for localhost and loopback IP addresses: the only places an unauthenticated bot may talk to."""
    if host.lower() == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def _bind_address(value: str) -> str:
    if value != "localhost":
        ip_address(value)
    return value


def _blank_is_none(value: object) -> object:
    """`MICROSOFT_APP_ID=` in a .env file means unset, not an empty id."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _host_patterns(value: object) -> object:
    """Parse `a.example,*.b.example` into a tuple of lower-case host patterns."""
    if not isinstance(value, str):
        return value
    patterns = tuple(part.strip().lower() for part in value.split(","))
    for pattern in patterns:
        if not (_HOST_NAME.fullmatch(pattern) or is_loopback_host(pattern)):
            raise ValueError(f"{pattern!r} is not a host name or a *.domain pattern")
    return patterns


def _metadata_url(value: str | None) -> str | None:
    """The signing keys decide who may talk to the bot, so fetch them over https (http only on loopback)."""
    if value is None:
        return None
    parts = urlsplit(value)
    loopback = parts.hostname is not None and is_loopback_host(parts.hostname)
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ValueError("must be an https URL (http is allowed only for a loopback host)")
    return value


def _database_url(value: SecretStr | None) -> SecretStr | None:
    """Only PostgreSQL URLs; the value may hold a password, so an error never repeats it."""
    if value is not None and urlsplit(value.get_secret_value()).scheme not in ("postgresql", "postgres"):
        raise ValueError("must be a postgresql:// URL")
    return value


def _slack_api_url(value: str) -> str:
    """The Slack bot token travels to this URL, so it must be https unless it stays on this machine."""
    url = urlsplit(value)
    if url.scheme != "https" and not (url.scheme == "http" and is_loopback_host(url.hostname or "")):
        raise ValueError("must be an https URL (http is allowed only for a loopback host)")
    return value if value.endswith("/") else value + "/"


def _time_zone(value: object) -> object:
    return parse_time_zone(value) if isinstance(value, str) else value


def _quiet_hours(value: object) -> object:
    return parse_quiet_hours(value) if isinstance(value, str) else value


def _public_url(value: str | None) -> str | None:
    """Download links are handed to people's browsers: https only (http only for a loopback host)."""
    if value is None:
        return None
    parts = urlsplit(value)
    loopback = parts.hostname is not None and is_loopback_host(parts.hostname)
    if not parts.hostname or (parts.scheme != "https" and not (parts.scheme == "http" and loopback)):
        raise ValueError("must be an https URL (http is allowed only for a loopback host)")
    return value


EXPORT_SECRET_MIN = 32


def _export_secret(value: SecretStr | None) -> SecretStr | None:
    """The key that signs export links: long enough not to be guessed; an error never repeats it."""
    if value is not None and len(value.get_secret_value()) < EXPORT_SECRET_MIN:
        raise ValueError(f"must be at least {EXPORT_SECRET_MIN} characters")
    return value


class Settings(BaseSettings):
    """Every knob Reflect has; the README lists each variable with its default."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=False)

    data_dir: Path = Field(Path("data"), validation_alias="REFLECT_DATA_DIR")
    database_url: Annotated[SecretStr | None, BeforeValidator(_blank_is_none), AfterValidator(_database_url)] = Field(
        None, validation_alias="REFLECT_DATABASE_URL"
    )
    database_pool_size: int = Field(10, ge=1, le=200, validation_alias="REFLECT_DATABASE_POOL_SIZE")
    framework_path: Path | None = Field(None, validation_alias="FRAMEWORK_PATH")
    host: Annotated[str, AfterValidator(_bind_address)] = Field("127.0.0.1", validation_alias="REFLECT_HOST")
    port: int = Field(3978, ge=1, le=65535, validation_alias="REFLECT_PORT")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", validation_alias="REFLECT_LOG_LEVEL")

    local_mode: bool = Field(False, validation_alias="REFLECT_LOCAL_MODE")
    microsoft_app_id: Annotated[str | None, BeforeValidator(_blank_is_none)] = Field(
        None, validation_alias="MICROSOFT_APP_ID"
    )
    microsoft_app_password: Annotated[SecretStr | None, BeforeValidator(_blank_is_none)] = Field(
        None, validation_alias="MICROSOFT_APP_PASSWORD"
    )
    microsoft_app_tenant_id: Annotated[str | None, BeforeValidator(_blank_is_none)] = Field(
        None, validation_alias="MICROSOFT_APP_TENANT_ID"
    )
    microsoft_app_type: Literal["MultiTenant", "SingleTenant", "UserAssignedMSI"] = Field(
        "SingleTenant", validation_alias="MICROSOFT_APP_TYPE"
    )
    service_url_allowlist: Annotated[tuple[str, ...], NoDecode, BeforeValidator(_host_patterns)] = Field(
        DEFAULT_SERVICE_URL_ALLOWLIST, validation_alias="REFLECT_SERVICE_URL_ALLOWLIST"
    )
    bot_openid_metadata_url: Annotated[
        str | None, BeforeValidator(_blank_is_none), AfterValidator(_metadata_url)
    ] = Field(None, validation_alias="REFLECT_BOT_OPENID_METADATA_URL")

    slack_bot_token: Annotated[SecretStr | None, BeforeValidator(_blank_is_none)] = Field(
        None, validation_alias="SLACK_BOT_TOKEN"
    )
    slack_signing_secret: Annotated[SecretStr | None, BeforeValidator(_blank_is_none)] = Field(
        None, validation_alias="SLACK_SIGNING_SECRET"
    )
    slack_api_url: Annotated[str, AfterValidator(_slack_api_url)] = Field(
        "https://slack.com/api/", validation_alias="SLACK_API_URL"
    )

    time_zone: Annotated[ZoneInfo, BeforeValidator(_time_zone)] = Field(
        ZoneInfo(DEFAULT_ZONE_NAME), validation_alias="REFLECT_TIME_ZONE"
    )
    bank_holidays: Nation = Field(Nation.ENGLAND, validation_alias="REFLECT_BANK_HOLIDAYS")
    quiet_hours: Annotated[QuietHours, NoDecode, BeforeValidator(_quiet_hours)] = Field(
        DEFAULT_QUIET_HOURS, validation_alias="REFLECT_QUIET_HOURS"
    )
    store_max_teams: int = Field(500, ge=1, le=1_000_000, validation_alias="REFLECT_STORE_MAX_TEAMS")
    store_max_mb: int = Field(40, ge=1, le=1_000_000, validation_alias="REFLECT_STORE_MAX_MB")
    store_warm_teams: int = Field(100, ge=0, le=1_000_000, validation_alias="REFLECT_STORE_WARM_TEAMS")
    purge_after_days: int = Field(30, ge=0, le=3650, validation_alias="REFLECT_PURGE_AFTER_DAYS")
    """Days between an uninstall and the purge of its data; reinstalling within them keeps everything."""

    public_url: Annotated[str | None, BeforeValidator(_blank_is_none), AfterValidator(_public_url)] = Field(
        None, validation_alias="REFLECT_PUBLIC_URL"
    )
    export_secret: Annotated[SecretStr | None, BeforeValidator(_blank_is_none), AfterValidator(_export_secret)] = Field(
        None, validation_alias="REFLECT_EXPORT_SECRET"
    )
    export_workers: int = Field(1, ge=1, le=16, validation_alias="REFLECT_EXPORT_WORKERS")

    @property
    def export_base_url(self) -> str | None:
        """Where Teams download links point: REFLECT_PUBLIC_URL, or in local mode this machine's own address."""
        if self.public_url is not None:
            return self.public_url.rstrip("/")
        return f"http://{self.host}:{self.port}" if self.local_mode else None

    @property
    def working_calendar(self) -> WorkingCalendar:
        """The deployment's default calendar, for teams and people that have not set their own."""
        return WorkingCalendar(self.time_zone, self.bank_holidays, self.quiet_hours)

    @property
    def teams_enabled(self) -> bool:
        """Serve /api/messages only with Teams credentials, or unauthenticated on loopback in local mode."""
        return self.local_mode or bool(self.microsoft_app_id)

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None and self.slack_signing_secret is not None

    @model_validator(mode="after")
    def _teams_credentials_fit_the_mode(self) -> Settings:
        """Refuse a half-configured bot: no credentials must mean loopback-only local mode (platform fact T4, T6)."""
        problem = self._credential_problem()
        if problem:
            raise PydanticCustomError("teams_credentials", problem)
        return self

    def _credential_problem(self) -> str | None:
        if (self.slack_bot_token is None) != (self.slack_signing_secret is None):
            return "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET must be set together"
        if self.local_mode:
            if self.microsoft_app_id:
                return (
                    "MICROSOFT_APP_ID must be unset when REFLECT_LOCAL_MODE=true "
                    "(local mode turns Bot Framework authentication off)"
                )
            if not is_loopback_host(self.host):
                return (
                    "REFLECT_HOST must be a loopback address (127.0.0.1, ::1 or localhost) when "
                    "REFLECT_LOCAL_MODE=true, because local mode accepts unauthenticated requests"
                )
            return None
        if not self.microsoft_app_id:
            if self.slack_enabled:
                return None
            return (
                "MICROSOFT_APP_ID (for Teams) or SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (for Slack) "
                "are required unless REFLECT_LOCAL_MODE=true"
            )
        if self.microsoft_app_type != "UserAssignedMSI" and self.microsoft_app_password is None:
            return f"MICROSOFT_APP_PASSWORD is required when MICROSOFT_APP_TYPE is {self.microsoft_app_type}"
        if self.microsoft_app_type != "MultiTenant" and not self.microsoft_app_tenant_id:
            return f"MICROSOFT_APP_TENANT_ID is required when MICROSOFT_APP_TYPE is {self.microsoft_app_type}"
        return None


def load_settings() -> Settings:
    """Read settings, turning validation errors into one readable line."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError(_one_line(exc)) from None


def _one_line(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors(include_url=False, include_input=False):
        problems.append(f"{error['loc'][0]}: {error['msg']}" if error["loc"] else error["msg"])
    return "; ".join(problems)


_GUID = r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$"
_SEMVER = r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$"
DEFAULT_TEAMS_APP_SITE = "https://reflect.example.org"


def _https_url(value: str) -> str:
    """Teams refuses a package whose developer links are not https."""
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError("must be an https URL")
    return value


HttpsUrl = Annotated[str, AfterValidator(_https_url), Field(max_length=2048)]


class TeamsAppSettings(BaseSettings):
    """What the Teams app package tells admins about the bot and its publisher; read by `make teams-app` only.

    Kept apart from Settings because building a package needs the App ID but never the bot's secret.
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=False)

    microsoft_app_id: str = Field(pattern=_GUID, validation_alias="MICROSOFT_APP_ID")
    version: str = Field("1.0.0", pattern=_SEMVER, validation_alias="TEAMS_APP_VERSION")
    developer_name: str = Field("Reflect", min_length=1, max_length=32, validation_alias="TEAMS_APP_DEVELOPER_NAME")
    website_url: HttpsUrl = Field(DEFAULT_TEAMS_APP_SITE, validation_alias="TEAMS_APP_WEBSITE_URL")
    privacy_url: HttpsUrl = Field(f"{DEFAULT_TEAMS_APP_SITE}/privacy", validation_alias="TEAMS_APP_PRIVACY_URL")
    terms_url: HttpsUrl = Field(f"{DEFAULT_TEAMS_APP_SITE}/terms", validation_alias="TEAMS_APP_TERMS_URL")


def load_teams_app_settings() -> TeamsAppSettings:
    """Read the package settings, turning validation errors into one readable line."""
    try:
        return TeamsAppSettings()  # type: ignore[call-arg]
    except ValidationError as exc:
        raise ConfigError(_one_line(exc)) from None
