"""Generated input at every HTTP edge (issue 8): no 5xx, no traceback or ERROR line, nothing written for a refused
request, and no message sent outside the conversation the request came from.

The suite runs a modest, repeatable number of examples; `REFLECT_FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest
tests/test_fuzz_edges.py` runs a long random session.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app import create_app
from bot.config import Settings
from tests.fakes.connector import FakeConnector, StaticTokenCredentialsFactory
from tests.fakes.jwks import JwksServer
from tests.fuzz import fuzz_settings, intent_values, slack_commands, slack_events, slack_interactions, teams_activities
from tests.harness import RunningBot, running_bot, serve_locally
from tests.slack_harness import RunningSlackBot, running_slack_bot

APP_ID = "6b4a3c1e-0000-4000-8000-00000000f022"


def _files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


class Watch:
    """What one request changed: its log records, the files under the data folder, the calls on the wire."""

    def __init__(self, root: Path, caplog: pytest.LogCaptureFixture, calls: list[Any]) -> None:
        self.root, self.caplog, self.calls = root, caplog, calls
        self.files, self.records, self.calls_before = _files(root), len(caplog.records), len(calls)

    def new_calls(self) -> list[Any]:
        return self.calls[self.calls_before:]

    def check(self, status: int) -> None:
        """The properties every request must keep, whatever it carried."""
        assert status < 500
        problems = [r for r in self.caplog.records[self.records:] if r.levelno >= logging.ERROR or r.exc_info]
        assert problems == [], [r.getMessage() for r in problems]
        if status >= 400:
            assert _files(self.root) == self.files
            assert self.new_calls() == []


@pytest.fixture
async def local_bot(tmp_path: Path) -> AsyncIterator[RunningBot]:
    async with running_bot(tmp_path / "data") as running:
        yield running


async def _post_activity(bot: RunningBot, activity: dict[str, Any], authorization: str | None = None) -> int:
    headers = {"Content-Type": "application/json", **({"Authorization": authorization} if authorization else {})}
    async with bot.session.post(f"{bot.url}/api/messages", data=json.dumps(activity).encode(), headers=headers) as reply:
        await reply.read()
        return reply.status


def _check_conversation(activity: dict[str, Any], calls: list[Any]) -> None:
    """Every send or update went to the conversation the activity came from, and none created another."""
    conversation = activity.get("conversation") or {}
    for call in calls:
        assert call.kind in ("send", "update")
        assert unquote(call.path.split("/")[3]) == conversation.get("id")


@fuzz_settings(40)
@given(data=st.data())
async def test_generated_activities_in_local_mode_keep_every_edge_property(
    local_bot: RunningBot, tmp_path: Path, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    activity = data.draw(teams_activities(local_bot.connector.url))
    watch = Watch(tmp_path, caplog, local_bot.connector.requests)

    watch.check(await _post_activity(local_bot, activity))
    _check_conversation(activity, watch.new_calls())


@pytest.fixture
def jwks() -> Iterator[JwksServer]:
    with JwksServer() as server:
        yield server


@pytest.fixture
async def production_bot(tmp_path: Path, jwks: JwksServer) -> AsyncIterator[RunningBot]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, REFLECT_DATA_DIR=tmp_path / "data", MICROSOFT_APP_ID=APP_ID,
        MICROSOFT_APP_PASSWORD="never-logged", MICROSOFT_APP_TENANT_ID="tenant-of-the-bot",
        REFLECT_SERVICE_URL_ALLOWLIST="smba.trafficmanager.net,127.0.0.1", REFLECT_BOT_OPENID_METADATA_URL=jwks.metadata_url,
    )
    async with FakeConnector() as connector:
        app = create_app(settings, credentials_factory=StaticTokenCredentialsFactory(APP_ID, "outbound-fuzz-token"))
        async with serve_locally(app) as url, aiohttp.ClientSession() as session:
            yield RunningBot(app, url, connector, session)


@fuzz_settings(30)
@given(data=st.data())
async def test_generated_activities_in_production_mode_keep_every_edge_property(
    production_bot: RunningBot, jwks: JwksServer, tmp_path: Path, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    activity = data.draw(teams_activities(production_bot.connector.url))
    claimed = activity.get("serviceUrl") if isinstance(activity.get("serviceUrl"), str) else production_bot.connector.url
    token = data.draw(st.sampled_from(["valid", "valid", "garbage", "none", "no exp"]))
    authorization = {
        "valid": f"Bearer {jwks.mint(audience=APP_ID, service_url=claimed)}",
        "no exp": f"Bearer {jwks.mint(audience=APP_ID, service_url=claimed, expires_in=None)}",
        "garbage": "Bearer garbage",
        "none": None,
    }[token]
    watch = Watch(tmp_path, caplog, production_bot.connector.requests)

    status = await _post_activity(production_bot, activity, authorization)

    watch.check(status)
    _check_conversation(activity, watch.new_calls())
    if token != "valid":
        assert status >= 400


@pytest.fixture
async def slack_bot(tmp_path: Path) -> AsyncIterator[RunningSlackBot]:
    async with running_slack_bot(tmp_path / "data") as running:
        yield running


def _check_slack_targets(calls: list[Any], channels: list[object], user: object) -> None:
    """Messages only to the conversation the request came from (there to the person only) or the person's DM; Home and
    profile (for the time zone) only for that person."""
    for call in calls:
        if call.method in ("chat.postMessage", "chat.update"):
            assert call.body["channel"] in [*channels, f"D{user}"]
        elif call.method == "chat.postEphemeral":
            assert call.body["channel"] in channels and call.body["user"] == user
        elif call.method == "views.publish":
            assert call.body["user_id"] == user
        elif call.method == "users.info":
            assert call.body["user"] == user
        else:
            assert call.method in ("views.open", "conversations.open")


async def _signed(bot: RunningSlackBot, path: str, body: bytes, content_type: str) -> int:
    return await bot.signed_post(path, body, content_type)


@fuzz_settings(40)
@given(envelope=slack_events())
async def test_generated_slack_events_keep_every_edge_property(
    slack_bot: RunningSlackBot, tmp_path: Path, caplog: pytest.LogCaptureFixture, envelope: dict[str, Any]
) -> None:
    watch = Watch(tmp_path, caplog, slack_bot.api.requests)

    watch.check(await _signed(slack_bot, "/slack/events", json.dumps(envelope).encode(), "application/json"))

    event = envelope["event"]
    _check_slack_targets(watch.new_calls(), [event.get("channel")], event.get("user"))


@fuzz_settings(40)
@given(payload=slack_interactions(intent_values()))
async def test_generated_slack_interactions_keep_every_edge_property(
    slack_bot: RunningSlackBot, tmp_path: Path, caplog: pytest.LogCaptureFixture, payload: dict[str, Any]
) -> None:
    watch = Watch(tmp_path, caplog, slack_bot.api.requests)
    body = urlencode({"payload": json.dumps(payload)}).encode()

    watch.check(await _signed(slack_bot, "/slack/interactive", body, "application/x-www-form-urlencoded"))

    channels = [payload.get("container", {}).get("channel_id"), _metadata_channel(payload)]
    _check_slack_targets(watch.new_calls(), channels, payload["user"]["id"])


def _metadata_channel(payload: dict[str, Any]) -> object:
    """The conversation a modal's card was in, as Reflect wrote it into the modal."""
    try:
        return json.loads(payload["view"]["private_metadata"]).get("channel")
    except (KeyError, ValueError, AttributeError):
        return None


@fuzz_settings(30)
@given(fields=slack_commands)
async def test_generated_slash_commands_keep_every_edge_property(
    slack_bot: RunningSlackBot, tmp_path: Path, caplog: pytest.LogCaptureFixture, fields: dict[str, str]
) -> None:
    watch = Watch(tmp_path, caplog, slack_bot.api.requests)
    body = urlencode({name: value.encode("utf-8", "surrogatepass") for name, value in fields.items()}).encode()

    watch.check(await _signed(slack_bot, "/slack/commands", body, "application/x-www-form-urlencoded"))

    _check_slack_targets(watch.new_calls(), [], fields["user_id"])
