"""Turn benchmark: server CPU per Teams turn and the throughput ceiling, Reflect beside two echo bots.

Run with `.venv/bin/python bench/turns.py` (about four minutes; `--quick` for a smoke run). Figures go in
docs/performance.md. `--before PATH` adds a fourth bot to the same rounds, "Reflect before": the app.py of another
checkout (an exported older commit), for before-and-after figures measured side by side.

Each bot runs in its own process, started as it is deployed (`python app.py` in local mode, logging at INFO to a
file); the load generator and the fake Bot Connector share this process. Three bots:
- **Reflect**: people in personal chats who say hi, start, tap the four scope buttons, pick a phase, then rate,
  skip evidence and move on, tapping the buttons the bot actually sent (`replyToId` set, as Teams does).
- **stock echo**: botbuilder's echo sample as published, which builds new SDK clients on every turn.
- **echo with reuse**: the same echo behind Reflect's own endpoint, with the same kept clients.

**CPU per turn** is the bot process's user + system time (from /proc) over a block of turns, divided by the turns.
The bots are measured in interleaved blocks (A B C, then C B A, ...), so a disturbance on the machine lands on all
of them; each round gives one Reflect/echo ratio, and the median and spread of those ratios are reported.
**Throughput ceiling**: open-loop arrivals (each scheduled at a fixed rate, whether or not earlier turns have
answered; latency counts from the scheduled time) in steps of rising rate; the ceiling is the highest rate whose
p99 stays under 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402

from bench.connector import BenchConnector  # noqa: E402
from bench.processes import ROOT, ServedBot, free_port, local_env, machine_load, served  # noqa: E402
from tests import builders  # noqa: E402
from tests.harness import Sent  # noqa: E402

TENANT = "bench"
RATINGS = ("Emerging", "Developing", "Maturing", "Thriving", "Not sure")
SCOPE_TAPS = ("Whole system", "Strategic", "Place", "Planning new work")
PHASES = ("Check", "Challenge", "Plan", "Prepare", "Engage", "Involve", "Evaluate")
"""The phase picker's buttons read "Check · 0/4": the name, then the sections answered."""
TURNS_PER_PERSON = 25
P99_LIMIT = 1.0
RATES = (40, 60, 80, 100, 110, 120, 130, 140, 150, 160, 180, 200, 225, 250, 300, 350, 400)


def pct(samples: list[float], q: float) -> float:
    """Nearest-rank percentile, the same rule as bench/store.py."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class Person:
    """One person in a personal chat, following the cards the bot sends."""

    user: str
    seed: int
    turn: int = 0
    card: Sent | None = None
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def reflect_body(self, service_url: str) -> dict[str, Any]:
        text, button = self._next_move()
        if button is not None and self.card is not None:
            value = self.card.submits()[button]
            return builders.message(service_url, value=value, reply_to_id=self.card.id, user=self.user, tenant=TENANT)
        return builders.message(service_url, text, user=self.user, tenant=TENANT)

    def echo_body(self, service_url: str) -> dict[str, Any]:
        return builders.message(service_url, f"message {self.seed}.{self.turn}", user=self.user, tenant=TENANT)

    def _next_move(self) -> tuple[str | None, str | None]:
        """(text to say, button to tap): welcome, start, the scope taps, a phase, then rate / skip / next."""
        if self.turn < 2:
            return ("hi", "start")[self.turn], None
        buttons = self.card.submits() if self.card is not None else {}
        for wanted in ("No evidence now", "Next section"):
            if wanted in buttons:
                return None, wanted
        if "Emerging" in buttons:
            return None, self.rng.choice(RATINGS)
        phase = PHASES[self.seed % len(PHASES)]
        for title in buttons:
            if title.startswith("Next phase") or title.split(" · ")[0] == phase or title in SCOPE_TAPS:
                return None, title
        return "resume", None


@dataclass
class Target:
    """A served bot, its fake connector, and the people waiting to take their next turn."""

    bot: ServedBot
    connector: BenchConnector
    session: aiohttp.ClientSession
    follows_cards: bool
    idle: deque[Person] = field(default_factory=deque)
    people: int = 0
    lost: int = 0
    """Turns where a person found no button they expected and said "resume": the cards changed under the bench."""

    async def turn(self) -> float | None:
        """One turn by an idle person (or a new one); its latency, or None if the bot did not answer 2xx."""
        person = self.idle.popleft() if self.idle else self._newcomer()
        body = person.reflect_body(self.connector.url) if self.follows_cards else person.echo_body(self.connector.url)
        self.lost += body.get("text") == "resume"
        started = time.perf_counter()
        try:
            async with self.session.post(f"{self.bot.url}/api/messages", json=body) as reply:
                await reply.read()
                ok = 200 <= reply.status < 300
        except aiohttp.ClientError:
            ok = False
        elapsed = time.perf_counter() - started
        if self.follows_cards:
            person.card = self.connector.take_card(body["conversation"]["id"])
        person.turn += 1
        if person.turn < TURNS_PER_PERSON:
            self.idle.append(person)
        return elapsed if ok else None

    def _newcomer(self) -> Person:
        """A new person whose ids Teams could send: printable ASCII without spaces, unlike the bots' display names
        ("echo with reuse"), which Reflect's endpoint rightly refuses with 400."""
        self.people += 1
        return Person(f"29:{'-'.join(self.bot.name.split())}-{self.people}", self.people)


