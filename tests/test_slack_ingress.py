"""The Slack HTTP edge over real HTTP on 127.0.0.1 (signatures, validation, ack first, retries) and the fake Web API."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import aiohttp
import pytest
from aiohttp import web
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.http_body import MAX_BODY_BYTES
from adapters.slack.ingress import SlackIngress
from adapters.slack.payloads import SlackRequest
from tests.fakes.slack_api import FakeSlackApi, sign

SECRET = "signing-secret-that-must-never-leak"
NOW = 1_700_000_000
TEAM = "T0TEAM001"
EVENTS, INTERACTIVE, COMMANDS = "/slack/events", "/slack/interactive", "/slack/commands"
GUARD_TIMEOUT = 5.0


class FakeClock:
    """Wall-clock seconds that only move when a test moves them."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class Recorder:
    """The bot side of the ingress: records each request on arrival and can wait or fail on demand."""

    received: list[SlackRequest] = field(default_factory=list)
    completed: list[SlackRequest] = field(default_factory=list)
    started: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event | None = None
    failures: int = 0

    async def handle(self, request: SlackRequest) -> None:
        self.received.append(request)
        self.started.set()
        if self.release is not None:
            await self.release.wait()
        if self.failures:
            self.failures -= 1
            raise RuntimeError("PRIVATE-ANSWER-TEXT from a failing turn")
        self.completed.append(request)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Served:
    """A running ingress plus a client that signs as Slack does (or, on request, does not)."""

    ingress: SlackIngress
    recorder: Recorder
    clock: FakeClock
    session: aiohttp.ClientSession
    base: str
    statuses: list[int] = field(default_factory=list)

    async def post(
        self, path: str, body: bytes, *, offset: int = 0, headers: dict[str, str] | None = None, signed: bool = True
    ) -> Response:
        """POST `body`, signed with a timestamp `offset` seconds from the ingress clock unless headers are given."""
        if headers is None:
            headers = sign(SECRET, body, int(self.clock.now) + offset) if signed else {}
        async with asyncio.timeout(GUARD_TIMEOUT):
            async with self.session.post(self.base + path, data=body, headers=headers) as reply:
                response = Response(reply.status, dict(reply.headers), await reply.read())
        self.statuses.append(response.status)
        return response


@asynccontextmanager
async def serving(recorder: Recorder, clock: FakeClock, **options: Any) -> AsyncIterator[Served]:
    """Mount a SlackIngress on a real aiohttp server on 127.0.0.1 and drain it on the way out."""
    ingress = SlackIngress(SECRET, recorder.handle, clock=clock, **options)
    app = web.Application()
    ingress.add_routes(app)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    try:
        async with aiohttp.ClientSession() as session:
            served = Served(ingress, recorder, clock, session, f"http://127.0.0.1:{port}")
            yield served
            if recorder.release is not None:
                recorder.release.set()
            await ingress.drain()
            assert [status for status in served.statuses if status >= 500] == []
    finally:
        await runner.cleanup()


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    async with serving(Recorder(), FakeClock(NOW)) as running:
        yield running


def event_payload(event_id: str = "Ev0001", **event: Any) -> dict[str, Any]:
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM,
        "api_app_id": "A0APP",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": NOW,
        "event": event or {"type": "message", "channel_type": "im", "user": "U0ALICE", "channel": "D0ALICE",
                           "text": "rate 4c", "ts": "1700000000.000100"},
    }


def event_body(event_id: str = "Ev0001") -> bytes:
    """Compact JSON, as Slack sends it."""
    return json.dumps(event_payload(event_id), separators=(",", ":")).encode()


def block_actions(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "nhs-ics"},
        "user": {"id": "U0ALICE", "team_id": TEAM},
        "api_app_id": "A0APP",
        "trigger_id": "1337.42.abcdef",
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": "D0ALICE"},
        "channel": {"id": "D0ALICE"},
        "actions": [{"type": "button", "action_id": "rate", "block_id": "b1",
                     "value": '{"intent":"rate","section":"4c","level":2,"v":1}', "action_ts": "1700000001.1"}],
        **overrides,
    }


