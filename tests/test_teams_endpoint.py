"""The Teams endpoint over real HTTP on 127.0.0.1: bad requests and bad tokens never reach the bot or the wire.

Local mode only ever replies to loopback serviceUrls (T6). With credentials, every token problem is a 401, never a
5xx (T8, T8b); a valid token's reply reaches the fake Connector carrying the outbound token.
"""

from __future__ import annotations

import io
import logging
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from botbuilder.core import ActivityHandler, Bot, TurnContext

from adapters.pipeline import turn_error_handler
from adapters.render import render
from adapters.http_body import MAX_BODY_BYTES
from adapters.teams.endpoint import TeamsEndpoint
from adapters.teams.service_urls import service_url_allowed
from bot.errors import ConfigError
from bot.config import Settings, load_settings
from bot.messages import TURN_FAILED
from tests.fakes.connector import FakeConnector, StaticTokenCredentialsFactory
from tests.fakes.jwks import JwksServer, SigningKey

APP_ID = "6b4a3c1e-0000-4000-8000-00000000a11d"
APP_PASSWORD = "app-password-that-must-never-leak"
OUTBOUND_TOKEN = "outbound-static-token"
VARIABLES = (
    "REFLECT_DATA_DIR", "FRAMEWORK_PATH", "REFLECT_HOST", "REFLECT_PORT", "REFLECT_LOG_LEVEL", "REFLECT_LOCAL_MODE",
    "MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD", "MICROSOFT_APP_TENANT_ID", "MICROSOFT_APP_TYPE",
    "REFLECT_SERVICE_URL_ALLOWLIST", "REFLECT_BOT_OPENID_METADATA_URL", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET",
    "SLACK_API_URL",
)
PRODUCTION = {
    "MICROSOFT_APP_ID": APP_ID,
    "MICROSOFT_APP_PASSWORD": APP_PASSWORD,
    "MICROSOFT_APP_TENANT_ID": "tenant-for-tests",
    "REFLECT_SERVICE_URL_ALLOWLIST": "smba.trafficmanager.net,*.botframework.com,127.0.0.1",
}


class EchoBot(ActivityHandler):
    """Echoes each message and remembers which activities it saw, so a test can prove it never ran."""

    def __init__(self) -> None:
        self.turns: list[str] = []

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        self.turns.append(turn_context.activity.id)
        await turn_context.send_activity(f"echo: {turn_context.activity.text}")


class FailingBot(ActivityHandler):
    """Fails every turn with a message that quotes the user, which must never reach a log."""

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        raise RuntimeError(f"could not handle {turn_context.activity.text}")


