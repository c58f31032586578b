"""Connector clients are kept between turns, yet renewed tokens and rotated credentials still reach the wire."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botframework.connector.auth import AppCredentials, AuthenticationConstants, ClaimsIdentity

from adapters.teams.clients import CLIENT_MAX_AGE, ReusedClientsAuthentication
from app import create_app
from bot.config import Settings
from tests import builders
from tests.fakes.connector import FakeConnector, RecordedRequest, StaticTokenCredentialsFactory
from tests.fakes.jwks import JwksServer
from tests.harness import serve_locally

APP_ID = "6b4a3c1e-0000-4000-8000-00000000c11e"


class Clock:
    """The app's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


class RenewingCredentials(AppCredentials):
    """Hands out whatever token is current, as MSAL does once the cached one has expired."""

    def __init__(self, app_id: str, source: StaticTokenCredentialsFactory) -> None:
        super().__init__(app_id=app_id)
        self._source = source

    def get_access_token(self, force_refresh: bool = False) -> str:
        return self._source.token


class RenewingCredentialsFactory(StaticTokenCredentialsFactory):
    """Credentials that renew their own token; the factory's `token` is what they hand out next."""

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> AppCredentials:
        self.created_for.append(app_id)
        return RenewingCredentials(app_id, self)


@dataclass
class Bot:
    url: str
    connector: FakeConnector
    jwks: JwksServer
    factory: StaticTokenCredentialsFactory
    clock: Clock
    session: aiohttp.ClientSession

    async def turn(self, text: str) -> RecordedRequest:
        """One authenticated message; returns the one Connector request the bot made for it."""
        before = len(self.connector.requests)
        token = self.jwks.mint(audience=APP_ID, service_url=self.connector.url)
        body = builders.message(self.connector.url, text)
        async with self.session.post(self.url, json=body, headers={"Authorization": f"Bearer {token}"}) as reply:
            assert reply.status in (200, 201)
        (sent,) = self.connector.requests[before:]
        return sent


@pytest.fixture
def jwks() -> Iterator[JwksServer]:
    with JwksServer() as server:
        yield server


@asynccontextmanager
async def _running(tmp_path: Path, jwks: JwksServer, factory: StaticTokenCredentialsFactory) -> AsyncIterator[Bot]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        REFLECT_DATA_DIR=tmp_path / "data",
        MICROSOFT_APP_ID=APP_ID,
        MICROSOFT_APP_PASSWORD="never-logged",
        MICROSOFT_APP_TENANT_ID="tenant-of-the-bot",
        REFLECT_SERVICE_URL_ALLOWLIST="127.0.0.1",
        REFLECT_BOT_OPENID_METADATA_URL=jwks.metadata_url,
    )
    clock = Clock()
    app = create_app(settings, clock=clock, credentials_factory=factory)
    async with FakeConnector() as connector, serve_locally(app) as url, aiohttp.ClientSession() as session:
        yield Bot(f"{url}/api/messages", connector, jwks, factory, clock, session)


@pytest.fixture
async def bot(tmp_path: Path, jwks: JwksServer) -> AsyncIterator[Bot]:
    async with _running(tmp_path, jwks, StaticTokenCredentialsFactory(APP_ID, "first-token")) as running:
        yield running


@pytest.fixture
async def renewing_bot(tmp_path: Path, jwks: JwksServer) -> AsyncIterator[Bot]:
    async with _running(tmp_path, jwks, RenewingCredentialsFactory(APP_ID, "first-token")) as running:
        yield running


async def test_two_turns_share_one_connector_client_and_its_connection(bot: Bot) -> None:
    first = await bot.turn("hello")
    asked_after_first = len(bot.factory.created_for)
    second = await bot.turn("help")

    assert len(bot.factory.created_for) == asked_after_first
    assert first.peer is not None and second.peer == first.peer
    assert first.status == second.status == 200


async def test_a_token_the_credentials_renew_goes_out_on_the_kept_client(renewing_bot: Bot) -> None:
    first = await renewing_bot.turn("hello")
    renewing_bot.factory.token = "renewed-token"
    second = await renewing_bot.turn("help")

    assert first.headers["Authorization"] == "Bearer first-token"
    assert second.headers["Authorization"] == "Bearer renewed-token"
    assert second.peer == first.peer


async def test_credentials_rotated_in_the_factory_are_used_once_the_kept_client_is_old(bot: Bot) -> None:
    first = await bot.turn("hello")
    bot.factory.token = "rotated-token"
    still_young = await bot.turn("help")
    bot.clock.now += CLIENT_MAX_AGE
    aged = await bot.turn("help")

    assert still_young.headers["Authorization"] == "Bearer first-token"
    assert aged.headers["Authorization"] == "Bearer rotated-token"
    assert aged.peer != first.peer


def _authentication(capacity: int) -> tuple[ReusedClientsAuthentication, StaticTokenCredentialsFactory]:
    factory = StaticTokenCredentialsFactory(APP_ID, "a-token")
    configuration = type("Configuration", (), {"APP_ID": APP_ID, "APP_PASSWORD": "never-used", "APP_TYPE": "MultiTenant"})
    inner = ConfigurationBotFrameworkAuthentication(configuration, credentials_factory=factory)
    return ReusedClientsAuthentication(inner, clock=Clock(), capacity=capacity), factory


def _identity() -> ClaimsIdentity:
    return ClaimsIdentity({AuthenticationConstants.AUDIENCE_CLAIM: APP_ID}, True)


async def test_turns_that_miss_together_build_one_client() -> None:
    authentication, factory = _authentication(capacity=4)
    connectors = authentication.create_connector_factory(_identity())

    first, second = await asyncio.gather(*(connectors.create("http://127.0.0.1:9/a/") for _ in range(2)))

    assert first is second
    assert factory.created_for == [APP_ID]
    await authentication.close()


async def test_the_least_recently_used_client_is_dropped_beyond_the_cap() -> None:
    authentication, _ = _authentication(capacity=2)
    connectors = authentication.create_connector_factory(_identity())
    a = await connectors.create("http://127.0.0.1:9/a/")
    b = await connectors.create("http://127.0.0.1:9/b/")
    assert await connectors.create("http://127.0.0.1:9/a/") is a

    await connectors.create("http://127.0.0.1:9/c/")

    assert await connectors.create("http://127.0.0.1:9/a/") is a
    assert await connectors.create("http://127.0.0.1:9/b/") is not b
    await authentication.close()


async def test_the_token_client_is_made_once_per_app_id() -> None:
    authentication, factory = _authentication(capacity=4)

    first = await authentication.create_user_token_client(_identity())
    second = await authentication.create_user_token_client(_identity())

    assert first is second
    assert factory.created_for == [APP_ID]