def view_submission(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "nhs-ics"},
        "user": {"id": "U0ALICE", "team_id": TEAM},
        "trigger_id": "1337.43.abcdef",
        "view": {"id": "V0MODAL", "type": "modal", "callback_id": "reflect-text", "private_metadata": "{}",
                 "state": {"values": {"b": {"evidence": {"type": "plain_text_input", "value": "minutes"}}}}},
        **overrides,
    }


def interaction_body(payload: dict[str, Any]) -> bytes:
    """A form with one `payload` field holding JSON, as Slack posts interactions."""
    return urlencode({"payload": json.dumps(payload)}).encode()


def command_form(**overrides: str) -> dict[str, str]:
    return {
        "token": "legacy-verification-token", "team_id": TEAM, "team_domain": "nhs-ics", "channel_id": "C0GROUP",
        "channel_name": "working-group", "user_id": "U0ALICE", "user_name": "alice", "command": "/reflect",
        "text": "phase 4", "api_app_id": "A0APP", "response_url": "https://hooks.slack.com/commands/T0/1/x",
        "trigger_id": "1337.44.abcdef", **overrides,
    }


def command_body(**overrides: str) -> bytes:
    return urlencode(command_form(**overrides)).encode()


VALID_BODIES = {EVENTS: event_body(), INTERACTIVE: interaction_body(block_actions()), COMMANDS: command_body()}


def reserialized(path: str, body: bytes) -> bytes:
    """The same content encoded differently: what a proxy or framework that parses and re-encodes would send."""
    if path == EVENTS:
        return json.dumps(json.loads(body)).encode()
    return urlencode(parse_qsl(body.decode()), quote_via=quote).encode()


def variant(case: str, path: str) -> tuple[bytes, dict[str, str]]:
    """One row of the SL-1 signature matrix: the body to send and the headers to send it with."""
    body = VALID_BODIES[path]
    offsets = {"valid": 0, "299 s old": -299, "299 s ahead": 299, "301 s old": -301, "301 s ahead": 301}
    if case in offsets:
        return body, sign(SECRET, body, NOW + offsets[case])
    good = sign(SECRET, body, NOW)
    match case:
        case "one byte changed":
            return body[:-1] + bytes([body[-1] ^ 1]), good
        case "re-serialized":
            changed = reserialized(path, body)
            assert changed != body
            return changed, good
        case "signature header missing":
            return body, {"X-Slack-Request-Timestamp": str(NOW)}
        case "timestamp header missing":
            return body, {"X-Slack-Signature": good["X-Slack-Signature"]}
        case "timestamp abc":
            return body, {**good, "X-Slack-Request-Timestamp": "abc"}
        case "v1= prefix":
            return body, {**good, "X-Slack-Signature": "v1=" + good["X-Slack-Signature"][3:]}
        case "another secret":
            return body, sign("some-other-secret", body, NOW)
        case "empty signature":
            return body, {**good, "X-Slack-Signature": ""}
        case "non-ASCII signature":
            return body, {**good, "X-Slack-Signature": "v0=" + "\u00e9" * 64}
        case "not UTF-8":
            garbled = b"\xff\xfe" + body
            return garbled, sign(SECRET, garbled, NOW)
    raise AssertionError(case)


ACCEPTED = ["valid", "299 s old", "299 s ahead"]
REJECTED = [
    "one byte changed", "re-serialized", "301 s old", "301 s ahead", "signature header missing",
    "timestamp header missing", "timestamp abc", "v1= prefix", "another secret", "empty signature",
    "non-ASCII signature", "not UTF-8",
]


@pytest.mark.parametrize("path", [EVENTS, INTERACTIVE, COMMANDS])
@pytest.mark.parametrize("case", ACCEPTED)
async def test_correctly_signed_requests_within_five_minutes_are_accepted(served: Served, path: str, case: str) -> None:
    body, headers = variant(case, path)
    response = await served.post(path, body, headers=headers)
    await served.ingress.drain()
    assert response.status == 200
    assert len(served.recorder.completed) == 1