@dataclass
class Block:
    """A closed-loop block of turns and what the bot process spent on it."""

    latencies: list[float]
    failures: int
    cpu_seconds: float
    connector_calls: int

    @property
    def turns(self) -> int:
        return len(self.latencies) + self.failures

    @property
    def cpu_ms_per_turn(self) -> float:
        return self.cpu_seconds / self.turns * 1000


async def warm_up(target: Target, turns: int, concurrency: int) -> None:
    """Turns not measured, and a check that the bot answers them: a bot refusing every turn has no figures to give."""
    block = await closed_block(target, turns, concurrency)
    if block.failures:
        log = target.bot.log.read_text(errors="replace").splitlines()[-3:]
        raise SystemExit(f"{target.bot.name} refused {block.failures} of {block.turns} warm-up turns; its log ends:\n"
                         + "\n".join(log))
    if target.lost:
        raise SystemExit(f"{target.bot.name}: people lost their way in {target.lost} warm-up turns (no button they "
                         "expected); Person._next_move no longer matches the cards")


async def closed_block(target: Target, turns: int, concurrency: int) -> Block:
    """`turns` turns, `concurrency` at a time; CPU and connector calls are read before and after."""
    results: list[float | None] = []
    calls, cpu = target.connector.calls, target.bot.cpu()

    async def worker() -> None:
        while len(results) < turns:
            slot = len(results)
            results.append(None)
            results[slot] = await target.turn()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    latencies = [r for r in results if r is not None]
    return Block(latencies, len(results) - len(latencies), target.bot.cpu() - cpu, target.connector.calls - calls)


async def open_step(target: Target, rate: float, seconds: float) -> list[float]:
    """Arrivals at a fixed rate for `seconds`; latency counts from each arrival's scheduled time (no coordinated
    omission). A turn still unanswered 10 s after the last arrival, or answered non-2xx, counts as infinitely slow."""
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def arrival(at: float) -> float:
        await asyncio.sleep(at - loop.time())
        latency = await target.turn()
        return float("inf") if latency is None else loop.time() - at

    tasks = [asyncio.create_task(arrival(start + i / rate)) for i in range(int(rate * seconds))]
    done, pending = await asyncio.wait(tasks, timeout=seconds + 10)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    return [task.result() for task in done] + [float("inf")] * len(pending)


@dataclass(frozen=True)
class Step:
    """One open-loop rate: latency percentiles, and the share of one core the bot process got meanwhile."""

    rate: float
    p50: float
    p99: float
    cpu_share: float


async def ceiling(target: Target, seconds: float) -> list[Step]:
    """Rising open-loop rates until p99 passes the limit (the last step is the first that failed)."""
    steps: list[Step] = []
    for rate in RATES:
        cpu, started = target.bot.cpu(), time.perf_counter()
        latencies = await open_step(target, rate, seconds)
        share = (target.bot.cpu() - cpu) / (time.perf_counter() - started)
        steps.append(Step(rate, pct(latencies, 0.5), pct(latencies, 0.99), share))
        print(
            f"  {target.bot.name} {rate}/s: p50 {steps[-1].p50 * 1000:.0f} ms, p99 {steps[-1].p99 * 1000:.0f} ms, "
            f"bot CPU {share:.0%} of a core",
            flush=True,
        )
        if steps[-1].p99 >= P99_LIMIT:
            break
        await asyncio.sleep(1)
    return steps


