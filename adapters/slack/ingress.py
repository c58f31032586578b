"""Slack's HTTP edge: POST /slack/events, /slack/interactive and /slack/commands.

Every request is signature-checked over its raw bytes before anything parses it (platform facts S1, S2, SL-1), then
validated, acknowledged at once, and only then handed to the bot in a background task, because Slack allows 3 s for
the acknowledgement (S3, SL-4). Event deliveries are deduplicated by `event_id`, so Slack's retries never repeat work
that is running or done, while a retry of a delivery whose handling failed runs again (S4, S5, SL-5).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import parse_qsl

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from slack_sdk.signature import Clock, SignatureVerifier

from bot.errors import Rejected

log = logging.getLogger("reflect.slack")

MAX_BODY_BYTES = 1024 * 1024
MAX_CLOCK_SKEW_SECONDS = 5 * 60
DEDUPE_TTL_SECONDS = 15 * 60
DEDUPE_MAX_EVENTS = 10_000

_TIMESTAMP = re.compile(r"[0-9]{1,15}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
_CONVERSATION_EVENTS = frozenset({"message", "app_mention", "app_home_opened"})

SlackKind = Literal["event", "interaction", "command"]
_Id = Annotated[str, Field(min_length=1, max_length=255)]
_M = TypeVar("_M", bound="_Model")


@dataclass(frozen=True)
class SlackRequest:
    """One verified, validated Slack request, handed to the bot only after Slack has had its acknowledgement."""

    kind: SlackKind
    payload: dict[str, Any]
    team_id: str


class _Model(BaseModel):
    """Strict about the fields Reflect relies on, so the payload handed on is exactly what was validated."""

    model_config = ConfigDict(extra="allow", strict=True)


class _Typed(_Model):
    """Any Slack body: only its type decides what else must be present."""

    type: _Id


class _UrlVerification(_Model):
    """Slack's endpoint check when the Request URL is saved (S7)."""

    type: Literal["url_verification"]
    challenge: str = Field(min_length=1, max_length=1000)


class _Event(_Model):
    """The inner event; its type is the only field every event has."""

    type: _Id


class _ConversationEvent(_Event):
    """Messages, mentions and App Home visits, whose user and channel ids the bot reads."""

    user: _Id | None = None
    channel: _Id


class _EventCallback(_Model):
    """The Events API envelope; `event_id` is the same on every retry of one delivery (S5)."""

    type: Literal["event_callback"]
    team_id: _Id
    event_id: _Id
    event_time: int
    event: _Event


class _Team(_Model):
    """The workspace an interaction came from."""

    id: _Id


class _User(_Model):
    """The person who acted; `team_id` names their workspace when an org-wide install sends `team: null`."""

    id: _Id
    team_id: _Id | None = None


class _Interaction(_Model):
    """Fields common to the interactions Reflect handles."""

    team: _Team | None = None
    user: _User

    def workspace(self) -> str | None:
        """The workspace id from `team`, or from the user for org-wide installs."""
        return self.team.id if self.team is not None else self.user.team_id


class _Action(_Model):
    """One tapped element; the bot dispatches on its action_id."""

    action_id: _Id


class _BlockActions(_Interaction):
    """A button or menu in a message, modal or Home tab was used."""

    type: Literal["block_actions"]
    trigger_id: _Id
    actions: list[_Action] = Field(min_length=1)


class _View(_Model):
    """The submitted modal; the bot reads its callback id, metadata and state."""

    id: _Id
    callback_id: str = ""
    private_metadata: str = ""


class _ViewSubmission(_Interaction):
    """A modal's submit button was pressed."""

    type: Literal["view_submission"]
    view: _View


class _SlashCommand(_Model):
    """A slash command's form fields (all strings)."""

    command: str = Field(pattern=r"^/\S{1,80}$")
    text: str = Field(default="", max_length=4000)
    team_id: _Id
    user_id: _Id
    channel_id: _Id
    trigger_id: _Id
    response_url: str = Field(min_length=1, max_length=3000)


_INTERACTIONS: dict[str, type[_Interaction]] = {"block_actions": _BlockActions, "view_submission": _ViewSubmission}


