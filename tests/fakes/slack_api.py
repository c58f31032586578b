"""A fake Slack Web API on 127.0.0.1: the real slack_sdk client reaches it through `base_url`, and tests read the calls.

Also `sign`, which signs a request body the way Slack does, computed here so tests never trust the code under test.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from tests.fakes.loopback import LoopbackServer
from tests.fakes.slack_files import UPLOAD_PATH, SlackFiles

Reply = Callable[[dict[str, Any]], dict[str, Any]]


def sign(secret: str, body: bytes, ts: int) -> dict[str, str]:
    """The two headers Slack adds: a v0 HMAC-SHA256 of `v0:{ts}:{body}` keyed with the signing secret (S1)."""
    digest = hmac.new(secret.encode(), b"v0:%d:" % ts + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}


@dataclass(frozen=True)
class SlackCall:
    """One Web API call as the fake saw it: query and body arguments merged, and what it answered."""

    method: str
    headers: dict[str, str]
    body: dict[str, Any]
    status: int
    response: dict[str, Any]
    peer: tuple[str, int] | None = None


@dataclass(frozen=True)
class _CannedFailure:
    status: int
    error: str
    retry_after: int | None


class FakeSlackApi(LoopbackServer):
    """chat.postMessage, chat.postEphemeral, response_urls, chat.update, views.open, views.publish, conversations.open
    and .members, auth.test, users.info; fails on demand.

    `members` lists each channel's member ids, returned `page_limit` to a page with a cursor, so paging is exercised;
    the app's own bot user is `bot_user`.
    """

    def __init__(
        self, token: str = "xoxb-test-token", members: dict[str, list[str]] | None = None, page_limit: int = 200
    ) -> None:
        super().__init__()
        self.token = token
        self.members = members or {}
        self.page_limit = page_limit
        self.bot_user = "UREFLECTBOT"
        self.users: dict[str, dict[str, Any]] = {}
        """Profiles `users.info` answers with, by user id; anyone else is user_not_found."""
        self.requests: list[SlackCall] = []
        self._failures: dict[str, deque[_CannedFailure]] = {}
        self._ts = itertools.count(1_700_000_000_000_100, 100)
        self._view_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._methods: dict[str, tuple[tuple[str, ...], Reply]] = {
            "chat.postMessage": (("channel",), self._post_message),
            "chat.update": (("channel", "ts"), self._update),
            "chat.postEphemeral": (("channel", "user"), self._post_ephemeral),
            "views.open": (("trigger_id", "view"), self._view),
            "views.publish": (("user_id", "view"), self._view),
            "conversations.open": ((), self._open_conversation),
            "conversations.members": (("channel",), self._channel_members),
            "auth.test": ((), self._auth_test),
            "users.info": (("user",), self._user_info),
        }
        self.files = SlackFiles(lambda: self.origin)
        self._methods.update(self.files.methods())

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/api/{method}", self._call)
        app.router.add_get("/api/{method}", self._call)
        app.router.add_post("/response/{hook}", self._respond)
        app.router.add_post(UPLOAD_PATH, self.files.upload)

    @property
    def url(self) -> str:
        """The `base_url` for `AsyncWebClient`; slack_sdk joins method names onto it."""
        return f"{self.origin}/api/"

    def response_url(self, hook: str) -> str:
        """A response_url on this fake's loopback host; what is posted to it is recorded as method `response_url`."""
        return f"{self.origin}/response/{hook}"

    def calls(self, method: str) -> list[dict[str, Any]]:
        """Arguments of every call to `method`, failed ones included, in arrival order."""
        return [call.body for call in self.requests if call.method == method]

    def fail_next(
        self, method: str, status: int = 429, retry_after: int | None = 1, times: int = 1, error: str | None = None
    ) -> None:
        """Answer the next `times` calls to `method` with `status` and `ok: false` (Retry-After on 429)."""
        code = error or {429: "ratelimited"}.get(status, "fatal_error")
        self._failures.setdefault(method, deque()).extend(
            _CannedFailure(status, code, retry_after if status == 429 else None) for _ in range(times)
        )

    async def wait_for(self, method: str, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait until `method` has been called `count` times; the timeout only guards against a hung test."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: len(self.calls(method)) >= count)
        return self.calls(method)

    async def _call(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = {**request.query, **await _arguments(request)}
        status, response, headers = self._answer(method, request.headers.get("Authorization"), body)
        peer = None if request.transport is None else request.transport.get_extra_info("peername")
        self.requests.append(SlackCall(method, dict(request.headers), body, status, response, peer))
        async with self._changed:
            self._changed.notify_all()
        return web.json_response(response, status=status, headers=headers)

    async def _respond(self, request: web.Request) -> web.Response:
        """A post to a response_url: no token (the url is the credential), a JSON message, answered `ok` as text."""
        body = {"hook": request.match_info["hook"], **json.loads(await request.read())}
        self.requests.append(SlackCall("response_url", dict(request.headers), body, 200, {"ok": True}, None))
        async with self._changed:
            self._changed.notify_all()
        return web.Response(text="ok")

    def _answer(
        self, method: str, authorization: str | None, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Token first, as Slack does; then a canned failure if one is queued; then the method itself."""
        if authorization is None:
            return 200, {"ok": False, "error": "not_authed"}, {}
        if not hmac.compare_digest(authorization.encode(), f"Bearer {self.token}".encode()):
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        queued = self._failures.get(method)
        if queued:
            failure = queued.popleft()
            headers = {} if failure.retry_after is None else {"Retry-After": str(failure.retry_after)}
            return failure.status, {"ok": False, "error": failure.error}, headers
        if method not in self._methods:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        required, reply = self._methods[method]
        if any(body.get(name) in (None, "") for name in required):
            return 200, {"ok": False, "error": "invalid_arguments"}, {}
        return 200, reply(body), {}

    def _post_message(self, body: dict[str, Any]) -> dict[str, Any]:
        ts = self._next_ts()
        message = {"type": "message", "ts": ts, "text": body.get("text", ""), "blocks": _decoded(body.get("blocks"))}
        return {"ok": True, "channel": body["channel"], "ts": ts, "message": message}

    def _post_ephemeral(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._next_ts()}

    def _update(self, body: dict[str, Any]) -> dict[str, Any]:
        message = {"type": "message", "text": body.get("text", ""), "blocks": _decoded(body.get("blocks"))}
        return {"ok": True, "channel": body["channel"], "ts": body["ts"], "text": message["text"], "message": message}

    def _view(self, body: dict[str, Any]) -> dict[str, Any]:
        view = _decoded(body["view"])
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True, "view": {**view, "id": f"V{next(self._view_ids)}"}}

    def _open_conversation(self, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("channel"):
            return {"ok": True, "channel": {"id": body["channel"]}}
        users = str(body.get("users") or "").split(",")
        if len(users) != 1 or not users[0]:
            return {"ok": False, "error": "users_list_not_supplied"}
        return {"ok": True, "channel": {"id": f"D{users[0]}"}}

    def _channel_members(self, body: dict[str, Any]) -> dict[str, Any]:
        """A page of a channel's members; the cursor is simply where the next page starts."""
        members = self.members.get(str(body["channel"]))
        if members is None:
            return {"ok": False, "error": "channel_not_found"}
        size = min(int(body.get("limit") or 100), self.page_limit)
        start = int(body.get("cursor") or 0)
        following = str(start + size) if start + size < len(members) else ""
        return {"ok": True, "members": members[start : start + size], "response_metadata": {"next_cursor": following}}

    def _user_info(self, body: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(body["user"]))
        return {"ok": True, "user": user} if user is not None else {"ok": False, "error": "user_not_found"}

    def _auth_test(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "user_id": self.bot_user, "team_id": "T0001", "bot_id": "B0001"}

    def _next_ts(self) -> str:
        micros = next(self._ts)
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


async def _arguments(request: web.Request) -> dict[str, Any]:
    """slack_sdk sends JSON for methods with blocks or views, and a form or query string for the rest."""
    raw = await request.read()
    if not raw:
        return {}
    if request.content_type == "application/json":
        parsed = json.loads(raw)
        return parsed if isinstance(parsed, dict) else {"_body": parsed}
    return dict(parse_qsl(raw.decode(), keep_blank_values=True))


def _decoded(value: Any) -> Any:
    """Form-encoded calls carry blocks and views as JSON strings; JSON calls carry them as objects."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
