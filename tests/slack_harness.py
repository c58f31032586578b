"""Drive the real app the way Slack does: signed requests to /slack/*, replies caught by a fake Web API."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from adapters.http import SLACK
from app import create_app
from bot.config import Settings
from bot.store import Store
from tests.fakes.slack_api import FakeSlackApi, SlackCall, sign
from tests.harness import NOW, serve_locally

SECRET = "slack-signing-secret-for-tests"
TOKEN = "xoxb-test-token"
_ids = itertools.count(1)


@dataclass(frozen=True)
class Posted:
    """A message the bot posted (or the new content of one it updated)."""

    ts: str
    channel: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    ephemeral: bool = False
    """Shown to one person only (chat.postEphemeral or a response_url), so a tap on it comes with a response_url."""
    updated: bool = False
    """New content for the message that was tapped (chat.update, or a response_url replacing it), not a new one."""

    @property
    def title(self) -> str | None:
        return next((b["text"]["text"] for b in self.blocks if b["type"] == "header"), None)

    def texts(self) -> list[str]:
        found = []
        for block in self.blocks:
            if block["type"] == "section":
                found.extend([block["text"]["text"]] if "text" in block else [])
                found.extend(field["text"] for field in block.get("fields", []))
        return found

    def said(self) -> list[str]:
        """What the person reads: every section of the message, where a tap's notice on an updated card shows."""
        return self.texts() or [self.text]

    def buttons(self) -> dict[str, dict[str, Any]]:
        return {
            element["text"]["text"]: element
            for block in self.blocks
            if block["type"] == "actions"
            for element in block["elements"]
        }


def as_json(value: Any) -> Any:
    """slack_sdk sends some arguments as JSON text inside the body and some as objects; read either."""
    return json.loads(value) if isinstance(value, str) else value


REPLIES = ("chat.postMessage", "chat.postEphemeral", "response_url")


def _posted(call: SlackCall) -> Posted:
    """A message as the person sees it; a response_url post is shown in the channel its hook names."""
    channel = call.body.get("channel") or str(call.body.get("hook", "")).partition(":")[0]
    return Posted(
        ts=str(call.response.get("ts") or call.response.get("message_ts") or call.body.get("ts") or ""),
        channel=str(channel),
        text=str(call.body.get("text", "")),
        blocks=list(as_json(call.body.get("blocks")) or []),
        thread_ts=call.body.get("thread_ts"),
        ephemeral=call.method != "chat.postMessage",
    )


def _is_reply(call: SlackCall) -> bool:
    """A new message the person sees: posted, posted to them only, or answered through a response_url."""
    return call.method in REPLIES and bool(call.response.get("ok")) and not call.body.get("replace_original")


def _is_update(call: SlackCall) -> bool:
    """New content for a message already shown: chat.update, or a response_url told to replace the original."""
    replaced = call.method == "response_url" and bool(call.body.get("replace_original"))
    return (call.method == "chat.update" or replaced) and bool(call.response.get("ok"))


def _seen(call: SlackCall, tapped: Posted | None) -> Posted:
    """What the person sees after a call: a new message, or the tapped one (same place, same ts) changed."""
    if tapped is None or not _is_update(call):
        return _posted(call)
    return replace(_posted(call), ts=tapped.ts, channel=tapped.channel, ephemeral=tapped.ephemeral, updated=True)


def posted(bot: RunningSlackBot, method: str = "chat.postMessage") -> list[Posted]:
    """Every message the bot posted (or, with chat.update, every new content it gave one) that Slack accepted."""
    return [_posted(call) for call in bot.api.requests if call.method == method and call.response.get("ok")]