class _CallableClock(Clock):
    """slack_sdk's verifier wants an object with `now()`; Reflect injects plain callables."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now()


class _Deliveries:
    """Event ids in flight or done, remembered for a while, so Slack's retries do not repeat work (S4, S5)."""

    def __init__(self, clock: Callable[[], float], ttl: float, limit: int) -> None:
        self._clock = clock
        self._ttl = ttl
        self._limit = limit
        self._expiry: OrderedDict[str, float] = OrderedDict()

    def claim(self, event_id: str) -> bool:
        """True if this delivery should run: the id is new, or every earlier attempt at it failed."""
        now = self._clock()
        while self._expiry and next(iter(self._expiry.values())) <= now:
            self._expiry.popitem(last=False)
        if event_id in self._expiry:
            return False
        self._expiry[event_id] = now + self._ttl
        while len(self._expiry) > self._limit:
            self._expiry.popitem(last=False)
        return True

    def release(self, event_id: str) -> None:
        """Forget a delivery whose handling failed, so Slack's retry of it is the one that runs."""
        self._expiry.pop(event_id, None)


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
        self._verifier = SignatureVerifier(signing_secret, clock=_CallableClock(clock))
        self._handle = handle
        self._clock = clock
        self._deliveries = _Deliveries(clock, DEDUPE_TTL_SECONDS, max_remembered_events)
        self._tasks: set[asyncio.Task[None]] = set()

    def add_routes(self, app: web.Application) -> None:
        """Mount the three Slack endpoints; their URLs go into the Slack app's configuration."""
        app.router.add_post("/slack/events", self.events)
        app.router.add_post("/slack/interactive", self.interactive)
        app.router.add_post("/slack/commands", self.commands)

    async def events(self, request: web.Request) -> web.StreamResponse:
        """POST /slack/events: answer url_verification, deduplicate and acknowledge event_callback, ignore the rest."""
        try:
            payload = _json_object(await self._verified_body(request))
            kind = _validated(_Typed, payload).type
            if kind == "url_verification":
                return web.json_response({"challenge": _validated(_UrlVerification, payload).challenge})
            if kind != "event_callback":
                _log_ignored(kind, payload)
                return web.Response()
            envelope = _validated(_EventCallback, payload)
            if envelope.event.type in _CONVERSATION_EVENTS:
                _validated(_ConversationEvent, payload["event"], where="event")
        except Rejected as rejected:
            return _refusal(request, rejected)
        if not self._deliveries.claim(envelope.event_id):
            log.info(
                "duplicate Slack event %s acknowledged without processing (retry %s)",
                envelope.event_id, _retry_number(request),
            )
            return web.Response()
        work = SlackRequest("event", payload, envelope.team_id)
        return await self._ack_then_run(request, work, envelope.event_id)

    async def interactive(self, request: web.Request) -> web.StreamResponse:
        """POST /slack/interactive: hand block_actions and view_submission on; an empty 200 closes a modal."""
        try:
            form = _form(await self._verified_body(request))
            if "payload" not in form:
                raise Rejected(400, "invalid payload: payload field missing")
            payload = _json_object(form["payload"].encode())
            kind = _validated(_Typed, payload).type
            model = _INTERACTIONS.get(kind)
            if model is None:
                _log_ignored(kind, payload)
                return web.Response()
            interaction = _validated(model, payload)
            team_id = interaction.workspace()
            if team_id is None:
                raise Rejected(400, "invalid payload: no team id")
        except Rejected as rejected:
            return _refusal(request, rejected)
        return await self._ack_then_run(request, SlackRequest("interaction", payload, team_id), None)

    async def commands(self, request: web.Request) -> web.StreamResponse:
        """POST /slack/commands: answer Slack's ssl_check, acknowledge a slash command with an empty 200."""
        try:
            form = _form(await self._verified_body(request))
            if form.get("ssl_check") == "1":
                return web.Response()
            command = _validated(_SlashCommand, form)
        except Rejected as rejected:
            return _refusal(request, rejected)
        return await self._ack_then_run(request, SlackRequest("command", form, command.team_id), None)

    async def drain(self) -> None:
        """Wait for acknowledged work still running, so a shutdown does not drop what Slack was told we accepted."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _verified_body(self, request: web.Request) -> bytes:
        """The raw body, only if its size is acceptable and Slack's signature over exactly these bytes is valid."""
        body = await _read_limited(request)
        timestamp = request.headers.get("X-Slack-Request-Timestamp")
        signature = request.headers.get("X-Slack-Signature")
        if timestamp is None or signature is None:
            raise Rejected(401, "unauthorized", "signature or timestamp header missing")
        if not _TIMESTAMP.fullmatch(timestamp):
            raise Rejected(401, "unauthorized", "malformed timestamp")
        if not _SIGNATURE.fullmatch(signature):
            raise Rejected(401, "unauthorized", "malformed signature")
        if abs(self._clock() - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
            raise Rejected(401, "unauthorized", "timestamp more than 5 minutes from now")
        try:
            valid = self._verifier.is_valid(body, timestamp, signature)
        except ValueError:
            raise Rejected(401, "unauthorized", "body is not UTF-8") from None
        if not valid:
            raise Rejected(401, "unauthorized", "signature mismatch")
        return body

    async def _ack_then_run(self, request: web.Request, work: SlackRequest, event_id: str | None) -> web.Response:
        """Put an empty 200 on the wire, then start the work, so slow work never delays the ack (S3).

        The work starts even if writing the ack failed: Slack retries only events, and those the dedupe store catches.
        """
        ack = web.Response()
        try:
            await ack.prepare(request)
            await ack.write_eof()
        finally:
            task = asyncio.create_task(self._run(work, event_id), name=f"slack-{work.kind}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return ack

    async def _run(self, work: SlackRequest, event_id: str | None) -> None:
        """Run the bot for one request; a failure is logged by type only and frees the event for Slack's retry."""
        succeeded = False
        try:
            await self._handle(work)
            succeeded = True
        except Exception as error:
            log.error(
                "Slack %s handling failed: %s (team %s, event %s)",
                work.kind, type(error).__name__, work.team_id, event_id,
            )
        finally:
            if event_id is not None and not succeeded:
                self._deliveries.release(event_id)


async def _read_limited(request: web.Request) -> bytes:
    """Read at most MAX_BODY_BYTES whatever the app's client_max_size, refusing larger bodies early."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise Rejected(413, "request body too large")
    body = bytearray()
    async for chunk in request.content.iter_any():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise Rejected(413, "request body too large")
    return bytes(body)


def _json_object(raw: bytes) -> dict[str, Any]:
    """Parse a verified body as one JSON object."""
    try:
        value = json.loads(raw)
    except ValueError:
        raise Rejected(400, "invalid payload: not JSON") from None
    if not isinstance(value, dict):
        raise Rejected(400, "invalid payload: not a JSON object")
    return value


def _form(raw: bytes) -> dict[str, str]:
    """Parse a verified form body; repeated fields are refused rather than guessed between."""
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=True, max_num_fields=100)
    except ValueError:
        raise Rejected(400, "invalid payload: not a form") from None
    form = dict(pairs)
    if len(form) != len(pairs):
        raise Rejected(400, "invalid payload: repeated form field")
    return form


def _validated(model: type[_M], value: dict[str, Any], *, where: str = "") -> _M:
    """Validate against `model`, turning the first problem into a 400 that names the field but not its value."""
    try:
        return model.model_validate(value)
    except ValidationError as invalid:
        error = invalid.errors(include_url=False, include_input=False, include_context=False)[0]
        location = ".".join(str(part) for part in (where, *error["loc"]) if part != "") or "body"
        raise Rejected(400, f"invalid payload: {location}: {error['msg']}") from None


def _refusal(request: web.Request, rejected: Rejected) -> web.Response:
    """Log the reason only; a deliberate 400 or 413 tells Slack not to retry (G4), a 401 lets a re-signed retry in."""
    log.info("rejected Slack request to %s (%d): %s", request.path, rejected.status, rejected.reason)
    headers = {} if rejected.status == 401 else {"X-Slack-No-Retry": "1"}
    return web.json_response({"error": rejected.public}, status=rejected.status, headers=headers)


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
