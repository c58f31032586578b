"""Turn benchmark: HTTP latency of whole Teams turns through POST /api/messages, beside an echo bot baseline.

Run with `.venv/bin/python bench/turns.py` (`--quick` for a small smoke run). Figures go in docs/performance.md.

Why: the store benchmark times one write; a person waits for a whole turn (request checks, the SDK, store reads,
`fsync`ed writes, card rendering and the outbound Connector calls). The echo bot runs the same endpoint class and
SDK with no store and one outbound send, so the ratio between the two is what Reflect itself adds to a turn.

Everything (the client, both apps and the fake Bot Connector) runs in this process on 127.0.0.1, on one event
loop, as the tests do. A turn's latency is from sending the POST to reading the HTTP answer; the bot's outbound
calls to the fake connector finish inside the turn, before the answer. With 50 conversations in flight the process
is CPU-bound, so latency is mostly queueing (p50 is close to conversations / turns per second); the CPU time per turn
it prints is the cost behind the latency.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from botbuilder.core import ActivityHandler, MessageFactory, TurnContext  # noqa: E402

from adapters.teams.endpoint import TeamsEndpoint  # noqa: E402
from app import create_app  # noqa: E402
from bot.config import Settings  # noqa: E402
from tests import builders  # noqa: E402
from tests.fakes.connector import FakeConnector, RecordedRequest  # noqa: E402
from tests.harness import Sent  # noqa: E402

TENANT = "bench"
RATINGS = ("Emerging", "Developing", "Maturing", "Thriving", "Not sure")
SCOPE_TAPS = ("Whole system", "Strategic", "Place", "Planning new work")
WARM_UP_TURNS = 20
MAX_HTTP_CONNECTIONS = 100


@dataclass
class Figures:
    """Turn latencies (seconds), by kind of turn, plus what came back."""

    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    non_2xx: int = 0
    elapsed: float = 0.0
    cpu: float = 0.0


def pct(samples: list[float], q: float) -> float:
    """Nearest-rank percentile, the same rule as bench/store.py, so the two pages compare."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Inbox:
    """Hands each conversation the connector requests its own turn caused.

    The 50 conversations run at once, so 'requests since I posted' would mix them up; requests are filed by the
    conversation id in their body instead. A turn's outbound calls finish before its HTTP answer, so after the
    answer a conversation's file holds exactly that turn's calls.
    """

    def __init__(self, connector: FakeConnector) -> None:
        self.connector = connector
        self._cursor = 0
        self._filed: dict[str, list[RecordedRequest]] = defaultdict(list)

    def take(self, conversation_id: str) -> list[RecordedRequest]:
        requests = self.connector.requests
        while self._cursor < len(requests):
            request = requests[self._cursor]
            self._cursor += 1
            body = request.body if isinstance(request.body, dict) else {}
            self._filed[str((body.get("conversation") or {}).get("id"))].append(request)
        return self._filed.pop(conversation_id, [])

    def counts(self) -> dict[str, int]:
        """Successful sends and updates the connector answered, and every request it saw."""
        sent = sum(1 for r in self.connector.requests if r.kind == "send" and r.status == 200)
        updated = sum(1 for r in self.connector.requests if r.kind == "update" and r.status == 200)
        return {"sent": sent, "updated": updated, "requests": len(self.connector.requests)}


@dataclass
class Target:
    """One bot behind its own /api/messages, replying to its own fake connector."""

    name: str
    url: str
    connector: FakeConnector
    session: aiohttp.ClientSession
    inbox: Inbox

    async def post(self, body: dict[str, Any], kind: str, figures: Figures) -> list[Sent]:
        """One timed turn; returns the activities the bot sent in this conversation during it."""
        started = time.perf_counter()
        async with self.session.post(f"{self.url}/api/messages", json=body) as reply:
            await reply.read()
            status = reply.status
        elapsed = time.perf_counter() - started
        figures.latencies.append(elapsed)
        figures.by_kind[kind].append(elapsed)
        if not 200 <= status < 300:
            figures.non_2xx += 1
        return [
            Sent(request.reply["id"], request.body)
            for request in self.inbox.take(body["conversation"]["id"])
            if request.kind == "send" and request.status == 200 and request.reply
        ]


class EchoBot(ActivityHandler):
    """The baseline: the least a bot can do with a message on the same SDK and endpoint."""

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(MessageFactory.text(turn_context.activity.text or "ok"))


def next_move(turn: int, card: Sent | None, phase: int, rng: random.Random) -> tuple[str, str | None, str | None]:
    """(kind, text to say, button to tap) for a person who follows the buttons the bot actually sent."""
    if turn == 0:
        return "welcome", "hi", None
    if turn == 1:
        return "start", "start", None
    buttons = card.submits() if card is not None else {}
    if "No evidence now" in buttons:
        return "skip evidence", None, "No evidence now"
    if "Next section" in buttons:
        return "next section", None, "Next section"
    if "Emerging" in buttons:
        return "rate", None, rng.choice(RATINGS)
    following = next((title for title in buttons if title.startswith("Next phase")), None)
    if following is not None:
        return "next phase", None, following
    chosen = next((title for title in buttons if title.startswith(f"{phase} ")), None)
    if chosen is not None:
        return "choose phase", None, chosen
    scope = next((title for title in SCOPE_TAPS if title in buttons), None)
    if scope is not None:
        return "scope", None, scope
    return "resume", "resume", None  # lost the thread (an error notice): the bot's own way back