@dataclass
class RunningSlackBot:
    app: web.Application
    url: str
    api: FakeSlackApi
    session: aiohttp.ClientSession

    async def signed_post(self, path: str, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> int:
        signed = {**sign(SECRET, body, int(time.time())), "Content-Type": content_type, **(headers or {})}
        async with self.session.post(f"{self.url}{path}", data=body, headers=signed) as reply:
            await reply.read()
            status = reply.status
        await self.app[SLACK].drain()
        return status

    def user(self, **who: Any) -> SlackUser:
        return SlackUser(self, **who)


class SlackUser:
    """One person in one workspace, talking to the bot in their DM with it."""

    def __init__(self, bot: RunningSlackBot, *, team: str = "T0001", user: str = "U0001") -> None:
        self.bot, self.team, self.user = bot, team, user
        self.channel = f"D{user}"

    async def _turn(self, path: str, body: bytes, content_type: str, tapped: Posted | None = None) -> list[Posted]:
        """Send one request; returns the new messages and, after a tap on `tapped`, its new content, in order."""
        before = len(self.bot.api.requests)
        status = await self.bot.signed_post(path, body, content_type)
        assert status == 200, f"bot answered {status}"
        calls = self.bot.api.requests[before:]
        return [_seen(c, tapped) for c in calls if _is_reply(c) or (tapped is not None and _is_update(c))]

    def calls_since(self, method: str, before: int) -> list[SlackCall]:
        return [c for c in self.bot.api.requests[before:] if c.method == method]

    async def event(self, event: dict[str, Any], *, event_id: str | None = None) -> list[Posted]:
        envelope = {
            "type": "event_callback",
            "team_id": self.team,
            "api_app_id": "A0001",
            "event_id": event_id or f"Ev{next(_ids):06d}",
            "event_time": 1_763_890_000,
            "event": event,
        }
        return await self._turn("/slack/events", json.dumps(envelope).encode(), "application/json")

    async def mention(self, channel: str, text: str) -> list[Posted]:
        """`@Reflect <text>` in a channel, as Slack delivers it: an app_mention event."""
        return await self.event(
            {"type": "app_mention", "channel": channel, "user": self.user, "text": f"<@UREFLECTBOT> {text}", "ts": "1.2"}
        )

    async def dm(self, text: str) -> list[Posted]:
        return await self.event(
            {"type": "message", "channel_type": "im", "channel": self.channel, "user": self.user, "text": text, "ts": "1.1"}
        )

    async def interaction(self, payload: dict[str, Any], tapped: Posted | None = None) -> list[Posted]:
        """Post an interaction payload; with `tapped`, the message it came from, whose updates are returned too."""
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self._turn("/slack/interactive", body, "application/x-www-form-urlencoded", tapped)

    async def tap(self, posted: Posted, label: str) -> list[Posted]:
        """Tap the button with this label, on the message it was on."""
        return await self.interaction(self.tapping(posted, label), posted)

    def tapping(self, posted: Posted, label: str) -> dict[str, Any]:
        """The block_actions payload Slack posts for a tap, with its own trigger_id and action_ts."""
        action = posted.buttons()[label]
        shown_to_me = {"is_ephemeral": True} if posted.ephemeral else {}
        answer_to = {"response_url": self.bot.api.response_url(f"{posted.channel}:{next(_ids)}")} if posted.ephemeral else {}
        return {
            **answer_to,
            "type": "block_actions",
            "team": {"id": self.team, "domain": "nhs-example"},
            "user": {"id": self.user, "team_id": self.team},
            "api_app_id": "A0001",
            "trigger_id": f"trigger-{next(_ids)}",
            "container": {"type": "message", "message_ts": posted.ts, "channel_id": posted.channel, **shown_to_me},
            "channel": {"id": posted.channel},
            "actions": [{
                "type": "button", "action_id": action["action_id"], "value": action["value"], "block_id": "b",
                "action_ts": f"1763890000.{next(_ids):06d}",
            }],
        }

    async def type_into(self, posted: Posted, label: str, text: str) -> list[Posted]:
        """Tap a text button (which opens a modal), then submit the modal with `text`."""
        return await self.interaction(await self.filling(posted, label, text), posted)

    async def filling(self, posted: Posted, label: str, text: str) -> dict[str, Any]:
        """Tap a text button, which opens a modal; returns the view_submission Slack posts when `text` is submitted."""
        before = len(self.bot.api.requests)
        assert await self.tap(posted, label) == []
        (opened,) = self.calls_since("views.open", before)
        view = as_json(opened.body["view"])
        return {
            "type": "view_submission",
            "team": {"id": self.team, "domain": "nhs-example"},
            "user": {"id": self.user, "team_id": self.team},
            "api_app_id": "A0001",
            "view": {
                **view,
                "id": f"V{next(_ids):06d}",
                "hash": f"1763890000.h{next(_ids)}",
                "state": {"values": {"text": {"text": {"type": "plain_text_input", "value": text}}}},
            },
        }

    async def command(
        self, text: str, *, trigger_id: str | None = None, channel: str = "C0001", answer_here: bool = False
    ) -> list[Posted]:
        """`/reflect <text>` typed in `channel`; with `answer_here` its response_url is the fake's, else unusable."""
        response_url = self.bot.api.response_url(f"{channel}:{next(_ids)}") if answer_here else "https://hooks.invalid/x"
        body = urlencode({
            "command": "/reflect", "text": text, "team_id": self.team, "user_id": self.user, "channel_id": channel,
            "trigger_id": trigger_id or f"trigger-{next(_ids)}", "response_url": response_url,
        }).encode()
        return await self._turn("/slack/commands", body, "application/x-www-form-urlencoded")


async def start_group(bot: RunningSlackBot, channel: str, added: str = "everyone", lead: str = "U0001") -> SlackUser:
    """`lead` links `channel`, adds people (`add <added>`) and starts the group's assessment of "Community voice",
    strategic, place level, looking back, all typed and tapped in the channel as a lead does it."""
    me = bot.user(user=lead)
    await me.mention(channel, "link this channel")
    await me.mention(channel, f"add {added}")
    await me.mention(channel, "start group assessment")
    (focus,) = await me.mention(channel, "Community voice")
    (footprint,) = await me.tap(focus, "Strategic")
    (stance,) = await me.tap(footprint, "Place")
    await me.tap(stance, "Looking back at past work")
    return me


def slack_settings(data_dir: Path, api_url: str) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, REFLECT_LOCAL_MODE=True, REFLECT_DATA_DIR=data_dir,
        SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=api_url,
    )


@asynccontextmanager
async def running_slack_bot(
    data_dir: Path,
    *,
    clock: Callable[[], datetime] = lambda: NOW,
    members: dict[str, list[str]] | None = None,
    store: Store | None = None,
) -> AsyncIterator[RunningSlackBot]:
    """The whole app with Slack configured, on 127.0.0.1, talking to a fake Slack Web API (`members` per channel).

    On TinyDB unless `store` is given.
    """
    async with FakeSlackApi(token=TOKEN, members=members, page_limit=2) as api:
        app = create_app(slack_settings(data_dir, api.url), clock=clock, store=store)
        async with serve_locally(app) as url, aiohttp.ClientSession() as session:
            yield RunningSlackBot(app, url, api, session)