@pytest.mark.parametrize("path", [EVENTS, INTERACTIVE, COMMANDS])
@pytest.mark.parametrize("case", REJECTED)
async def test_every_other_signature_case_is_401_and_reaches_nothing(served: Served, path: str, case: str) -> None:
    body, headers = variant(case, path)
    response = await served.post(path, body, headers=headers)
    await served.ingress.drain()
    assert response.status == 401
    assert response.json() == {"error": "unauthorized"}
    assert served.recorder.received == []


async def test_a_rejection_is_logged_at_info_with_its_reason_and_nothing_of_the_body_or_secret(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps(event_payload(text="PRIVATE-ANSWER-TEXT", type="message", channel="D1")).encode()
    with caplog.at_level(logging.INFO, logger="reflect.slack"):
        response = await served.post(EVENTS, body, headers=sign("wrong-secret", body, NOW))
    assert response.status == 401
    assert [(record.levelno, record.getMessage()) for record in caplog.records] == [
        (logging.INFO, "rejected Slack request to /slack/events (401): signature mismatch")
    ]
    assert "PRIVATE-ANSWER-TEXT" not in caplog.text and SECRET not in caplog.text


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_body_over_one_mebibyte_is_413_even_when_signed(served: Served, chunked: bool) -> None:
    body = b'{"type":"event_callback","pad":"' + b"x" * MAX_BODY_BYTES + b'"}'
    headers = sign(SECRET, body, NOW)

    async def pieces() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 64 * 1024):
            yield body[start:start + 64 * 1024]

    data = pieces() if chunked else io.BytesIO(body)
    async with served.session.post(served.base + EVENTS, data=data, headers=headers) as reply:
        status, length = reply.status, reply.request_info.headers.get("Content-Length")
    await served.ingress.drain()
    assert status == 413
    assert (length is None) is chunked
    assert served.recorder.received == []


async def test_url_verification_echoes_the_challenge_only_when_signed(served: Served) -> None:
    challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    body = json.dumps({"token": "t", "challenge": challenge, "type": "url_verification"}).encode()
    signed = await served.post(EVENTS, body)
    unsigned = await served.post(EVENTS, body, signed=False)
    wrongly_signed = await served.post(EVENTS, body, headers=sign("another-secret", body, NOW))
    assert (signed.status, signed.json()) == (200, {"challenge": challenge})
    assert (unsigned.status, wrongly_signed.status) == (401, 401)
    assert served.recorder.received == []


async def test_the_ack_is_sent_before_the_work_runs(served: Served) -> None:
    served.recorder.release = asyncio.Event()
    response = await served.post(EVENTS, event_body())
    assert (response.status, response.body) == (200, b"")
    assert served.recorder.completed == []
    served.recorder.release.set()
    await served.ingress.drain()
    assert [request.payload["event_id"] for request in served.recorder.completed] == ["Ev0001"]


async def test_drain_waits_for_work_still_in_flight(served: Served) -> None:
    served.recorder.release = asyncio.Event()
    await served.post(COMMANDS, command_body())
    async with asyncio.timeout(GUARD_TIMEOUT):
        await served.recorder.started.wait()
    draining = asyncio.create_task(served.ingress.drain())
    await asyncio.sleep(0)
    assert not draining.done()
    served.recorder.release.set()
    await draining
    assert len(served.recorder.completed) == 1


async def test_event_request_carries_the_payload_and_team(served: Served) -> None:
    await served.post(EVENTS, event_body())
    await served.ingress.drain()
    assert served.recorder.completed == [SlackRequest("event", event_payload(), TEAM)]


@pytest.mark.parametrize("kind", ["app_rate_limited", "some_future_type"])
async def test_other_event_envelope_types_are_acknowledged_and_ignored(served: Served, kind: str) -> None:
    body = json.dumps({"type": kind, "team_id": TEAM, "minute_rate_limited": NOW, "api_app_id": "A0APP"}).encode()
    response = await served.post(EVENTS, body)
    await served.ingress.drain()
    assert response.status == 200
    assert served.recorder.received == []


