"""Slack acknowledgement benchmark: how fast Reflect answers Slack while every Web API call takes 2 seconds.

Run with `.venv/bin/python bench/slack_ack.py` (about a minute; `--quick` for a smoke run). `--app PATH` serves
another checkout's app.py, for before-and-after figures. Figures go in docs/performance.md.

Slack retries a delivery that is not acknowledged within 3 s, so Reflect acknowledges first and runs the turn
afterwards. Under load the acknowledgement still waits for the event loop, which is busy with the turns in flight,
and with a slow Slack API many turns are in flight at once. Reflect runs in its own process (`python app.py`, local
mode for Teams, Slack configured); this process sends signed direct-message events open-loop at fixed rates (each
arrival on schedule, whether or not earlier ones were answered; latency counts from the scheduled time) and serves a
fake Slack Web API that answers every call after 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

from bench.processes import ROOT, ServedBot, free_port, local_env, machine_load, served  # noqa: E402
from bench.turns import pct  # noqa: E402
from tests.fakes.loopback import LoopbackServer  # noqa: E402
from tests.fakes.slack_api import sign  # noqa: E402

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench-token"
API_DELAY_SECONDS = 2.0
TEXTS = ("hi", "help", "start", "status")
PEOPLE = 500
ACK_GIVE_UP_SECONDS = 30.0


class SlowSlackApi(LoopbackServer):
    """Every Web API method answers `ok` after a fixed delay; it counts the calls that were answered."""

    quiet = True

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay
        self.answered = 0
        self._ts = itertools.count(1)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/api/{method}", self._call)

    @property
    def url(self) -> str:
        return f"{self.origin}/api/"

    async def _call(self, request: web.Request) -> web.Response:
        await request.read()
        await asyncio.sleep(self.delay)
        self.answered += 1
        ts = f"1700000000.{next(self._ts):06d}"
        return web.json_response({"ok": True, "ts": ts, "channel": {"id": "D0001"}, "view": {"id": "V1"}})


def dm_event(n: int) -> bytes:
    """A direct message from one of PEOPLE people, each saying the TEXTS in turn, with a fresh event id (no dedupe)."""
    user = f"U{n % PEOPLE:05d}"
    text = TEXTS[n // PEOPLE % len(TEXTS)]
    event = {"type": "message", "channel_type": "im", "channel": f"D{user}", "user": user, "text": text, "ts": "1.1"}
    envelope = {"type": "event_callback", "team_id": "TBENCH", "api_app_id": "A0001", "event_id": f"Ev{n:08d}", "event_time": 1_763_890_000, "event": event}
    return json.dumps(envelope).encode()


async def step(session: aiohttp.ClientSession, bot: ServedBot, rate: float, seconds: float, first: int) -> list[float]:
    """Open-loop signed events at `rate` for `seconds`; the ack latency of each (infinite if not 200 or no answer)."""
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def arrival(i: int) -> float:
        at = start + i / rate
        await asyncio.sleep(at - loop.time())
        body = dm_event(first + i)
        headers = {**sign(SECRET, body, int(time.time())), "Content-Type": "application/json"}
        try:
            async with session.post(f"{bot.url}/slack/events", data=body, headers=headers) as reply:
                await reply.read()
                return loop.time() - at if reply.status == 200 else float("inf")
        except (aiohttp.ClientError, TimeoutError):
            return float("inf")

    return list(await asyncio.gather(*(arrival(i) for i in range(int(rate * seconds)))))


async def main(quick: bool, app: Path) -> None:
    rates, seconds = ((50, 300), 3.0) if quick else ((50, 100, 200, 300), 8.0)
    print(f"start: {machine_load()}\n", flush=True)
    print("| events/s | acks | p50 ms | p95 ms | p99 ms | max ms | bot CPU ms per event | Web API calls answered by the end |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        client = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=ACK_GIVE_UP_SECONDS))
        async with SlowSlackApi(API_DELAY_SECONDS) as api, client as session:
            extra = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api.url}
            env = local_env(free_port(), Path(folder) / "data", **extra)
            async with served("Reflect", app, [], env, Path(folder)) as bot:
                await step(session, bot, 20, 2.0, 0)
                first = 1_000_000
                for rate in rates:
                    cpu = bot.cpu()
                    acks = await step(session, bot, rate, seconds, first)
                    first += len(acks)
                    await asyncio.sleep(API_DELAY_SECONDS * 3)
                    print(
                        f"| {rate} | {len(acks):,} | {pct(acks, 0.5) * 1000:.1f} | {pct(acks, 0.95) * 1000:.1f} "
                        f"| {pct(acks, 0.99) * 1000:.1f} | {max(acks) * 1000:.1f} | {(bot.cpu() - cpu) / len(acks) * 1000:.1f} "
                        f"| {api.answered:,} |",
                        flush=True,
                    )
    print(f"\nend: {machine_load()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 and 300 events/s for 3 s each, for a smoke run")
    parser.add_argument("--app", type=Path, default=ROOT / "app.py", help="the app.py to serve")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.quick, arguments.app.resolve()))