async def reflect_conversation(target: Target, user: str, turns: int, seed: int, figures: Figures) -> None:
    """One person in a personal chat: welcome, start, scope, a phase, then rate / no evidence / next section."""
    rng = random.Random(seed)
    phase = seed % 7 + 1
    card: Sent | None = None
    for turn in range(turns):
        kind, text, button = next_move(turn, card, phase, rng)
        if button is not None and card is not None:
            body = builders.message(
                target.connector.url, value=card.submits()[button], reply_to_id=card.id, user=user, tenant=TENANT
            )
        else:
            body = builders.message(target.connector.url, text, user=user, tenant=TENANT)
        cards = [sent for sent in await target.post(body, kind, figures) if sent.card is not None]
        card = cards[-1] if cards else None


async def echo_conversation(target: Target, user: str, turns: int, seed: int, figures: Figures) -> None:
    """Plain text messages, one after another, in one personal chat."""
    for turn in range(turns):
        body = builders.message(target.connector.url, f"message {seed}.{turn}", user=user, tenant=TENANT)
        await target.post(body, "echo", figures)


Conversation = Callable[[Target, str, int, int, Figures], Awaitable[None]]


async def drive(target: Target, conversation: Conversation, prefix: str, conversations: int, turns: int) -> Figures:
    """Run `conversations` chats at once, `turns` each; every POST counts as a turn."""
    figures = Figures()
    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(
        *(conversation(target, f"29:{prefix}-{n}", turns, n, figures) for n in range(conversations))
    )
    figures.elapsed = time.perf_counter() - started
    figures.cpu = time.process_time() - cpu
    return figures


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    """Serve `app` on 127.0.0.1 on a free port."""
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


def echo_app(settings: Settings) -> web.Application:
    """The echo bot behind the same endpoint class Reflect uses."""
    app = web.Application()
    app.router.add_post("/api/messages", TeamsEndpoint(settings, EchoBot()).handle)
    return app


def row(label: str, figures: Figures, concurrency: int) -> str:
    ms = 1000.0
    samples = figures.latencies
    return (
        f"| {label} | {len(samples):,} | {concurrency} | {pct(samples, 0.5) * ms:.2f} "
        f"| {pct(samples, 0.95) * ms:.2f} | {pct(samples, 0.99) * ms:.2f} |"
    )


def _utc_now() -> datetime:
    return datetime.now(UTC)


async def main(quick: bool) -> None:
    conversations, turns = (10, 20) if quick else (50, 25)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(_env_file=None, REFLECT_LOCAL_MODE=True, REFLECT_DATA_DIR=Path(folder) / "data")  # type: ignore[call-arg]
        client = aiohttp.TCPConnector(limit=MAX_HTTP_CONNECTIONS)
        async with FakeConnector() as reflect_fake, FakeConnector() as echo_fake, aiohttp.ClientSession(connector=client) as session:
            reflect_runner, reflect_url = await serve(create_app(settings, clock=_utc_now))
            echo_runner, echo_url = await serve(echo_app(settings))
            try:
                reflect = Target("Reflect", reflect_url, reflect_fake, session, Inbox(reflect_fake))
                echo = Target("echo", echo_url, echo_fake, session, Inbox(echo_fake))
                # Warm-up, not counted: imports, first store open, first connections, the SDK's caches.
                await drive(echo, echo_conversation, "warm", 4, WARM_UP_TURNS // 4)
                await drive(reflect, reflect_conversation, "warm", 2, WARM_UP_TURNS // 2)
                warm_counts = {"echo": echo.inbox.counts(), "Reflect": reflect.inbox.counts()}
                # Echo first, so anything Reflect leaves running in the background cannot slow the baseline down.
                echoed = await drive(echo, echo_conversation, "echo", conversations, turns)
                reflected = await drive(reflect, reflect_conversation, "user", conversations, turns)
            finally:
                await echo_runner.cleanup()
                await reflect_runner.cleanup()
    print("| bot | turns | concurrency | p50 ms | p95 ms | p99 ms |")
    print("|---|---|---|---|---|---|")
    print(row("Reflect (realistic mix)", reflected, conversations))
    print(row("echo baseline (same endpoint and SDK)", echoed, conversations))
    print()
    for label, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
        ratio = pct(reflected.latencies, q) / pct(echoed.latencies, q)
        goal = " (goal <= 1.5x; above 2x is a defect)" if label == "p50" else ""
        print(f"{label} ratio Reflect/echo: {ratio:.2f}x{goal}")
    print()
    for name, figures, target in (("Reflect", reflected, reflect), ("echo", echoed, echo)):
        counts, warm = target.inbox.counts(), warm_counts[name]
        print(
            f"{name}: non-2xx responses {figures.non_2xx} (must be 0); fake connector received "
            f"{counts['sent'] - warm['sent']:,} sent activities and {counts['updated'] - warm['updated']:,} updates "
            f"({counts['requests'] - warm['requests']:,} requests) for {len(figures.latencies):,} turns; "
            f"{len(figures.latencies) / figures.elapsed:.0f} turns/s, "
            f"{figures.cpu / len(figures.latencies) * 1000:.1f} ms of CPU per turn (client, bot and fake connector)"
        )
    print()
    print("Reflect turns by kind:")
    print("| kind | turns | p50 ms | p95 ms | p99 ms |")
    print("|---|---|---|---|---|")
    for kind, samples in sorted(reflected.by_kind.items(), key=lambda item: -len(item[1])):
        print(
            f"| {kind} | {len(samples):,} | {pct(samples, 0.5) * 1000:.2f} | {pct(samples, 0.95) * 1000:.2f} "
            f"| {pct(samples, 0.99) * 1000:.2f} |"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 conversations x 20 turns, for a smoke run")
    asyncio.run(main(parser.parse_args().quick))
