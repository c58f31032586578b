"""Check-in benchmark: how long asking 200 members takes against the fake Bot Connector's enforced rate limits.

Run with `.venv/bin/python bench/checkins.py` (`--quick` for a smaller smoke run, `--runs N`).
Each run serves the whole app over HTTP on 127.0.0.1 with the memory store. Members' conversations are opened through
the group channel's stored address, which points at the fake that answers 429 to anything over Teams' limits (7 a
second and 8 in 2 seconds per conversation, 50 a second per tenant; tests/fakes/rate_limited.py), served by its own
process, so that a stall of the bot's event loop cannot make the fake see arrivals bunched that left spaced. The
bot's pacer runs at its real settings (7 a second per conversation, 30 a second per tenant) on a clock that follows
real time. The lead starts a check-in of N members from their own chat; the figure is the time from the lead's Start
to the last member's card accepted (a request answered 429 is retried after its Retry-After, and counted), with the
bot process's CPU time beside it. Two cases run interleaved, run by run: the first check-in (opening N direct
conversations, then sending) and a second one (the conversations cached, so sends only). `--compare-pacers` also
runs, interleaved, the pacer without its rule that a request woken late queues again (what it did before), counting
the 429s each gets. Figures go in docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from adapters import scheduler  # noqa: E402
from adapters.http import STORE  # noqa: E402
from adapters.store.memory import MemoryStore  # noqa: E402
from bot import messages as say  # noqa: E402
from bot.conversation_refs import conversation_ref, space_of  # noqa: E402
from tests import checkin_harness as h  # noqa: E402
from tests import group_harness as g  # noqa: E402
from tests.fakes.rate_limited import RateLimitedConnector  # noqa: E402
from tests.harness import RunningBot, Sent, running_bot  # noqa: E402
from tests.test_checkins_scale import grow  # noqa: E402


GIVE_UP_SECONDS = 600


@dataclass(frozen=True)
class Figures:
    """One check-in's ask: wall and CPU seconds until every card was out, cards sent, requests answered 429."""

    wall: float
    cpu: float
    sent: int
    refused: int


def real_time_clock(start: datetime) -> Callable[[], datetime]:
    """Monday 09:30 in the group's zone, moving with real time, so the pacer's slots are real seconds."""
    origin = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - origin)


ASK_TITLE = say.CHECKIN_ASK_TITLE.format(name=say.DEFAULT_GROUP_NAME)


def _cards_out(connector: RateLimitedConnector, since: int) -> int:
    """Members' check-in cards the in-process fake accepted since request `since` (the lead's own, here)."""
    return sum(
        1 for request in connector.requests[since:]
        if request.kind == "send" and request.status == 200 and Sent("", request.body).title == ASK_TITLE
    )


@dataclass(frozen=True)
class OwnProcessFake:
    """The rate-limited fake served by its own process, so a stall of the bot's event loop cannot skew its clock."""

    url: str
    session: aiohttp.ClientSession

    async def counts(self) -> tuple[int, int]:
        """Requests refused so far, and cards delivered to direct conversations so far."""
        async with self.session.get(f"{self.url}counts") as reply:
            found = await reply.json()
        return int(found["limited"]), int(found["direct_cards"])


@asynccontextmanager
async def own_process_fake() -> AsyncIterator[OwnProcessFake]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fakes.rate_limited", stdout=asyncio.subprocess.PIPE, cwd=ROOT
    )
    assert process.stdout is not None
    url = (await process.stdout.readline()).decode().strip()
    try:
        async with aiohttp.ClientSession() as session:
            yield OwnProcessFake(url, session)
    finally:
        process.terminate()
        await process.wait()


async def _redirect_channel(bot: RunningBot, url: str) -> None:
    """Members' conversations are opened through the channel's stored address: point it at the other process."""
    store = bot.app[STORE]
    team = await g.group(bot)
    ref = await conversation_ref(store, g.TENANT, str(team.channel_conversation_id))
    assert ref is not None
    await store.put(space_of(g.TENANT, ref), ref.model_copy(update={"service_url": url}))


async def _one_check_in(bot: RunningBot, elsewhere: OwnProcessFake, members: int) -> Figures:
    """The lead starts a check-in from their own chat; the scheduler runs until every member's card is out."""
    here = bot.connector
    assert isinstance(here, RateLimitedConnector)
    await _redirect_channel(bot, elsewhere.url)
    lead = bot.chat(user="29:alice")
    (preview,) = await lead.say("check-in")
    since, refused_here = len(here.requests), here.limited
    refused_there, delivered_there = await elsewhere.counts()
    wall, cpu = time.perf_counter(), time.process_time()
    await lead.tap(preview, say.CHECKIN_START_LIGHT)
    delivered = 0
    async with asyncio.timeout(GIVE_UP_SECONDS):
        while delivered < members:
            await g.settle(bot)
            await asyncio.sleep(0.05)
            delivered = _cards_out(here, since) + (await elsewhere.counts())[1] - delivered_there
    elapsed, used = time.perf_counter() - wall, time.process_time() - cpu
    refused = here.limited - refused_here + (await elsewhere.counts())[0] - refused_there
    return Figures(elapsed, used, delivered, refused)


async def run_once(members: int) -> dict[str, Figures]:
    """One fresh app: the first check-in (opening chats) and, after cancelling it, a second (chats cached)."""
    with tempfile.TemporaryDirectory() as folder:
        async with RateLimitedConnector() as connector, own_process_fake() as elsewhere:
            async with running_bot(Path(folder), clock=real_time_clock(h.MONDAY), connector=connector, store=MemoryStore()) as bot:
                alice = await g.set_up(bot, members=())
                await grow(bot.app[STORE], members)
                first = await _one_check_in(bot, elsewhere, members)
                await g.command(alice, "check-in cancel")
                cached = await _one_check_in(bot, elsewhere, members)
    return {"first (opens chats)": first, "second (chats cached)": cached}


def _describe(name: str, figures: list[Figures], members: int) -> str:
    walls, cpus = [f.wall for f in figures], [f.cpu for f in figures]
    spread = f"{min(walls):.2f}-{max(walls):.2f}"
    requests = members * (2 if name.startswith("first") else 1)
    return (
        f"{name}\n    wall median {statistics.median(walls):6.2f} s (range {spread})  "
        f"CPU median {statistics.median(cpus):5.2f} s  ~{requests / statistics.median(walls):4.1f} requests/s  "
        f"sent {[f.sent for f in figures]}  answered 429 {[f.refused for f in figures]}"
    )


PACERS = {"re-queue after a late wake": scheduler.LATE_WAKE, "no re-queue (before)": float("inf")}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="40 members, one run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--compare-pacers", action="store_true", help="also run the pacer without its late-wake rule")
    args = parser.parse_args()
    members, runs = (40, 1) if args.quick else (200, args.runs)
    pacers = PACERS if args.compare_pacers else dict(list(PACERS.items())[:1])
    results: dict[str, list[Figures]] = {}
    for _ in range(runs):
        for pacer, late_wake in pacers.items():
            scheduler.LATE_WAKE = late_wake
            for name, figures in (await run_once(members)).items():
                results.setdefault(f"{name}, {pacer}" if len(pacers) > 1 else name, []).append(figures)
    print(f"check-in to {members} members, {runs} runs, Teams limits enforced by the fake; load {os.getloadavg()[0]:.1f}:")
    for name, figures in results.items():
        print(_describe(name, figures, members))


if __name__ == "__main__":
    asyncio.run(main())
