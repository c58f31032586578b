"""A fake Bot Connector v3 on 127.0.0.1: the real SDK client sends to it, and tests read what arrived."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from botframework.connector.auth import AppCredentials, ServiceClientCredentialsFactory

from tests.fakes.loopback import LoopbackServer


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake saw it, with the status and JSON body it answered."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int
    kind: str | None
    reply: dict[str, Any]
    peer: tuple[str, int] | None = None


@dataclass(frozen=True)
class _CannedFailure:
    status: int
    code: str
    sub_code: str | None
    retry_after: float | None


class FakeConnector(LoopbackServer):
    """Bot Connector v3 (send, reply, update, create conversation) that records requests and fails on demand.

    `roster`, when given, holds the `29:` ids the bot may open a 1:1 conversation with (the members of teams it is
    installed in); anyone else gets 403 ForbiddenOperationException, as for a person without the app (T32).
    `members` lists each team's (or chat's) members by its id, as the paged members call returns them, at most
    `page_limit` to a page whatever page size is asked for, so that paging is exercised.
    """

    def __init__(
        self, roster: set[str] | None = None, members: dict[str, list[dict[str, str]]] | None = None, page_limit: int = 500
    ) -> None:
        super().__init__()
        self.roster = roster
        self.members = members or {}
        self.page_limit = page_limit
        self.requests: list[RecordedRequest] = []
        self.delay = 0.0
        """Seconds to hold each answer after recording its request: a slow connector, so a sender can die mid-send."""
        self._failures: deque[_CannedFailure] = deque()
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self.uploads: dict[str, tuple[dict[str, str], bytes]] = {}
        """What was PUT to each upload URL (as OneDrive takes a file-consent upload): headers and bytes."""

    def upload_url(self, name: str) -> str:
        """An upload URL on this loopback server, standing in for the OneDrive one Teams gives on consent."""
        return f"{self.origin}/upload/{name}"

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["name"]] = (dict(request.headers), await request.read())
        return web.json_response({"id": request.match_info["name"]}, status=201)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v3/conversations", self._create_conversation)
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._send)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        app.router.add_get("/v3/conversations/{cid}/pagedmembers", self._paged_members)
        app.router.add_get("/v3/conversations/{cid}/members/{mid}", self._member)
        app.router.add_put("/upload/{name}", self._upload)
        app.router.add_route("*", "/{tail:.*}", self._unknown)

    @property
    def url(self) -> str:
        """The serviceUrl to put in activities (and in the token's serviceurl claim)."""
        return f"{self.origin}/"

    @property
    def activities(self) -> list[dict[str, Any]]:
        """Bodies of activities the bot sent or replied with successfully, in arrival order."""
        return [request.body for request in self.requests if request.kind == "send" and request.status == 200]

    @property
    def updates(self) -> list[dict[str, Any]]:
        """Bodies of successful activity updates."""
        return [request.body for request in self.requests if request.kind == "update" and request.status == 200]

    @property
    def conversations(self) -> list[dict[str, Any]]:
        """Bodies of successful create-conversation calls."""
        return [request.body for request in self.requests if request.kind == "create" and request.status == 200]

    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        code: str = "ServiceError",
        sub_code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        """Answer the next `times` requests with `status` and a Connector-style error body (T26, T29)."""
        self._failures.extend(_CannedFailure(status, code, sub_code, retry_after) for _ in range(times))

    async def wait_for(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Wait until `count` activities have arrived; the timeout only guards against a hung test."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: len(self.activities) >= count)
        return self.activities

    async def _send(self, request: web.Request) -> web.Response:
        return await self._answer(request, "send", {"id": f"activity-{next(self._ids)}"})

    async def _update(self, request: web.Request) -> web.Response:
        return await self._answer(request, "update", {"id": request.match_info["aid"]})

    async def _create_conversation(self, request: web.Request) -> web.Response:
        """A 1:1 conversation gets an `a:` id; a body without a tenant is refused as Teams refuses it."""
        body = await request.json()
        channel_data = body.get("channelData") or {}
        if not (body.get("tenantID") or (channel_data.get("tenant") or {}).get("id")):
            return await self._answer(request, "create", None, refusal=(400, "BadArgument"))
        members = {member.get("id") for member in body.get("members") or []}
        if self.roster is not None and not members <= self.roster:
            return await self._answer(request, "create", None, refusal=(403, "ForbiddenOperationException"))
        number = next(self._ids)
        reply = {"id": f"a:conversation-{number}"}
        if body.get("activity"):
            reply["activityId"] = f"activity-{number}"
        return await self._answer(request, "create", reply)

    async def _paged_members(self, request: web.Request) -> web.Response:
        """One page of a team's members; the continuation token is simply where the next page starts."""
        members = self.members.get(request.match_info["cid"])
        if members is None:
            return await self._answer(request, "members", None, refusal=(404, "ConversationNotFound"))
        size = min(int(request.query.get("pageSize", "500")), self.page_limit)
        start = int(request.query.get("continuationToken", "0"))
        page: dict[str, Any] = {"members": members[start : start + size]}
        if start + size < len(members):
            page["continuationToken"] = str(start + size)
        return await self._answer(request, "members", page)

    async def _member(self, request: web.Request) -> web.Response:
        """One member of a team or chat, by `29:` id or by Entra object id (`aadObjectId`), as get_member asks."""
        wanted = request.match_info["mid"]
        found = next(
            (m for m in self.members.get(request.match_info["cid"], []) if wanted in (m.get("id"), m.get("aadObjectId"))),
            None,
        )
        if found is None:
            return await self._answer(request, "member", None, refusal=(404, "MemberNotFoundInConversation"))
        return await self._answer(request, "member", dict(found))

    async def _unknown(self, request: web.Request) -> web.Response:
        return await self._answer(request, None, None)

    async def _answer(
        self,
        request: web.Request,
        kind: str | None,
        success: dict[str, Any] | None,
        refusal: tuple[int, str] | None = None,
    ) -> web.Response:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        failure = self._failures.popleft() if self._failures else None
        if failure is None and refusal is not None:
            failure = _CannedFailure(*refusal, sub_code=None, retry_after=None)
        headers: dict[str, str] = {}
        if failure is not None:
            status = failure.status
            reply: dict[str, Any] = {"error": {"code": failure.code, "message": f"fake connector answered {status}"}}
            if failure.sub_code is not None:
                reply["error"]["subCode"] = failure.sub_code
            if failure.retry_after is not None:
                headers["Retry-After"] = f"{failure.retry_after:g}"
        elif success is None:
            status, reply = 404, {"error": {"code": "NotFound", "message": "no such route"}}
        else:
            status, reply = 200, success
        self.requests.append(
            RecordedRequest(request.method, request.path, dict(request.headers), body, status, kind, reply, _peer(request))
        )
        async with self._changed:
            self._changed.notify_all()
        if self.delay:
            await asyncio.sleep(self.delay)
        return web.json_response(reply, status=status, headers=headers)


def _peer(request: web.Request) -> tuple[str, int] | None:
    """The client's address and port: the same value on two requests means one kept-alive connection."""
    return None if request.transport is None else request.transport.get_extra_info("peername")


class StaticTokenCredentials(AppCredentials):
    """Outbound credentials with a fixed token, so tests never reach Microsoft Entra ID."""

    def __init__(self, app_id: str, token: str) -> None:
        super().__init__(app_id=app_id)
        self._token = token

    def get_access_token(self, force_refresh: bool = False) -> str:
        return self._token


class StaticTokenCredentialsFactory(ServiceClientCredentialsFactory):
    """Hands out `StaticTokenCredentials` for our app id and records each request for credentials."""

    def __init__(self, app_id: str, token: str) -> None:
        self.app_id = app_id
        self.token = token
        self.created_for: list[str] = []

    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == self.app_id

    async def is_authentication_disabled(self) -> bool:
        return False

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> AppCredentials:
        if app_id != self.app_id:
            raise PermissionError("credentials asked for another app id")
        self.created_for.append(app_id)
        return StaticTokenCredentials(app_id, self.token)
