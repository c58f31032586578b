"""Drive the real app over HTTP the way the Bot Connector does, with a fake connector on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from app import create_app
from bot.config import Settings
from bot.store import Store
from tests import builders
from tests.fakes.connector import FakeConnector

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
ADAPTIVE = "application/vnd.microsoft.card.adaptive"


@dataclass(frozen=True)
class Sent:
    """One activity the bot sent, with the id the connector gave it, or the new content of the card it updated."""

    id: str
    body: dict[str, Any]
    updated: bool = False
    """The tapped card (same id) changed in place, rather than a new message."""

    @property
    def card(self) -> dict[str, Any] | None:
        for attachment in self.body.get("attachments") or []:
            if attachment.get("contentType") == ADAPTIVE:
                return dict(attachment["content"])
        return None

    @property
    def title(self) -> str | None:
        card = self.card
        return None if card is None else str(card["body"][0]["text"])

    @property
    def text(self) -> str | None:
        return self.body.get("text")

    def texts(self) -> list[str]:
        """Every TextBlock and fact on the card, in reading order."""
        found: list[str] = []
        for element in _elements(self.card):
            if element.get("type") == "TextBlock":
                found.append(element["text"])
            if element.get("type") == "FactSet":
                found.extend(f"{fact['title']}: {fact['value']}" for fact in element["facts"])
        return found

    def said(self) -> list[str]:
        """What the person reads: a plain message's text, or every line of a card, where a tap's notice now shows."""
        return [self.text] if self.card is None and self.text else self.texts()

    def submits(self) -> dict[str, dict[str, Any]]:
        """Button title -> the data Teams would post back when it is tapped."""
        return {e["title"]: dict(e["data"]) for e in _elements(self.card) if e.get("type") == "Action.Submit"}


def _elements(node: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in a card, depth first, in document order."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _elements(value)
    elif isinstance(node, list):
        for item in node:
            yield from _elements(item)


class TeamsChat:
    """One person's conversation with the bot, posted to /api/messages as Teams would."""

    def __init__(self, bot: RunningBot, *, user: str = "29:alice", tenant: str | None = "tenant-a", **where: Any) -> None:
        self.bot, self.user, self.tenant, self.where = bot, user, tenant, where

    async def post(self, body: dict[str, Any]) -> list[Sent]:
        """Post one activity; returns what the bot sent in reply and the cards it updated, in order (the turn
        completes before the HTTP answer), so a test follows a tapped card that became the next step."""
        before = len(self.bot.connector.requests)
        status = await self.bot.post(body)
        assert status in (200, 201), f"bot answered {status}"
        return [
            Sent(request.reply["id"], request.body, updated=request.kind == "update")
            for request in self.bot.connector.requests[before:]
            if request.kind in ("send", "update") and request.status == 200 and request.reply
        ]

    async def say(self, text: str, **extra: Any) -> list[Sent]:
        return await self.post(builders.message(self.bot.connector.url, text, user=self.user, tenant=self.tenant, **self.where, **extra))

    def submission(self, value: dict[str, Any], reply_to_id: str | None = None) -> dict[str, Any]:
        """The activity Teams posts for a card submit, with a new activity id."""
        return builders.message(
            self.bot.connector.url, value=value, reply_to_id=reply_to_id, user=self.user, tenant=self.tenant, **self.where
        )

    async def submit(self, value: dict[str, Any], reply_to_id: str | None = None) -> list[Sent]:
        return await self.post(self.submission(value, reply_to_id))

    def tapping(self, sent: Sent, title: str, **typed: str) -> dict[str, Any]:
        """The activity for a tap on a card the bot sent, with any text-box input merged in as Teams does."""
        return self.submission({**sent.submits()[title], **typed}, reply_to_id=sent.id)

    async def tap(self, sent: Sent, title: str, **typed: str) -> list[Sent]:
        """Tap a button on a card the bot sent."""
        return await self.post(self.tapping(sent, title, **typed))


@dataclass
class RunningBot:
    app: web.Application
    url: str
    connector: FakeConnector
    session: aiohttp.ClientSession

    async def post(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> int:
        async with self.session.post(f"{self.url}/api/messages", json=body, headers=headers) as reply:
            await reply.read()
            return reply.status

    def chat(self, **who: Any) -> TeamsChat:
        return TeamsChat(self, **who)


def local_settings(data_dir: Path, **overrides: Any) -> Settings:
    return Settings(_env_file=None, REFLECT_LOCAL_MODE=True, REFLECT_DATA_DIR=data_dir, **overrides)  # type: ignore[call-arg]


@asynccontextmanager
async def running_bot(
    data_dir: Path,
    *,
    clock: Callable[[], datetime] = lambda: NOW,
    connector: FakeConnector | None = None,
    store: Store | None = None,
) -> AsyncIterator[RunningBot]:
    """The whole app in local mode on 127.0.0.1, replying to a fake connector; on TinyDB unless `store` is given."""
    async with FakeConnector() if connector is None else _reuse(connector) as fake:
        app = create_app(local_settings(data_dir), clock=clock, store=store)
        async with serve_locally(app) as url, aiohttp.ClientSession() as session:
            yield RunningBot(app, url, fake, session)


@asynccontextmanager
async def serve_locally(app: web.Application) -> AsyncIterator[str]:
    """Serve an app on a free port of 127.0.0.1 for the length of a test; yields its base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def _reuse(connector: FakeConnector) -> AsyncIterator[FakeConnector]:
    yield connector
