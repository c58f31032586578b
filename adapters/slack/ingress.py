"""Slack's HTTP edge: POST /slack/events, /slack/interactive and /slack/commands, composed from one-job parts.

Each request is read (`http_body`), signature-checked over its raw bytes (`signature`), validated (`payloads`),
deduplicated by `event_id` if it is an event (`deliveries`), and acknowledged before the bot runs (`ack`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from adapters.http_body import json_object, read_body, refused, validated
from adapters.slack.ack import AckThenRun
from adapters.slack.deliveries import DEDUPE_MAX_EVENTS, DEDUPE_TTL_SECONDS, Deliveries
from adapters.slack.payloads import (
    CONVERSATION_EVENTS,
    INTERACTIONS,
    WHAT,
    ConversationEvent,
    EventCallback,
    SlackRequest,
    SlashCommand,
    Typed,
    UrlVerification,
    form,
)
from adapters.slack.signature import SignatureCheck
from bot.errors import Rejected

log = logging.getLogger("reflect.slack")


class SlackIngress:
    """Verifies, validates and acknowledges Slack's requests, then runs `handle` for each one after the ack."""

    def __init__(
        self,
        signing_secret: str,
        handle: Callable[[SlackRequest], Awaitable[None]],
        *,
        clock: Callable[[], float] = time.time,
        max_remembered_events: int = DEDUPE_MAX_EVENTS,
    ) -> None:
        self._signature = SignatureCheck(signing_secret, clock)
        self._deliveries = Deliveries(clock, DEDUPE_TTL_SECONDS, max_remembered_events)
        self._work = AckThenRun(handle, self._deliveries)

    def add_routes(self, app: web.Application) -> None:
        """Mount the three Slack endpoints; their URLs go into the Slack app's configuration."""
        app.router.add_post("/slack/events", self.events)
        app.router.add_post("/slack/interactive", self.interactive)
        app.router.add_post("/slack/commands", self.commands)

    async def events(self, request: web.Request) -> web.StreamResponse:
        """POST /slack/events: answer url_verification, deduplicate and acknowledge event_callback, ignore the rest."""
        try:
            payload = json_object(await self._verified_body(request), WHAT)
            kind = validated(Typed, payload, WHAT).type
            if kind == "url_verification":
                return web.json_response({"challenge": validated(UrlVerification, payload, WHAT).challenge})
            if kind != "event_callback":
                _log_ignored(kind, payload)
                return web.Response()
            envelope = validated(EventCallback, payload, WHAT)
            if envelope.event.type in CONVERSATION_EVENTS:
                validated(ConversationEvent, payload["event"], WHAT, where="event")
        except Rejected as rejected:
            return _refusal(request, rejected)
        if not self._deliveries.claim(envelope.event_id):
            log.info(
                "duplicate Slack event %s acknowledged without processing (retry %s)",
                envelope.event_id, _retry_number(request),
            )
            return web.Response()
        work = SlackRequest("event", payload, envelope.team_id)
        return await self._work.ack_then_run(request, work, envelope.event_id)

    async def interactive(self, request: web.Request) -> web.StreamResponse:
        """POST /slack/interactive: hand block_actions and view_submission on; an empty 200 closes a modal."""
        try:
            fields = form(await self._verified_body(request))
            if "payload" not in fields:
                raise Rejected(400, f"{WHAT}: payload field missing")
            payload = json_object(fields["payload"].encode(), WHAT)
            kind = validated(Typed, payload, WHAT).type
            model = INTERACTIONS.get(kind)
            if model is None:
                _log_ignored(kind, payload)
                return web.Response()
            team_id = validated(model, payload, WHAT).workspace()
            if team_id is None:
                raise Rejected(400, f"{WHAT}: no team id")
        except Rejected as rejected:
            return _refusal(request, rejected)
        return await self._work.ack_then_run(request, SlackRequest("interaction", payload, team_id), None)

    async def commands(self, request: web.Request) -> web.StreamResponse:
        """POST /slack/commands: answer Slack's ssl_check, acknowledge a slash command with an empty 200."""
        try:
            fields = form(await self._verified_body(request))
            if fields.get("ssl_check") == "1":
                return web.Response()
            command = validated(SlashCommand, fields, WHAT)
        except Rejected as rejected:
            return _refusal(request, rejected)
        return await self._work.ack_then_run(request, SlackRequest("command", fields, command.team_id), None)

    async def drain(self) -> None:
        """Wait for acknowledged work still running, so a shutdown does not drop what Slack was told we accepted."""
        await self._work.drain()

    async def _verified_body(self, request: web.Request) -> bytes:
        """The raw body, only if its size is acceptable and Slack's signature over exactly these bytes is valid."""
        body = await read_body(request)
        self._signature.verify(request.headers, body)
        return body


def _refusal(request: web.Request, rejected: Rejected) -> web.Response:
    """A deliberate 400 or 413 tells Slack not to retry (G4); a 401 lets a re-signed retry in."""
    headers = {} if rejected.status == 401 else {"X-Slack-No-Retry": "1"}
    return refused(rejected, log, f"Slack request to {request.path}", headers)


def _log_ignored(kind: str, payload: dict[str, Any]) -> None:
    """Ignored types are logged; app_rate_limited means Slack is dropping our events (S6), so it is a warning."""
    if kind == "app_rate_limited":
        log.warning("Slack rate-limited events for team %s", str(payload.get("team_id"))[:32])
    else:
        log.info("ignored Slack request of type %s", kind[:64])


def _retry_number(request: web.Request) -> str:
    """The unsigned retry header, only if it looks like one, so logs never carry arbitrary header text."""
    value = request.headers.get("X-Slack-Retry-Num", "")
    return value if value.isascii() and value.isdigit() and len(value) < 4 else "none"