@pytest.mark.parametrize("payload", [block_actions(), view_submission()], ids=["block_actions", "view_submission"])
async def test_interactions_reach_the_bot_and_get_an_empty_200(served: Served, payload: dict[str, Any]) -> None:
    response = await served.post(INTERACTIVE, interaction_body(payload))
    await served.ingress.drain()
    assert (response.status, response.body) == (200, b"")
    assert served.recorder.completed == [SlackRequest("interaction", payload, TEAM)]


async def test_an_org_wide_interaction_without_a_team_takes_the_users_workspace(served: Served) -> None:
    payload = view_submission(team=None, user={"id": "U0ALICE", "team_id": "T0OTHER"})
    await served.post(INTERACTIVE, interaction_body(payload))
    await served.ingress.drain()
    assert [request.team_id for request in served.recorder.completed] == ["T0OTHER"]


async def test_other_interaction_types_are_acknowledged_and_ignored(served: Served) -> None:
    response = await served.post(INTERACTIVE, interaction_body({"type": "view_closed", "team": {"id": TEAM}}))
    await served.ingress.drain()
    assert response.status == 200
    assert served.recorder.received == []


async def test_a_slash_command_reaches_the_bot_and_gets_an_empty_200(served: Served) -> None:
    response = await served.post(COMMANDS, command_body())
    await served.ingress.drain()
    assert (response.status, response.body) == (200, b"")
    assert served.recorder.completed == [SlackRequest("command", command_form(), TEAM)]


async def test_slash_command_ssl_check_is_answered_and_not_handled(served: Served) -> None:
    response = await served.post(COMMANDS, b"ssl_check=1&token=legacy-verification-token")
    await served.ingress.drain()
    assert response.status == 200
    assert served.recorder.received == []


def _without(payload: dict[str, Any], *path: str) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(payload))
    target = copy
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return copy


