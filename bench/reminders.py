"""Reminder benchmark: a morning's due reminders, what the scheduler costs per job, and how fast they really go out.

Run with `.venv/bin/python bench/reminders.py` (`--quick` for a smaller smoke run). Figures go in docs/performance.md.

1. **Cost per due job.** 10,000 open actions in 1,000 working groups (10 tenants of 100 groups, 10 owners each, every
   owner with a stored personal chat) are planned with `reminders.after_change`, all due on one Monday; at 09:00 the
   scheduler runs every due reminder through the whole cycle (list, claim, compose from the store, record sending,
   send, record done, keep the sent message) into an in-process outbound that answers at once, so only Reflect's own
   work is timed. Process CPU and wall time per due job, on the memory store and on TinyDB, interleaved.
2. **A batch going out for real.** The running app sends a batch through the real Teams client to a fake Bot
   Connector in another thread, which enforces 30 requests a second per tenant (a token bucket, burst 5) and answers
   429 with Retry-After: 1 on every tenth request besides: 1,000 reminders in 10 tenants (the loop-stall test), and
   300 in one tenant (where the tenant's limit, not the process's CPU, bounds the rate). Reported: the send rate
   per tenant (reminders over the span from its first to its last accepted send) against the 30 allowed, reminders
   lost and duplicated, the app thread's CPU per reminder, and the longest callback of the app's loop while they go
   out, with the cyclic garbage collector's pauses apart.
"""

from __future__ import annotations

import argparse
import asyncio
import asyncio.events
import gc
import itertools
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import web  # noqa: E402

from adapters.http import SCHEDULER, STORE, TEAMS_OUTBOUND  # noqa: E402
from adapters.scheduler import RatePacer, Scheduler  # noqa: E402
from adapters.store.memory import MemoryStore  # noqa: E402
from adapters.store.tinydb import TinyDBStore  # noqa: E402
from app import create_app  # noqa: E402
from bot.conversation_refs import remember  # noqa: E402
from bot.framework import load_framework  # noqa: E402
from bot.jobs import JobRunner  # noqa: E402
from bot.keys import TeamKey, TenantKey  # noqa: E402
from bot.models import Action, ConversationRef, Member, Team  # noqa: E402
from bot.outbound import MessageRef, Outbound  # noqa: E402
from bot.services import reminders  # noqa: E402
from bot.store import Store  # noqa: E402
from bot.views import Notice, View  # noqa: E402
from dialogs.jobs import HANDLERS  # noqa: E402
from tests.harness import local_settings  # noqa: E402

DUE = date(2026, 11, 30)
PLANNED_AT = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
NINE = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
TENANTS = 10
ALLOWED_PER_TENANT = 30.0
BURST = 5
STALL_GOAL_MS = 5.0
FRAMEWORK = load_framework()


def tenant(n: int) -> TenantKey:
    return TenantKey("teams", f"tenant-{n:02d}")


def owner(team: int, n: int) -> str:
    return f"29:owner-{team:04d}-{n:02d}"


@dataclass(frozen=True)
class Morning:
    """Groups (team number, key) and the number of owners in each."""

    groups: list[tuple[int, TeamKey]]
    owners_each: int


def morning(groups: int, owners_each: int, tenants: int = TENANTS) -> Morning:
    return Morning([(n, TeamKey(tenant(n % tenants), f"19:group-{n:04d}@thread.tacv2")) for n in range(groups)], owners_each)


def personal_ref(key: TeamKey, user: str, service_url: str) -> ConversationRef:
    return ConversationRef(
        conversation_id=f"a:{key.tenant.tenant_id}:{user}", channel_id="msteams", tenant_id=key.tenant.tenant_id,
        conversation_type="personal", service_url=service_url, bot_id="28:reflect-bot", user_id=user,
        updated_at=PLANNED_AT,
    )