@dataclass
class Served:
    url: str
    bot: EchoBot


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """No Reflect variables and no .env file."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with FakeConnector() as fake:
        yield fake


@pytest.fixture
def jwks() -> Iterator[JwksServer]:
    with JwksServer() as server:
        yield server


def _settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return load_settings()


@asynccontextmanager
async def _serving(endpoint: TeamsEndpoint) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_post("/api/messages", endpoint.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/api/messages"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def _local(monkeypatch: pytest.MonkeyPatch, bot: Bot) -> AsyncIterator[str]:
    endpoint = TeamsEndpoint(_settings(monkeypatch, REFLECT_LOCAL_MODE="true"), bot, on_turn_error=turn_error_handler(render))
    async with _serving(endpoint) as url:
        yield url


@pytest.fixture
async def production(monkeypatch: pytest.MonkeyPatch, jwks: JwksServer) -> AsyncIterator[Served]:
    settings = _settings(monkeypatch, **PRODUCTION, REFLECT_BOT_OPENID_METADATA_URL=jwks.metadata_url)
    bot = EchoBot()
    endpoint = TeamsEndpoint(settings, bot, credentials_factory=StaticTokenCredentialsFactory(APP_ID, OUTBOUND_TOKEN))
    async with _serving(endpoint) as url:
        yield Served(url, bot)


def _activity(service_url: str, *, text: str = "hello", activity_id: str = "activity-in-1") -> dict[str, Any]:
    return {
        "type": "message",
        "id": activity_id,
        "serviceUrl": service_url,
        "channelId": "msteams",
        "conversation": {"id": "a:1-personal-chat", "tenantId": "tenant-for-tests"},
        "from": {"id": "29:user-1", "name": "Pat"},
        "recipient": {"id": f"28:{APP_ID}", "name": "Reflect"},
        "text": text,
    }


async def _post(url: str, activity: dict[str, Any], authorization: str | None = None) -> tuple[int, Any]:
    headers = {"Authorization": authorization} if authorization is not None else {}
    async with aiohttp.ClientSession() as session, session.post(url, json=activity, headers=headers) as reply:
        body = await reply.json() if reply.content_type == "application/json" else None
        return reply.status, body


async def _post_raw(url: str, body: bytes, content_type: str | None) -> int:
    headers = {"Content-Type": content_type} if content_type else {}
    skip = () if content_type else ("Content-Type",)
    async with aiohttp.ClientSession() as session, session.post(
        url, data=io.BytesIO(body), headers=headers, skip_auto_headers=skip
    ) as reply:
        return reply.status


# Local mode: no authentication, so replies may only go to loopback.


async def test_local_mode_echo_reply_reaches_the_fake_connector_without_a_token(
    monkeypatch: pytest.MonkeyPatch, connector: FakeConnector
) -> None:
    bot = EchoBot()
    async with _local(monkeypatch, bot) as url:
        status, _ = await _post(url, _activity(connector.url))

    assert status == 201
    [reply] = await connector.wait_for(1)
    assert reply["text"] == "echo: hello"
    assert reply["replyToId"] == "activity-in-1"
    assert "Authorization" not in connector.requests[0].headers
    assert bot.turns == ["activity-in-1"]


@pytest.mark.parametrize(
    "service_url",
    [
        "http://10.1.2.3/",
        "https://attacker.example/",
        "https://smba.trafficmanager.net/amer/",
        "http://127.0.0.1@attacker.example/",
        "http://localhost.attacker.example/",
    ],
)
async def test_local_mode_refuses_a_service_url_off_this_machine(
    monkeypatch: pytest.MonkeyPatch, connector: FakeConnector, service_url: str
) -> None:
    bot = EchoBot()
    async with _local(monkeypatch, bot) as url:
        status, body = await _post(url, _activity(service_url))

    assert (status, body) == (403, {"error": "serviceUrl is not allowed"})
    assert bot.turns == []
    assert connector.requests == []


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (b'{"type": "message"}', None, 415),
        (b'{"type": "message"}', "text/plain", 415),
        (b'{"type": "message",', "application/json", 400),
        (b'["not", "an", "object"]', "application/json", 400),
        (b'{"id": "no-type", "serviceUrl": "http://127.0.0.1/"}', "application/json", 400),
        (b'{"type": "message"}', "application/json", 400),
        (b'{"type": "' + b"x" * MAX_BODY_BYTES + b'"}', "application/json", 413),
    ],
    ids=["no content type", "text/plain", "invalid JSON", "not an object", "missing type", "missing ids", "over 1 MiB"],
)
async def test_malformed_requests_get_4xx_before_the_bot_runs(
    monkeypatch: pytest.MonkeyPatch, connector: FakeConnector, body: bytes, content_type: str | None, expected: int
) -> None:
    bot = EchoBot()
    async with _local(monkeypatch, bot) as url:
        status = await _post_raw(url, body, content_type)

    assert status == expected
    assert bot.turns == []
    assert connector.requests == []


async def test_missing_field_is_named_in_a_short_json_error(monkeypatch: pytest.MonkeyPatch) -> None:
    activity = _activity("http://127.0.0.1:9/")
    del activity["serviceUrl"]
    async with _local(monkeypatch, EchoBot()) as url:
        status, body = await _post(url, activity)

    assert (status, body) == (400, {"error": "invalid activity: serviceUrl: Field required"})


async def test_a_failing_turn_apologises_and_logs_only_type_and_ids(
    monkeypatch: pytest.MonkeyPatch, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with _local(monkeypatch, FailingBot()) as url:
        status, _ = await _post(url, _activity(connector.url, text="my private answer"))

    assert status == 201
    [apology] = await connector.wait_for(1)
    assert apology["text"] == TURN_FAILED
    assert "RuntimeError" in caplog.text and "activity-in-1" in caplog.text
    assert "my private answer" not in caplog.text


async def test_a_reply_the_connector_refuses_is_a_logged_warning_and_a_2xx_not_a_500(
    monkeypatch: pytest.MonkeyPatch, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> None:
    connector.fail_next(500, times=2)
    caplog.set_level(logging.DEBUG)
    async with _local(monkeypatch, EchoBot()) as url:
        status, body = await _post(url, _activity(connector.url, text="my private answer"))

    assert (status, body) == (201, None)
    assert [request.status for request in connector.requests] == [500, 500]
    assert "Teams reply not delivered (retry) for activity 'activity-in-1'" in caplog.text
    assert [record for record in caplog.records if record.levelno >= logging.ERROR] == []
    assert "my private answer" not in caplog.text


# Production: credentials configured, tokens checked against a local JWKS.


async def test_a_valid_token_runs_the_bot_and_the_reply_carries_the_outbound_token(
    production: Served, connector: FakeConnector, jwks: JwksServer
) -> None:
    token = jwks.mint(audience=APP_ID, service_url=connector.url)

    status, _ = await _post(production.url, _activity(connector.url), f"Bearer {token}")

    assert status == 201
    [reply] = await connector.wait_for(1)
    assert reply["text"] == "echo: hello"
    assert connector.requests[0].headers["Authorization"] == f"Bearer {OUTBOUND_TOKEN}"
    assert production.bot.turns == ["activity-in-1"]


async def test_a_token_expired_four_minutes_ago_is_inside_the_five_minute_skew(
    production: Served, connector: FakeConnector, jwks: JwksServer
) -> None:
    token = jwks.mint(audience=APP_ID, service_url=connector.url, expires_in=-timedelta(minutes=4))

    status, _ = await _post(production.url, _activity(connector.url), f"Bearer {token}")

    assert status == 201
    assert len(await connector.wait_for(1)) == 1


Authorization = Callable[[JwksServer, str], "str | None"]

REJECTED: dict[str, Authorization] = {
    "no Authorization header": lambda jwks, url: None,
    "Bearer garbage": lambda jwks, url: "Bearer garbage",
    "Bearer a.b": lambda jwks, url: "Bearer a.b",
    "Bearer with no token": lambda jwks, url: "Bearer ",
    "Basic scheme": lambda jwks, url: "Basic x",
    "expired 6 minutes ago": lambda jwks, url: "Bearer "
    + jwks.mint(audience=APP_ID, service_url=url, expires_in=-timedelta(minutes=6)),
    "not valid for 6 more minutes": lambda jwks, url: "Bearer "
    + jwks.mint(audience=APP_ID, service_url=url, not_before_in=timedelta(minutes=6)),
    "wrong aud": lambda jwks, url: "Bearer " + jwks.mint(audience="another-bot", service_url=url),
    "wrong iss": lambda jwks, url: "Bearer "
    + jwks.mint(audience=APP_ID, service_url=url, issuer="https://attacker.example/"),
    "signed by another key": lambda jwks, url: "Bearer "
    + jwks.mint(audience=APP_ID, service_url=url, signing_key=SigningKey.generate(), kid=jwks.key.kid),
    "unknown kid": lambda jwks, url: "Bearer " + jwks.mint(audience=APP_ID, service_url=url, kid="unpublished-kid"),
    "alg none": lambda jwks, url: "Bearer " + jwks.mint(audience=APP_ID, service_url=url, algorithm="none"),
    "HS256 keyed with the public key": lambda jwks, url: "Bearer "
    + jwks.mint(audience=APP_ID, service_url=url, algorithm="HS256"),
    "serviceurl claim mismatch": lambda jwks, url: "Bearer "
    + jwks.mint(audience=APP_ID, service_url="https://smba.trafficmanager.net/amer/"),
    "serviceurl claim missing": lambda jwks, url: "Bearer " + jwks.mint(audience=APP_ID, service_url=None),
    "key not endorsed for the channel": lambda jwks, url: "Bearer "
    + _published_key_token(jwks, url, endorsements=("slack",)),
}


def _published_key_token(jwks: JwksServer, service_url: str, endorsements: tuple[str, ...]) -> str:
    key = SigningKey.generate(endorsements=endorsements)
    jwks.publish(key)
    return jwks.mint(audience=APP_ID, service_url=service_url, signing_key=key)


@pytest.mark.parametrize("case", sorted(REJECTED))
async def test_every_bad_credential_is_401_and_nothing_runs_or_is_sent(
    production: Served, connector: FakeConnector, jwks: JwksServer, case: str
) -> None:
    status, body = await _post(production.url, _activity(connector.url), REJECTED[case](jwks, connector.url))

    assert (status, body) == (401, {"error": "unauthorized"})
    assert production.bot.turns == []
    assert connector.requests == []


@pytest.mark.parametrize("authorization", [None, "Bearer garbage", "Bearer a.b", "Bearer ", "Basic x"])
async def test_public_cloud_configuration_rejects_malformed_credentials_with_401_offline(
    monkeypatch: pytest.MonkeyPatch, connector: FakeConnector, authorization: str | None
) -> None:
    bot = EchoBot()
    endpoint = TeamsEndpoint(
        _settings(monkeypatch, **PRODUCTION), bot, credentials_factory=StaticTokenCredentialsFactory(APP_ID, OUTBOUND_TOKEN)
    )
    async with _serving(endpoint) as url:
        status, body = await _post(url, _activity(connector.url), authorization)

    assert (status, body) == (401, {"error": "unauthorized"})
    assert bot.turns == []
    assert connector.requests == []


class PermissiveCredentialsFactory(StaticTokenCredentialsFactory):
    """An outbound token source that would accept any app id if it were asked."""

    async def is_valid_app_id(self, app_id: str) -> bool:
        return True


async def test_an_injected_token_source_cannot_loosen_the_audience_check(
    monkeypatch: pytest.MonkeyPatch, connector: FakeConnector, jwks: JwksServer
) -> None:
    settings = _settings(monkeypatch, **PRODUCTION, REFLECT_BOT_OPENID_METADATA_URL=jwks.metadata_url)
    bot = EchoBot()
    endpoint = TeamsEndpoint(settings, bot, credentials_factory=PermissiveCredentialsFactory(APP_ID, OUTBOUND_TOKEN))
    token = jwks.mint(audience="another-bot", service_url=connector.url)
    async with _serving(endpoint) as url:
        status, _ = await _post(url, _activity(connector.url), f"Bearer {token}")

    assert status == 401
    assert bot.turns == []


async def test_a_valid_token_for_a_disallowed_service_url_is_403_and_nothing_is_sent(
    production: Served, connector: FakeConnector, jwks: JwksServer
) -> None:
    foreign = "https://attacker.example/"
    token = jwks.mint(audience=APP_ID, service_url=foreign)

    status, body = await _post(production.url, _activity(foreign), f"Bearer {token}")

    assert (status, body) == (403, {"error": "serviceUrl is not allowed"})
    assert production.bot.turns == []
    assert connector.requests == []


async def test_unreachable_signing_keys_are_503_not_401_or_500(
    monkeypatch: pytest.MonkeyPatch, connector: FakeConnector, jwks: JwksServer
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings = _settings(
        monkeypatch, **PRODUCTION,
        REFLECT_BOT_OPENID_METADATA_URL=f"http://127.0.0.1:{closed_port}/.well-known/openidconfiguration",
    )
    bot = EchoBot()
    endpoint = TeamsEndpoint(settings, bot, credentials_factory=StaticTokenCredentialsFactory(APP_ID, OUTBOUND_TOKEN))
    token = jwks.mint(audience=APP_ID, service_url=connector.url)
    async with _serving(endpoint) as url:
        status, body = await _post(url, _activity(connector.url), f"Bearer {token}")

    assert (status, body) == (503, {"error": "signing keys unavailable"})
    assert bot.turns == []


async def test_tokens_and_the_app_password_never_reach_the_logs(
    production: Served, connector: FakeConnector, jwks: JwksServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    good = jwks.mint(audience=APP_ID, service_url=connector.url)
    expired = jwks.mint(audience=APP_ID, service_url=connector.url, expires_in=-timedelta(minutes=10))

    for authorization in (f"Bearer {good}", f"Bearer {expired}", "Bearer garbage"):
        await _post(production.url, _activity(connector.url, text="my private answer"), authorization)

    assert "rejected Teams request (401)" in caplog.text
    for secret in (good, expired, OUTBOUND_TOKEN, APP_PASSWORD, "my private answer"):
        assert secret not in caplog.text


@pytest.mark.parametrize("app_type", ["MultiTenant", "SingleTenant", "UserAssignedMSI"])
def test_production_endpoint_builds_with_the_sdk_credentials_offline(
    monkeypatch: pytest.MonkeyPatch, app_type: str
) -> None:
    settings = _settings(monkeypatch, **PRODUCTION, MICROSOFT_APP_TYPE=app_type)

    handler = turn_error_handler(render)
    endpoint = TeamsEndpoint(settings, EchoBot(), on_turn_error=handler)

    assert endpoint.adapter.on_turn_error is handler


# Which serviceUrls may receive replies (and our bearer token).


@pytest.mark.parametrize(
    ("service_url", "allowed"),
    [
        ("https://smba.trafficmanager.net/amer/", True),
        ("https://SMBA.TrafficManager.net/emea/", True),
        ("https://europe.webchat.botframework.com/", True),
        ("https://smba.infra.gcc.teams.microsoft.com/", True),
        ("https://botframework.com/", False),
        ("https://evilbotframework.com/", False),
        ("http://smba.trafficmanager.net/amer/", False),
        ("https://smba.trafficmanager.net.attacker.example/", False),
        ("https://smba.trafficmanager.net@attacker.example/", False),
        ("https://attacker.example\\@smba.trafficmanager.net/", False),
        ("https://smba.trafficmanager.net:notaport/", False),
        ("http://127.0.0.1:3978/", False),
        ("not a url", False),
    ],
)
def test_default_allow_list_needs_https_and_an_exact_or_subdomain_match(
    monkeypatch: pytest.MonkeyPatch, service_url: str, allowed: bool
) -> None:
    env = {**PRODUCTION}
    del env["REFLECT_SERVICE_URL_ALLOWLIST"]
    settings = _settings(monkeypatch, **env)

    assert service_url_allowed(settings, service_url) is allowed


def test_http_is_accepted_only_for_an_allow_listed_loopback_host(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(monkeypatch, **PRODUCTION)

    assert service_url_allowed(settings, "http://127.0.0.1:3978/")
    assert not service_url_allowed(settings, "http://localhost:3978/")
    assert not service_url_allowed(settings, "http://10.0.0.1/")


# Settings: a half-configured bot refuses to start, naming the variable.


def test_without_local_mode_a_channel_must_be_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="^MICROSOFT_APP_ID .*are required unless REFLECT_LOCAL_MODE=true$"):
        load_settings()


def test_slack_alone_is_enough_and_then_teams_is_not_served(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(monkeypatch, SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET="signing")

    assert (settings.slack_enabled, settings.teams_enabled) == (True, False)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-test"}, "^SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET must be set together$"),
        ({"SLACK_API_URL": "http://slack.example/api/"}, "^SLACK_API_URL: .*https"),
    ],
)
def test_slack_settings_are_checked(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _settings(monkeypatch, REFLECT_LOCAL_MODE="true", **env)


def test_local_mode_must_listen_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="^REFLECT_HOST must be a loopback address"):
        _settings(monkeypatch, REFLECT_LOCAL_MODE="true", REFLECT_HOST="0.0.0.0")


def test_local_mode_refuses_an_app_id_because_it_has_no_authentication(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="^MICROSOFT_APP_ID must be unset when REFLECT_LOCAL_MODE=true"):
        _settings(monkeypatch, REFLECT_LOCAL_MODE="true", MICROSOFT_APP_ID=APP_ID)


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_TENANT_ID": "t"}, "MICROSOFT_APP_PASSWORD"),
        ({"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": APP_PASSWORD}, "MICROSOFT_APP_TENANT_ID"),
        ({"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_TYPE": "UserAssignedMSI"}, "MICROSOFT_APP_TENANT_ID"),
        ({**PRODUCTION, "MICROSOFT_APP_TYPE": "Other"}, "MICROSOFT_APP_TYPE"),
        ({**PRODUCTION, "REFLECT_SERVICE_URL_ALLOWLIST": "https://smba.trafficmanager.net/"},
         "REFLECT_SERVICE_URL_ALLOWLIST"),
        ({**PRODUCTION, "REFLECT_BOT_OPENID_METADATA_URL": "http://login.example/metadata"},
         "REFLECT_BOT_OPENID_METADATA_URL"),
    ],
)
def test_incomplete_or_unsafe_teams_settings_name_the_variable_without_echoing_secrets(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], variable: str
) -> None:
    with pytest.raises(ConfigError, match=f"^{variable}") as refused:
        _settings(monkeypatch, **env)

    assert APP_PASSWORD not in str(refused.value)


def test_settings_parse_the_allow_list_and_hide_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(monkeypatch, **{**PRODUCTION, "REFLECT_SERVICE_URL_ALLOWLIST": " a.example , *.B.example "})

    assert settings.service_url_allowlist == ("a.example", "*.b.example")
    assert APP_PASSWORD not in repr(settings)
    assert APP_PASSWORD not in str(settings)
