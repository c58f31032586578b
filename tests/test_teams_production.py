"""The whole Reflect app in production settings: bad Teams auth is refused before any turn runs or any reply is sent."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from adapters.http import STORE
from app import create_app
from bot.config import Settings
from bot.keys import TeamKey, TenantKey
from bot.models import ConversationState
from tests import builders
from tests.fakes.connector import FakeConnector, StaticTokenCredentialsFactory
from tests.fakes.jwks import JwksServer, SigningKey
from tests.harness import serve_locally

APP_ID = "6b4a3c1e-0000-4000-8000-00000000b07e"
OUTBOUND_TOKEN = "outbound-token-for-tests"
ALICE_SPACE = TeamKey(TenantKey("teams", "tenant-a"), "user:29:alice")


@pytest.fixture
def jwks() -> Iterator[JwksServer]:
    with JwksServer() as server:
        yield server


@pytest.fixture
async def served(tmp_path: Path, jwks: JwksServer) -> AsyncIterator[tuple[str, web.Application, FakeConnector]]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        REFLECT_DATA_DIR=tmp_path / "data",
        MICROSOFT_APP_ID=APP_ID,
        MICROSOFT_APP_PASSWORD="never-logged",
        MICROSOFT_APP_TENANT_ID="tenant-of-the-bot",
        REFLECT_SERVICE_URL_ALLOWLIST="smba.trafficmanager.net,127.0.0.1",
        REFLECT_BOT_OPENID_METADATA_URL=jwks.metadata_url,
    )
    app = create_app(settings, credentials_factory=StaticTokenCredentialsFactory(APP_ID, OUTBOUND_TOKEN))
    async with serve_locally(app) as url, FakeConnector() as connector:
        yield f"{url}/api/messages", app, connector


async def _post(url: str, body: dict[str, object], authorization: str | None) -> int:
    headers = {"Authorization": authorization} if authorization is not None else {}
    async with aiohttp.ClientSession() as session, session.post(url, json=body, headers=headers) as reply:
        return reply.status


def _bearer(jwks: JwksServer, service_url: str, **claims: object) -> str:
    return "Bearer " + jwks.mint(audience=APP_ID, service_url=service_url, **claims)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("case", "expected"),
    [("no token", 401), ("garbage token", 401), ("expired 6 min ago", 401), ("another key", 401), ("disallowed serviceUrl", 403)],
)
async def test_bad_auth_is_refused_and_no_turn_runs(
    served: tuple[str, web.Application, FakeConnector], jwks: JwksServer, case: str, expected: int
) -> None:
    url, app, connector = served
    body = builders.message(connector.url, "start")
    authorization = {
        "no token": None,
        "garbage token": "Bearer garbage",
        "expired 6 min ago": _bearer(jwks, connector.url, expires_in=timedelta(minutes=-6)),
        "another key": _bearer(jwks, connector.url, signing_key=SigningKey.generate(kid="stranger")),
        "disallowed serviceUrl": _bearer(jwks, "https://attacker.example/"),
    }[case]
    if case == "disallowed serviceUrl":
        body = builders.message("https://attacker.example/", "start")

    assert await _post(url, body, authorization) == expected
    assert connector.requests == []
    assert await app[STORE].find(ALICE_SPACE, ConversationState) == []


async def test_a_valid_token_runs_the_turn_and_replies_with_the_bots_own_token(
    served: tuple[str, web.Application, FakeConnector], jwks: JwksServer
) -> None:
    url, app, connector = served

    assert await _post(url, builders.message(connector.url, "hello"), _bearer(jwks, connector.url)) in (200, 201)

    (reply,) = connector.requests
    assert reply.headers["Authorization"] == f"Bearer {OUTBOUND_TOKEN}"
    assert reply.body["attachments"][0]["content"]["body"][0]["text"] == "Welcome to Reflect"
    assert len(await app[STORE].find(ALICE_SPACE, ConversationState)) == 1


async def test_json_nested_a_thousand_deep_is_400_before_authentication(
    served: tuple[str, web.Application, FakeConnector],
) -> None:
    url, app, connector = served
    body = json.dumps(builders.message(connector.url, value={"deep": "NESTED"}))
    nested = body.replace('"NESTED"', "[" * 1000 + "0" + "]" * 1000).encode()

    async with aiohttp.ClientSession() as session, session.post(
        url, data=nested, headers={"Content-Type": "application/json"}
    ) as reply:
        assert reply.status == 400
    assert connector.requests == []


async def test_an_authenticated_card_action_invoke_without_a_value_gets_a_400_invoke_response(
    served: tuple[str, web.Application, FakeConnector], jwks: JwksServer
) -> None:
    url, app, connector = served
    invoke = {**builders.message(connector.url), "type": "invoke", "name": "adaptiveCard/action"}

    async with aiohttp.ClientSession() as session, session.post(
        url, json=invoke, headers={"Authorization": _bearer(jwks, connector.url)}
    ) as reply:
        status, body = reply.status, await reply.json()

    assert (status, body["statusCode"], body["type"]) == (400, 400, "application/vnd.microsoft.error")
    assert connector.requests == []
    assert await app[STORE].find(ALICE_SPACE, ConversationState) == []