async def _one_group(store: Store, number: int, key: TeamKey, owners_each: int, service_url: str) -> list[Action]:
    """A group with its owners, their chats and one action each, due on the Monday."""
    people = [owner(number, n) for n in range(owners_each)]
    await store.put(key, Team(id=key.team_id, name=f"Group {number}", members=tuple(Member(user_id=p) for p in people)))
    actions = []
    for person in people:
        await remember(store, key.tenant, personal_ref(key, person, service_url))
        action = Action(
            id=f"act-{person[8:]}", assessment_id="a-1", section="4a", title="Book the community venue for the forum",
            owner_id=person, due=DUE, created_at=PLANNED_AT, updated_at=PLANNED_AT,
        )
        await store.put(key, action)
        actions.append(action)
    return actions


async def populate(store: Store, plan: Morning, service_url: str = "http://127.0.0.1:9/") -> tuple[float, float]:
    """Every group set up, 50 at a time (so TinyDB commits writes in groups), then every action's reminders planned
    one after another: CPU and wall seconds per action for the planning alone."""
    made: list[tuple[TeamKey, Action]] = []
    for start in range(0, len(plan.groups), 50):
        chunk = plan.groups[start : start + 50]
        found = await asyncio.gather(*(_one_group(store, n, k, plan.owners_each, service_url) for n, k in chunk))
        made.extend((key, action) for (_, key), actions in zip(chunk, found, strict=True) for action in actions)
    cpu, wall = time.process_time(), time.perf_counter()
    for key, action in made:
        await reminders.after_change(store, key, action, PLANNED_AT)
    return (time.process_time() - cpu) / len(made), (time.perf_counter() - wall) / len(made)


class InstantOutbound(Outbound):
    """Answers every send at once: the cost measured is Reflect's alone."""

    def __init__(self) -> None:
        self.sent = 0
        self._ids = itertools.count()

    async def send(self, to: ConversationRef, view: View) -> MessageRef:
        self.sent += 1
        return MessageRef(conversation=to, message_id=f"m-{next(self._ids)}")

    async def reply(self, root: MessageRef, view: View) -> MessageRef:
        return await self.send(root.conversation, view)

    async def update(self, message: MessageRef, view: View) -> None:
        return None

    async def open_direct(self, user_id: str, *, via: ConversationRef) -> ConversationRef:
        raise NotImplementedError("every owner has a stored chat in this benchmark")


@dataclass(frozen=True)
class Cost:
    jobs: int
    cpu: float
    wall: float
    planning: tuple[float, float]


async def cost_per_job(store: Store, plan: Morning) -> Cost:
    """Plan every action, then fire the 09:00 batch through the whole cycle; CPU and wall for the firing alone."""
    async with store:
        planning = await populate(store, plan)
        outbound = InstantOutbound()
        clock = lambda: NINE  # noqa: E731
        runner = JobRunner(store, {"teams": outbound}, HANDLERS, framework=FRAMEWORK, clock=clock, owner="bench")
        scheduler = Scheduler(store, runner, clock, pacer=RatePacer(limits={}))
        cpu, wall = time.process_time(), time.perf_counter()
        while outcomes := await scheduler.tick():
            assert set(outcomes) == {"sent"}, set(outcomes)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return Cost(outbound.sent, cpu, wall, planning)


# -- part 2: a batch against a rate-limited fake connector ---------------------------------------------------------


@dataclass
class RateLimitedConnector:
    """A Bot Connector that allows `ALLOWED_PER_TENANT` sends a second per tenant and throttles every tenth request."""

    accepted: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    by_tenant: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    requests: int = 0
    throttled: int = 0
    over_limit: int = 0
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def _take(self, tenant_id: str, now: float) -> bool:
        tokens, at = self._buckets.get(tenant_id, (float(BURST), now))
        tokens = min(float(BURST), tokens + (now - at) * ALLOWED_PER_TENANT)
        if tokens < 1.0:
            self._buckets[tenant_id] = (tokens, now)
            return False
        self._buckets[tenant_id] = (tokens - 1.0, now)
        return True

    async def send(self, request: web.Request) -> web.Response:
        conversation = request.match_info["cid"]
        await request.read()
        now = time.monotonic()
        self.requests += 1
        tenant_id = conversation.split(":")[1]
        if self.requests % 10 == 0:
            self.throttled += 1
            return _throttled()
        if not self._take(tenant_id, now):
            self.over_limit += 1
            return _throttled()
        self.accepted[conversation].append(now)
        self.by_tenant[tenant_id].append(now)
        return web.json_response({"id": f"activity-{self.requests}"})


