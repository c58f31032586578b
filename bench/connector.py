"""A lean fake Bot Connector for benchmarks, served by the load generator's process, outside the bot's.

Unlike tests/fakes/connector.py it keeps no request log (a long run would hold every card in memory): it counts
calls, and for a bot whose cards the load generator follows, it keeps the last card sent or updated in each
conversation.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from aiohttp import web

from tests.fakes.loopback import LoopbackServer
from tests.harness import Sent


class BenchConnector(LoopbackServer):
    """Answers sends, replies and updates at once; `take_card` hands the load generator the card to tap next."""

    quiet = True

    def __init__(self, *, keep_cards: bool) -> None:
        super().__init__()
        self.calls = 0
        self._keep_cards = keep_cards
        self._cards: dict[str, Sent] = {}
        self._ids = itertools.count(1)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._send)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)

    @property
    def url(self) -> str:
        return f"{self.origin}/"

    def take_card(self, conversation_id: str) -> Sent | None:
        """The last card sent or updated in this conversation since the previous take, if any."""
        return self._cards.pop(conversation_id, None)

    async def _send(self, request: web.Request) -> web.Response:
        raw = await request.read()
        self.calls += 1
        sent = Sent(f"activity-{next(self._ids)}", {})
        if self._keep_cards:
            sent = Sent(sent.id, json.loads(raw))
            self._file(sent)
        return web.json_response({"id": sent.id})

    async def _update(self, request: web.Request) -> web.Response:
        """An updated card is the next step when a tap moved on in place, so it is followed like a sent one."""
        raw = await request.read()
        self.calls += 1
        if self._keep_cards:
            self._file(Sent(request.match_info["aid"], json.loads(raw)))
        return web.json_response({"id": request.match_info["aid"]})

    def _file(self, sent: Sent) -> None:
        body: dict[str, Any] = sent.body
        if sent.card is not None:
            self._cards[str(body["conversation"]["id"])] = sent