@asynccontextmanager
async def targets(folder: Path, before: Path | None) -> AsyncIterator[list[Target]]:
    """Reflect, the two echo bots and optionally an older Reflect, each in its own process with its own connector."""
    bots = [
        ("Reflect", ROOT / "app.py", []),
        ("stock echo", ROOT / "bench" / "echo_bots.py", ["stock"]),
        ("echo with reuse", ROOT / "bench" / "echo_bots.py", ["reuse"]),
    ]
    if before is not None:
        bots.append(("Reflect before", before, []))
    async with AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)))
        found = []
        for name, script, args in bots:
            reflect = name.startswith("Reflect")
            env = local_env(free_port(), folder / name / "data")
            bot = await stack.enter_async_context(served(name, script, args, env, folder / name))
            connector = await stack.enter_async_context(BenchConnector(keep_cards=reflect))
            found.append(Target(bot, connector, session, follows_cards=reflect))
        yield found


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f}x (rounds {min(values):.2f}–{max(values):.2f}x)"


def report(blocks: dict[str, list[Block]], steps: dict[str, list[Step]]) -> None:
    print("\n| bot | CPU ms per turn, median (min–max) | p50 ms | p99 ms | Connector calls per turn | non-2xx |")
    print("|---|---|---|---|---|---|")
    for name, measured in blocks.items():
        cpu = [b.cpu_ms_per_turn for b in measured]
        latencies = [x for b in measured for x in b.latencies]
        calls = sum(b.connector_calls for b in measured) / sum(b.turns for b in measured)
        answered = f"{pct(latencies, 0.5) * 1000:.1f} | {pct(latencies, 0.99) * 1000:.1f}" if latencies else "– | –"
        print(
            f"| {name} | {statistics.median(cpu):.2f} ({min(cpu):.2f}–{max(cpu):.2f}) | {answered} "
            f"| {calls:.2f} | {sum(b.failures for b in measured)} |"
        )
    reflect = blocks["Reflect"]
    for name, goal in (("stock echo", " (goal <= 0.7x)"), ("echo with reuse", " (goal <= 1.5x)"), ("Reflect before", "")):
        if name in blocks:
            ratios = [r.cpu_ms_per_turn / e.cpu_ms_per_turn for r, e in zip(reflect, blocks[name])]
            print(f"\nCPU per turn, Reflect / {name}: {spread(ratios)}{goal}")
    if steps:
        print_ceilings(steps)


def print_ceilings(steps: dict[str, list[Step]]) -> None:
    print(
        "\n| bot | ceiling: highest rate with p99 < 1 s | p50 / p99 ms there | first rate over | p99 ms there "
        "| bot CPU there, share of a core |"
    )
    print("|---|---|---|---|---|---|")
    for name, ladder in steps.items():
        passed = [s for s in ladder if s.p99 < P99_LIMIT]
        failed = [s for s in ladder if s.p99 >= P99_LIMIT]
        best = f"{passed[-1].rate:.0f}/s | {passed[-1].p50 * 1000:.0f} / {passed[-1].p99 * 1000:.0f}" if passed else "none | –"
        over = (
            f"{failed[0].rate:.0f}/s | {failed[0].p99 * 1000:.0f} | {failed[0].cpu_share:.0%}"
            if failed else f"not reached by {RATES[-1]}/s | – | –"
        )
        print(f"| {name} | {best} | {over} |")


async def main(quick: bool, before: Path | None, with_ceiling: bool) -> None:
    rounds, turns, concurrency, seconds = (2, 100, 4, 2.0) if quick else (6, 300, 4, 4.0)
    print(f"start: {machine_load()}", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        async with targets(Path(folder), before) as bots:
            for target in bots:
                await warm_up(target, 100, concurrency)
            blocks: dict[str, list[Block]] = {target.bot.name: [] for target in bots}
            for round_number in range(rounds):
                for target in bots if round_number % 2 == 0 else bots[::-1]:
                    blocks[target.bot.name].append(await closed_block(target, turns, concurrency))
                print(f"round {round_number + 1}: " + ", ".join(
                    f"{name} {measured[-1].cpu_ms_per_turn:.2f} ms" for name, measured in blocks.items()
                ), flush=True)
            steps = {target.bot.name: await ceiling(target, seconds) for target in bots if with_ceiling}
            lost = ", ".join(f"{target.bot.name} {target.lost}" for target in bots if target.follows_cards)
    print(f"\nturns where a person lost their way (said resume): {lost}")
    report(blocks, steps)
    print(f"\nend: {machine_load()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds of 100 turns and 2 s steps, for a smoke run")
    parser.add_argument("--before", type=Path, help="an older checkout's app.py, measured in the same rounds")
    parser.add_argument("--no-ceiling", action="store_true", help="skip the open-loop throughput steps")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.quick, arguments.before and arguments.before.resolve(), not arguments.no_ceiling))
