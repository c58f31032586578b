"""/api/messages under hostile or odd input, through the whole app in local mode (issue 8).

Every bad body is a 4xx or a polite notice, never a 5xx, a traceback or an ERROR line; a refused request writes
nothing; invokes get a proper invoke response; a reply that cannot be delivered after its change was saved is a
warning and a 2xx; the tenant is read from every field Teams sends it in.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.http import STORE
from adapters.log_hygiene import install_log_hygiene
from bot import messages as say
from bot.keys import TeamKey, TenantKey
from bot.models import Assessment, ConversationState
from tests import builders
from tests.harness import RunningBot

ALICE_SPACE = TeamKey(TenantKey("teams", "tenant-a"), "user:29:alice")


def _files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


def _errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.ERROR or record.exc_info]


async def _post_raw(bot: RunningBot, body: bytes) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"}
    async with bot.session.post(f"{bot.url}/api/messages", data=body, headers=headers) as reply:
        return reply.status, await reply.read()


def _with_value_nested(bot: RunningBot, depth: int) -> bytes:
    body = json.dumps(builders.message(bot.connector.url, value={"deep": "NESTED"}))
    return body.replace('"NESTED"', "[" * depth + "0" + "]" * depth).encode()


BAD_ACTIVITIES: dict[str, Any] = {
    "membersAdded with a null member": lambda url: {**builders.bot_added(url), "membersAdded": [None]},
    "entities with a null entity": lambda url: builders.message(url, "hi", entities=[None]),  # type: ignore[list-item]
    "a lone surrogate in the user id": lambda url: builders.message(url, "hi", user="29:\ud800"),
    "a lone surrogate in the text": lambda url: builders.message(url, "hi \udc00 there"),
    "a conversation id of 257 characters": lambda url: builders.message(url, "hi", conversation="a:" + "x" * 255),
    "a NUL in the conversation id": lambda url: builders.message(url, "hi", conversation="a:1\u00002"),
    "text that is a number": lambda url: {**builders.message(url, "hi"), "text": 42},
    "channelData that is a list": lambda url: {**builders.message(url, "hi"), "channelData": []},
}


@pytest.mark.parametrize("case", sorted(BAD_ACTIVITIES))
async def test_an_activity_with_a_field_of_the_wrong_shape_is_a_400_and_writes_nothing(
    bot: RunningBot, tmp_path: Path, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    before = _files(tmp_path)

    status, body = await _post_raw(bot, json.dumps(BAD_ACTIVITIES[case](bot.connector.url)).encode())

    assert status == 400 and json.loads(body)["error"].startswith("invalid activity")
    assert bot.connector.requests == []
    assert _files(tmp_path) == before
    assert _errors(caplog) == []


async def test_json_nested_a_thousand_deep_is_a_400_before_anything_else(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    status, body = await _post_raw(bot, _with_value_nested(bot, 1000))

    assert (status, json.loads(body)) == (400, {"error": "invalid activity: nested too deeply"})
    assert bot.connector.requests == []
    assert _errors(caplog) == []


async def test_json_nested_64_deep_is_read_and_65_deep_is_not(bot: RunningBot) -> None:
    deepest, too_deep = _with_value_nested(bot, 62), _with_value_nested(bot, 63)

    assert (await _post_raw(bot, deepest))[0] == 201
    assert (await _post_raw(bot, too_deep))[0] == 400


async def test_a_client_that_hangs_up_mid_body_leaves_no_traceback(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    body = json.dumps(builders.message(bot.connector.url, "hi")).encode()
    host, port = bot.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        f"POST /api/messages HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body) + 100}\r\n\r\n".encode() + body
    )
    await writer.drain()
    writer.close()
    await writer.wait_closed()
    async with asyncio.timeout(5):
        while "body not received" not in caplog.text:
            await asyncio.sleep(0.01)

    assert "rejected Teams request (400): body not received: " in caplog.text
    assert _errors(caplog) == []
    assert bot.connector.requests == []


async def test_a_superscript_digit_in_a_typed_phase_gets_a_polite_notice(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    chat = bot.chat()
    await chat.say("start")

    (reply,) = await chat.say("phase ²")

    assert reply.text == say.UNKNOWN_PHASE.format(name="²")
    assert _errors(caplog) == []


async def test_62_kib_of_mention_tags_is_refused_as_too_long_without_being_parsed(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    chat = bot.chat()
    await chat.say("hi")

    (reply,) = await chat.say("<at " * 16_000, entities=[builders.mention()])

    assert reply.text == say.TOO_LONG.format(limit=2000)
    assert _errors(caplog) == []


async def test_a_refused_card_payload_from_someone_new_writes_nothing_but_its_delivery_claim(
    bot: RunningBot, tmp_path: Path
) -> None:
    before = _files(tmp_path)

    (reply,) = await bot.chat(user="29:newcomer").submit({"intent": "drop_tables", "v": 1})

    assert reply.text == say.BAD_INPUT
    added = sorted(set(_files(tmp_path)) - set(before))
    assert added and {path.parent.name for path in added} == {"tenant"}, "only the tenant's delivery claims, no team folder"
    newcomer = TeamKey(TenantKey("teams", "tenant-a"), "user:29:newcomer")
    assert await bot.app[STORE].find(newcomer, ConversationState) == []


async def test_a_reply_the_connector_refuses_after_the_change_was_saved_is_a_warning_and_a_2xx(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    chat = bot.chat()
    await chat.say("hi")
    bot.connector.fail_next(500, times=2)

    status = await bot.post(builders.message(bot.connector.url, "start"))

    assert status == 201
    (state,) = await bot.app[STORE].find(ALICE_SPACE, ConversationState)
    assert state.scope_draft is not None
    assert "Teams reply not delivered (retry)" in caplog.text
    assert _errors(caplog) == []


INVOKES: dict[str, tuple[dict[str, Any], int, Any]] = {
    "card action without a value": (
        {"name": "adaptiveCard/action"}, 400,
        {"statusCode": 400, "type": "application/vnd.microsoft.error",
         "value": {"code": "BadRequest", "message": "the card action carried no action"}},
    ),
    "card action with a value": (
        {"name": "adaptiveCard/action", "value": {"action": {"type": "Action.Execute", "verb": "rate"}}}, 200,
        {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": say.CARD_ACTION_UNSUPPORTED},
    ),
    "card action whose value is a list": ({"name": "adaptiveCard/action", "value": [1]}, 400, None),
    "task module fetch": ({"name": "task/fetch", "value": {}}, 200, b""),
    "invoke with no name": ({}, 200, b""),
}


@pytest.mark.parametrize("case", sorted(INVOKES))
async def test_invokes_reflect_does_not_handle_get_an_invoke_response_and_change_nothing(
    bot: RunningBot, tmp_path: Path, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    fields, expected_status, expected_body = INVOKES[case]
    activity = {**builders.message(bot.connector.url), "type": "invoke", **fields}
    before = _files(tmp_path)

    status, body = await _post_raw(bot, json.dumps(activity).encode())

    assert status == expected_status
    if isinstance(expected_body, bytes):
        assert body == expected_body
    elif expected_body is not None:
        assert json.loads(body) == expected_body
    assert bot.connector.requests == []
    assert _files(tmp_path) == before
    assert _errors(caplog) == []


def _real_teams_message(service_url: str, text: str, *, channel_data_tenant: str | None, conversation_tenant: str | None) -> dict[str, Any]:
    """A personal-chat message shaped exactly as Teams sends it; each tenant field can be left out."""
    body: dict[str, Any] = {
        "text": text, "textFormat": "plain", "type": "message",
        "timestamp": "2026-11-23T10:00:00.1234567Z", "localTimestamp": "2026-11-23T10:00:00.1234567+00:00",
        "id": "1763892000123", "channelId": "msteams", "serviceUrl": service_url,
        "from": {"id": "29:1alice-teams-id", "name": "Alice Smith", "aadObjectId": "3f0c9f9e-0000-4000-8000-00000000a11c"},
        "conversation": {"conversationType": "personal", "id": "a:1personal-chat-with-alice"},
        "recipient": {"id": "28:6b4a3c1e-0000-4000-8000-00000000a11d", "name": "Reflect"},
        "entities": [{"locale": "en-GB", "country": "GB", "platform": "Web", "timezone": "Europe/London", "type": "clientInfo"}],
        "channelData": {},
        "locale": "en-GB", "localTimezone": "Europe/London",
    }
    if conversation_tenant is not None:
        body["conversation"]["tenantId"] = conversation_tenant
    if channel_data_tenant is not None:
        body["channelData"]["tenant"] = {"id": channel_data_tenant}
    return body


TENANT = "72f988bf-0000-4000-8000-0000000000aa"
REAL_ALICE_SPACE = TeamKey(TenantKey("teams", TENANT), "user:29:1alice-teams-id")


@pytest.mark.parametrize(
    ("channel_data_tenant", "conversation_tenant"),
    [(TENANT, TENANT), (TENANT, None), (None, TENANT)],
    ids=["both fields", "channelData alone", "conversation.tenantId alone"],
)
async def test_the_tenant_is_read_from_whichever_fields_teams_sends(
    bot: RunningBot, channel_data_tenant: str | None, conversation_tenant: str | None
) -> None:
    message = _real_teams_message(
        bot.connector.url, "hello", channel_data_tenant=channel_data_tenant, conversation_tenant=conversation_tenant
    )

    assert await bot.post(message) == 201

    (state,) = await bot.app[STORE].find(REAL_ALICE_SPACE, ConversationState)
    assert state.user_id == "29:1alice-teams-id"
    assert len(bot.connector.activities) == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"channelData": {"tenant": {"id": TENANT}}, "conversation_tenant": "another-tenant"},
        {"channelData": {"tenant": {"id": TENANT}}, "conversation_tenant": None, "tenantID": "another-tenant"},
        {"channelData": {"tenant": {"id": 7}}, "conversation_tenant": None},
    ],
    ids=["tenantId disagrees with channelData", "the SDK's tenantID disagrees", "tenant id that is not text"],
)
async def test_an_activity_naming_two_tenants_is_refused_and_writes_nothing(
    bot: RunningBot, tmp_path: Path, fields: dict[str, Any]
) -> None:
    message = _real_teams_message(bot.connector.url, "start", channel_data_tenant=None, conversation_tenant=fields["conversation_tenant"])
    message["channelData"] = fields["channelData"]
    if "tenantID" in fields:
        message["conversation"]["tenantID"] = fields["tenantID"]
    before = _files(tmp_path)

    status, body = await _post_raw(bot, json.dumps(message).encode())

    assert (status, json.loads(body)) == (400, {"error": "invalid activity: tenant ids disagree or are not text"})
    assert bot.connector.requests == []
    assert _files(tmp_path) == before


async def test_an_over_long_authorization_header_never_reaches_a_log_line(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    install_log_hygiene([caplog.handler])
    caplog.set_level(logging.DEBUG)
    secret = "eyJhbGciOiJSUzI1NiJ9.SECRET-PART-OF-THE-TOKEN"
    headers = {"Authorization": f"Bearer {secret}{'A' * 9000}", "Content-Type": "application/json"}

    async with aiohttp.ClientSession() as session:
        async with session.post(f"{bot.url}/api/messages", data=b"{}", headers=headers) as reply:
            status = reply.status

    assert status == 400
    assert "SECRET-PART" not in caplog.text and "eyJhbGci" not in caplog.text
    assert "malformed HTTP request refused: LineTooLong" in caplog.text
    assert _errors(caplog) == []
    assert await bot.app[STORE].find(ALICE_SPACE, Assessment) == []