MALFORMED = {
    "events: not JSON": (EVENTS, b'{"type": "event_callback",'),
    "events: empty body": (EVENTS, b""),
    "events: JSON array": (EVENTS, b"[1, 2]"),
    "events: no event_id": (EVENTS, json.dumps(_without(event_payload(), "event_id")).encode()),
    "events: no team_id": (EVENTS, json.dumps(_without(event_payload(), "team_id")).encode()),
    "events: event_time as text": (EVENTS, json.dumps({**event_payload(), "event_time": "soon"}).encode()),
    "events: no event type": (EVENTS, json.dumps(_without(event_payload(), "event", "type")).encode()),
    "events: message without channel": (EVENTS, json.dumps(_without(event_payload(), "event", "channel")).encode()),
    "events: message user not an id": (
        EVENTS, json.dumps(event_payload(type="message", channel="D1", user={"id": "U1"})).encode()
    ),
    "events: url_verification without challenge": (EVENTS, b'{"type":"url_verification"}'),
    "interactive: not a form": (INTERACTIVE, b"payload"),
    "interactive: no payload field": (INTERACTIVE, b"other=1"),
    "interactive: payload not JSON": (INTERACTIVE, b"payload=%7Bnot+json"),
    "interactive: payload repeated": (INTERACTIVE, interaction_body(block_actions()) + b"&payload=%7B%7D"),
    "interactive: block_actions without actions": (INTERACTIVE, interaction_body(block_actions(actions=[]))),
    "interactive: block_actions without trigger": (
        INTERACTIVE, interaction_body(_without(block_actions(), "trigger_id"))
    ),
    "interactive: view_submission without view": (INTERACTIVE, interaction_body(_without(view_submission(), "view"))),
    "interactive: no team anywhere": (
        INTERACTIVE, interaction_body(block_actions(team=None, user={"id": "U0ALICE"}))
    ),
    "commands: not a form": (COMMANDS, b"team_id=T1&&user_id"),
    "commands: no user_id": (COMMANDS, urlencode(_without(command_form(), "user_id")).encode()),
    "commands: command without slash": (COMMANDS, command_body(command="reflect")),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
async def test_a_malformed_but_signed_request_is_400_with_a_short_body(served: Served, case: str) -> None:
    path, body = MALFORMED[case]
    response = await served.post(path, body)
    await served.ingress.drain()
    assert response.status == 400
    assert response.json()["error"].startswith("invalid payload") and len(response.body) < 200
    assert response.headers.get("X-Slack-No-Retry") == "1"
    assert served.recorder.received == []


async def test_a_failing_handler_is_logged_by_type_only_and_does_not_affect_later_requests(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    served.recorder.failures = 1
    with caplog.at_level(logging.INFO, logger="reflect.slack"):
        first = await served.post(COMMANDS, command_body())
        await served.ingress.drain()
    second = await served.post(COMMANDS, command_body(text="status"))
    await served.ingress.drain()
    assert (first.status, second.status) == (200, 200)
    assert [request.payload["text"] for request in served.recorder.completed] == ["status"]
    assert "RuntimeError" in caplog.text and "PRIVATE-ANSWER-TEXT" not in caplog.text


@pytest.fixture
async def slack_api() -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi(token="xoxb-reflect-test") as fake:
        yield fake


async def test_the_real_client_waits_out_a_429_and_succeeds_on_the_second_attempt(slack_api: FakeSlackApi) -> None:
    slack_api.fail_next("chat.postMessage", status=429, retry_after=1)
    client = AsyncWebClient(
        token="xoxb-reflect-test", base_url=slack_api.url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    response = await client.chat_postMessage(channel="C0GROUP", text="Phase 4 summary")
    assert response["ok"] is True
    assert [call.status for call in slack_api.requests] == [429, 200]
    assert slack_api.calls("chat.postMessage") == [{"channel": "C0GROUP", "text": "Phase 4 summary"}] * 2


async def test_the_fake_answers_the_methods_reflect_uses_and_records_them(slack_api: FakeSlackApi) -> None:
    client = AsyncWebClient(token="xoxb-reflect-test", base_url=slack_api.url)
    first = await client.chat_postMessage(channel="C0GROUP", text="one", blocks=[{"type": "divider"}])
    second = await client.chat_postMessage(channel="C0GROUP", text="two")
    updated = await client.chat_update(channel="C0GROUP", ts=first["ts"], text="one, answered")
    opened = await client.views_open(trigger_id="1337.1.a", view={"type": "modal", "title": {"type": "plain_text",
                                                                                              "text": "Evidence"}})
    published = await client.views_publish(user_id="U0ALICE", view={"type": "home", "blocks": []})
    direct = await client.conversations_open(users="U0ALICE")
    assert (first["ts"], second["ts"]) == ("1700000000.000100", "1700000000.000200")
    assert first["message"]["blocks"] == [{"type": "divider"}]
    assert (updated["ts"], updated["text"]) == (first["ts"], "one, answered")
    assert (opened["view"]["id"], published["view"]["id"]) == ("V1", "V2")
    assert direct["channel"]["id"] == "DU0ALICE"
    assert {call.headers["Authorization"] for call in slack_api.requests} == {"Bearer xoxb-reflect-test"}
    assert await slack_api.wait_for("conversations.open", 1) == [{"users": "U0ALICE"}]


async def test_the_fake_refuses_bad_tokens_unknown_methods_and_canned_errors(slack_api: FakeSlackApi) -> None:
    slack_api.fail_next("views.open", status=200, error="expired_trigger_id")
    client = AsyncWebClient(token="xoxb-reflect-test", base_url=slack_api.url)
    stranger = AsyncWebClient(token="xoxb-someone-else", base_url=slack_api.url)
    anonymous = AsyncWebClient(base_url=slack_api.url)
    errors = []
    for call in (
        anonymous.chat_postMessage(channel="C0GROUP", text="hi"),
        stranger.chat_postMessage(channel="C0GROUP", text="hi"),
        client.api_call("team.info", params={"team": "T0ALICE"}),
        client.views_open(trigger_id="1337.1.a", view={"type": "modal"}),
    ):
        with pytest.raises(SlackApiError) as raised:
            await call
        errors.append(raised.value.response["error"])
    assert errors == ["not_authed", "invalid_auth", "unknown_method", "expired_trigger_id"]