def _throttled() -> web.Response:
    return web.json_response({"error": {"code": "Throttled", "message": "slow down"}}, status=429, headers={"Retry-After": "1"})


@contextmanager
def connector_thread(connector: RateLimitedConnector) -> Iterator[str]:
    """Serve the fake in its own thread and loop, so its work never shows up in the app's loop."""
    ready: list[str] = []
    started, stopping = threading.Event(), None
    loop = asyncio.new_event_loop()

    async def serve() -> None:
        nonlocal stopping
        stopping = asyncio.Event()
        app = web.Application()
        app.router.add_post("/v3/conversations/{cid}/activities", connector.send)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        ready.append(f"http://127.0.0.1:{runner.addresses[0][1]}/")
        started.set()
        await stopping.wait()
        await runner.cleanup()

    thread = threading.Thread(target=lambda: loop.run_until_complete(serve()), daemon=True)
    thread.start()
    started.wait(10)
    try:
        yield ready[0]
    finally:
        assert stopping is not None
        loop.call_soon_threadsafe(stopping.set)
        thread.join(10)


@dataclass
class Stalls:
    """The longest callback of the app's loop: by wall clock, by thread CPU less any GC inside it; the longest GC."""

    wall: float = 0.0
    cpu: float = 0.0
    gc: float = 0.0
    watching: bool = True
    """Cleared as soon as the batch is sent, so the step that goes on to shut the app down is not counted."""
    _gc_total: float = 0.0
    _gc_started: float = 0.0

    def on_gc(self, phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = time.thread_time()
            return
        took = time.thread_time() - self._gc_started
        self._gc_total += took
        self.gc = max(self.gc, took)


@contextmanager
def watch_loop(stalls: Stalls) -> Iterator[None]:
    """Time every callback of this thread's loop (the app's), by wall clock and by the thread's CPU.

    The cyclic garbage collector runs inside whichever callback allocates when it is due, and its pause depends on
    everything the process holds, so it is reported on its own and left out of a callback's CPU time.
    """
    original = asyncio.events.Handle._run
    mine = threading.get_ident()

    def timed(handle: asyncio.events.Handle) -> None:
        if threading.get_ident() != mine:
            original(handle)
            return
        wall, cpu, collected = time.perf_counter(), time.thread_time(), stalls._gc_total
        original(handle)
        if not stalls.watching:
            return
        stalls.wall = max(stalls.wall, time.perf_counter() - wall)
        stalls.cpu = max(stalls.cpu, time.thread_time() - cpu - (stalls._gc_total - collected))

    asyncio.events.Handle._run = timed  # type: ignore[method-assign]
    gc.callbacks.append(stalls.on_gc)
    try:
        yield
    finally:
        gc.callbacks.remove(stalls.on_gc)
        asyncio.events.Handle._run = original  # type: ignore[method-assign]


@dataclass(frozen=True)
class Batch:
    reminders: int
    seconds: float
    cpu: float
    rates: list[float]
    lost: int
    duplicated: int
    throttled: int
    over_limit: int
    stalls: Stalls


async def batch(data_dir: Path, plan: Morning) -> Batch:
    """The running app sends the batch through the real Teams client; the scheduler is woken until all are done.

    The app's clock starts at 09:00 on the due day and runs at real speed, as do the pacer and the connector's bucket.
    """
    connector = RateLimitedConnector()
    with connector_thread(connector) as url:
        store = MemoryStore()
        await store.open()
        await populate(store, plan, url)
        origin = time.monotonic()
        app = create_app(local_settings(data_dir), clock=lambda: NINE + timedelta(seconds=time.monotonic() - origin), store=store)
        runner = web.AppRunner(app)
        await runner.setup()
        await _warm_up(app, url)
        stalls = Stalls()
        expected = len(plan.groups) * plan.owners_each
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            with watch_loop(stalls):
                await _until_sent(app, connector, expected)
                stalls.watching = False
            cpu = time.thread_time() - cpu
        finally:
            await runner.cleanup()
        seconds = time.perf_counter() - started
    counts = [len(times) for conversation, times in connector.accepted.items() if "tenant-warm" not in conversation]
    rates = [
        len(times) / (times[-1] - times[0])
        for tenant_id, times in connector.by_tenant.items()
        if len(times) > 1 and tenant_id != "tenant-warm"
    ]
    return Batch(
        expected, seconds, cpu, rates, expected - len(counts), sum(c - 1 for c in counts if c > 1),
        connector.throttled, connector.over_limit, stalls,
    )


async def _warm_up(app: web.Application, url: str) -> None:
    """One send in a tenant of its own first, so the Teams client's one-off set-up is not counted as a stall."""
    warm = personal_ref(TeamKey(TenantKey("teams", "tenant-warm"), "user:warm"), "29:warm", url)
    await app[TEAMS_OUTBOUND].send(warm, Notice(text="warm-up"))


async def _until_sent(app: web.Application, connector: RateLimitedConnector, expected: int) -> None:
    scheduler: Scheduler = app[SCHEDULER]
    while sum(1 for conversation in connector.accepted if "tenant-warm" not in conversation) < expected:
        if not await scheduler.run_now():
            await asyncio.sleep(0.05)
    assert app[STORE] is not None


# -- reporting ------------------------------------------------------------------------------------------------------


def spread(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{statistics.median(values):.3f} ({min(values):.3f}–{max(values):.3f})"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 reminders planned and 100 sent: a smoke run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-only", action="store_true", help="only the batch through the Teams client")
    args = parser.parse_args()
    groups = 100 if args.quick else 1_000
    costs: dict[str, list[Cost]] = {"memory": [], "tinydb": []}
    plan = morning(groups, 10)
    for _ in range(args.rounds if not args.batch_only else 0):
        costs["memory"].append(await cost_per_job(MemoryStore(), plan))
        with tempfile.TemporaryDirectory(prefix="reflect-bench-") as folder:
            costs["tinydb"].append(await cost_per_job(TinyDBStore(Path(folder)), plan))
    print(f"## Cost per due job: {groups * 10:,} reminders due at 09:00 in {groups:,} groups, {args.rounds} rounds interleaved")
    print("| store | planning ms per action (CPU / wall) | CPU ms per due job | wall ms per due job |")
    print("|---|---|---|---|")
    for name, found in costs.items():
        if not found:
            continue
        per = [c.jobs for c in found]
        assert all(n == groups * 10 for n in per), per
        plan_ms = f"{spread([c.planning[0] * 1e3 for c in found])} / {spread([c.planning[1] * 1e3 for c in found])}"
        cpu_ms = spread([c.cpu / c.jobs * 1e3 for c in found])
        wall_ms = spread([c.wall / c.jobs * 1e3 for c in found])
        print(f"| {name} | {plan_ms} | {cpu_ms} | {wall_ms} |")
    shapes = [(f"{groups:,} reminders, {TENANTS} tenants", morning(groups // 10, 10)), ("300 reminders, 1 tenant", morning(30, 10, 1))]
    print("\n## Batches sent by the running app through the Teams client; 30 sends a second allowed per tenant")
    print(
        "| batch | round | seconds | app-thread CPU ms per reminder | send rate per tenant | of allowed | lost | duplicated "
        "| 429 injected | 429 over the limit | longest loop callback ms: wall / CPU less GC | longest GC pause ms |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for number in range(1, args.rounds + 1):
        for name, shape in shapes:
            with tempfile.TemporaryDirectory(prefix="reflect-bench-") as folder:
                found = await batch(Path(folder), shape)
            share = statistics.median(found.rates) / ALLOWED_PER_TENANT * 100
            print(
                f"| {name} | {number} | {found.seconds:.1f} | {found.cpu / found.reminders * 1e3:.2f} | {spread(found.rates)} "
                f"| {share:.0f} % | {found.lost} | {found.duplicated} | {found.throttled} | {found.over_limit} "
                f"| {found.stalls.wall * 1e3:.1f} / {found.stalls.cpu * 1e3:.1f} | {found.stalls.gc * 1e3:.1f} |"
            )
    print(f"\nStall goal: {STALL_GOAL_MS} ms. Rate goal: 90 % of allowed, 0 lost, 0 duplicated.")


if __name__ == "__main__":
    asyncio.run(main())
