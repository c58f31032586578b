"""Settings from environment variables (or a .env file), checked once at start-up.

A bad value stops start-up with one line naming the variable; secrets are never echoed.
"""

from __future__ import annotations

from ipaddress import ip_address
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConfigError(Exception):
    """A setting is missing or invalid; the message names the variable."""


def _bind_address(value: str) -> str:
    if value != "localhost":
        ip_address(value)
    return value


class Settings(BaseSettings):
    """Every knob Reflect has; the README lists each variable with its default."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=False)

    data_dir: Path = Field(Path("data"), validation_alias="REFLECT_DATA_DIR")
    framework_path: Path | None = Field(None, validation_alias="FRAMEWORK_PATH")
    host: Annotated[str, AfterValidator(_bind_address)] = Field("127.0.0.1", validation_alias="REFLECT_HOST")
    port: int = Field(3978, ge=1, le=65535, validation_alias="REFLECT_PORT")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", validation_alias="REFLECT_LOG_LEVEL")


def load_settings() -> Settings:
    """Read settings, turning validation errors into one readable line."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False, include_input=False):
            name = str(error["loc"][0]) if error["loc"] else "settings"
            problems.append(f"{name}: {error['msg']}")
        raise ConfigError("; ".join(problems)) from None

