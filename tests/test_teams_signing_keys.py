"""The Bot Framework signing keys: fetched without stalling the event loop, refreshed at a bounded rate (issue 8).

botbuilder 4.17.1 fetches keys with blocking `requests.get` on the loop and never refreshes for an unknown key id
(platform facts T7, T8b). Here a key server that answers only when the test says so shows the loop keeps serving.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from botbuilder.core import ActivityHandler, TurnContext

from adapters.http import SLACK
from adapters.teams.endpoint import TeamsEndpoint
from adapters.teams.signing_keys import KeyPolicy
from app import create_app
from bot.config import Settings
from tests import builders
from tests.fakes.connector import FakeConnector, StaticTokenCredentialsFactory
from tests.fakes.jwks import JwksServer, SigningKey
from tests.fakes.slack_api import FakeSlackApi, sign
from tests.harness import serve_locally
from tests.slack_harness import SECRET, TOKEN

APP_ID = "6b4a3c1e-0000-4000-8000-00000000c0de"
OUTBOUND_TOKEN = "outbound-token-for-key-tests"


class CountingBot(ActivityHandler):
    """Counts the turns that reached it, so a refused request can be shown to have run nothing."""

    def __init__(self) -> None:
        self.turns = 0

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        self.turns += 1


@pytest.fixture
def jwks() -> Iterator[JwksServer]:
    with JwksServer() as server:
        yield server


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with FakeConnector() as fake:
        yield fake


def _settings(data_dir: Path, jwks: JwksServer, **extra: Any) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, REFLECT_DATA_DIR=data_dir, MICROSOFT_APP_ID=APP_ID, MICROSOFT_APP_PASSWORD="never-logged",
        MICROSOFT_APP_TENANT_ID="tenant-of-the-bot", REFLECT_SERVICE_URL_ALLOWLIST="127.0.0.1",
        REFLECT_BOT_OPENID_METADATA_URL=jwks.metadata_url, **extra,
    )


async def _post(session: aiohttp.ClientSession, url: str, body: dict[str, Any], token: str) -> int:
    async with session.post(url, json=body, headers={"Authorization": f"Bearer {token}"}) as reply:
        return reply.status


async def test_a_slow_key_server_delays_neither_healthz_nor_a_slack_turn(
    tmp_path: Path, jwks: JwksServer, connector: FakeConnector
) -> None:
    async with FakeSlackApi(token=TOKEN) as slack_api:
        settings = _settings(tmp_path / "data", jwks, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET,
                             SLACK_API_URL=slack_api.url)
        app = create_app(settings, credentials_factory=StaticTokenCredentialsFactory(APP_ID, OUTBOUND_TOKEN))
        async with serve_locally(app) as url, aiohttp.ClientSession() as session:
            jwks.hold()
            token = jwks.mint(audience=APP_ID, service_url=connector.url)
            teams = asyncio.create_task(_post(session, f"{url}/api/messages", builders.message(connector.url, "hi"), token))
            assert await asyncio.to_thread(jwks.requested.wait, 10)

            async with session.get(f"{url}/healthz") as health:
                assert health.status == 200
            event = {"type": "event_callback", "team_id": "T0001", "event_id": "Ev-slow", "event_time": 1,
                     "event": {"type": "message", "channel_type": "im", "channel": "DU0001", "user": "U0001",
                               "text": "help", "ts": "1.1"}}
            body = json.dumps(event).encode()
            headers = {**sign(SECRET, body, int(time.time())), "Content-Type": "application/json"}
            async with session.post(f"{url}/slack/events", data=body, headers=headers) as slack_reply:
                assert slack_reply.status == 200
            await app[SLACK].drain()

            assert [call.method for call in slack_api.requests] == ["chat.postMessage", "users.info"]
            assert not teams.done()
            jwks.release()
            assert await teams == 201
    assert jwks.agents and all("aiohttp" in agent for agent in jwks.agents)


@asynccontextmanager
async def _endpoint(tmp_path: Path, jwks: JwksServer, policy: KeyPolicy) -> AsyncIterator[tuple[str, CountingBot]]:
    """A production Teams endpoint alone, with a key policy the test chooses."""
    bot = CountingBot()
    credentials = StaticTokenCredentialsFactory(APP_ID, OUTBOUND_TOKEN)
    endpoint = TeamsEndpoint(_settings(tmp_path / "data", jwks), bot, credentials_factory=credentials, key_policy=policy)
    app = web.Application()
    app.router.add_post("/api/messages", endpoint.handle)
    async with serve_locally(app) as url:
        yield f"{url}/api/messages", bot


KEYS_FETCH = ["/.well-known/openidconfiguration", "/keys"]


async def test_a_key_published_after_the_first_fetch_is_accepted_after_one_forced_refresh(
    tmp_path: Path, jwks: JwksServer, connector: FakeConnector
) -> None:
    rotated = SigningKey.generate()
    body = builders.message(connector.url, "hi")
    async with _endpoint(tmp_path, jwks, KeyPolicy(unknown_key_interval=0)) as (url, bot), aiohttp.ClientSession() as session:
        first = await _post(session, url, body, jwks.mint(audience=APP_ID, service_url=connector.url))
        jwks.publish(rotated)
        second = await _post(session, url, body, jwks.mint(audience=APP_ID, service_url=connector.url, signing_key=rotated))
        third = await _post(session, url, body, jwks.mint(audience=APP_ID, service_url=connector.url, signing_key=rotated))

    assert (first, second, third) == (201, 201, 201)
    assert bot.turns == 3
    assert jwks.fetches == KEYS_FETCH * 2


async def test_unknown_key_ids_are_401_and_force_no_more_than_one_refresh_per_interval(
    tmp_path: Path, jwks: JwksServer, connector: FakeConnector
) -> None:
    body = builders.message(connector.url, "hi")
    async with _endpoint(tmp_path, jwks, KeyPolicy()) as (url, bot), aiohttp.ClientSession() as session:
        good = await _post(session, url, body, jwks.mint(audience=APP_ID, service_url=connector.url))
        unknown = [
            await _post(session, url, body, jwks.mint(audience=APP_ID, service_url=connector.url, kid=f"unknown-{n}"))
            for n in range(20)
        ]

    assert good == 201 and set(unknown) == {401}
    assert bot.turns == 1
    assert jwks.fetches == KEYS_FETCH


async def test_a_token_without_an_expiry_is_401(tmp_path: Path, jwks: JwksServer, connector: FakeConnector) -> None:
    token = jwks.mint(audience=APP_ID, service_url=connector.url, expires_in=None)
    async with _endpoint(tmp_path, jwks, KeyPolicy()) as (url, bot), aiohttp.ClientSession() as session:
        status = await _post(session, url, builders.message(connector.url, "hi"), token)

    assert status == 401
    assert bot.turns == 0


async def test_a_key_fetch_that_times_out_is_503_for_that_request_only(
    tmp_path: Path, jwks: JwksServer, connector: FakeConnector
) -> None:
    body = builders.message(connector.url, "hi")
    policy = KeyPolicy(fetch_timeout=0.2, retry_interval=0)
    async with _endpoint(tmp_path, jwks, policy) as (url, bot), aiohttp.ClientSession() as session:
        jwks.hold()
        stalled = await _post(session, url, body, jwks.mint(audience=APP_ID, service_url=connector.url))
        jwks.release()
        recovered = await _post(session, url, body, jwks.mint(audience=APP_ID, service_url=connector.url))

    assert (stalled, recovered) == (503, 201)
    assert bot.turns == 1
