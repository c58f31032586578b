"""Digest benchmark: one big working group's digest, computed and rendered for Teams and for Slack.

Run with `make bench` (or `.venv/bin/python bench/digest.py`; `--quick` for a smaller smoke run).
The group: 500 members (3 leads, 20 former members), 20,000 answers (10,000 in the current cycle and 10,000 in the
last, a third with evidence), 2,000 actions, agreed levels on a few sections. Each run does what a digest job does
after reading the store: take the last cycle's results (kept when it closed), gather this cycle's answers a part at a
time, compute the digest, build its five cards (headline, three thread replies, the leads' list), and render each as
an Adaptive Card and as Block Kit. Closing a cycle (gathering its 10,000 answers once) and reading the answers from
the store (the memory store here) are timed apart. Stalls are measured per event-loop callback in the loop thread's
CPU time, with the cyclic garbage collector's pauses counted separately. Figures go in docs/performance.md.

`--compare` runs the benchmark once per garbage-collector policy (`--gc`), each in a fresh process, interleaved over
several rounds: the default collector; `freeze`, everything alive after start-up moved out of the collector's reach
(`gc.freeze()`); and `freeze-threshold`, that with fewer, larger young collections, which is what app.py does.
"""

from __future__ import annotations

import argparse
import asyncio
import asyncio.events
import gc
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.slack.blocks import message_blocks  # noqa: E402
from app import tune_collector  # noqa: E402
from adapters.store.memory import MemoryStore  # noqa: E402
from adapters.teams.cards import render_card, utf16_size  # noqa: E402
from bot.framework import Framework, Level, load_framework  # noqa: E402
from bot.keys import AssessmentKey, TeamKey, TenantKey  # noqa: E402
from bot.models import NOT_SURE, Action, Agreement, Assessment, Member, Response, Scope, Team  # noqa: E402
from bot.services.calibration import results  # noqa: E402
from bot.services.digest import Period, compute_in_parts  # noqa: E402
from bot.services.shared import Holdings  # noqa: E402
from bot.services.tally import Tally, tallied  # noqa: E402
from dialogs.digest_cards import headline_card, non_responders_card, thread_cards  # noqa: E402

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SPACE = TeamKey(TenantKey("teams", "tenant-bench"), "19:bench@thread.tacv2")
GOAL_MS, STALL_GOAL_MS = 100.0, 5.0


@dataclass(frozen=True)
class Group:
    team: Team
    current: Holdings
    previous: Holdings


def _answers(assessment: str, people: list[Member], codes: list[str], count: int, rng: random.Random) -> list[Response]:
    pairs = rng.sample([(m.user_id, code) for m in people for code in codes], count)
    ratings = [*Level, NOT_SURE]
    found = []
    for author, code in pairs:
        at = NOW - timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 1440))
        evidence = "Minutes and notes from the forum " * rng.randint(1, 6) if rng.random() < 0.33 else None
        found.append(Response(
            assessment_id=assessment, section=code, author_id=author, rating=rng.choice(ratings), evidence=evidence,
            created_at=at, updated_at=at + timedelta(days=rng.randint(0, 3)),
        ))
    return found


def _actions(assessment: str, people: list[Member], codes: list[str], count: int, rng: random.Random) -> list[Action]:
    return [
        Action(
            id=f"act-{n:05d}", assessment_id=assessment, section=rng.choice(codes), owner_id=rng.choice(people).user_id,
            title=f"Action {n}: " + "hold a listening session with carers in the east of the borough " * 2,
            due=(NOW + timedelta(days=rng.randint(-40, 40))).date(), horizon=rng.choice(["quick_win", "long_term"]),
            status=rng.choice(["open", "open", "done", "dropped"]), created_at=NOW - timedelta(days=70),
            updated_at=NOW - timedelta(days=rng.randint(0, 60)),
        )
        for n in range(count)
    ]


def big_group(framework: Framework, members: int, answers: int, actions: int, seed: int = 7) -> Group:
    """The benchmark's group: half its answers in the current cycle, half in the last."""
    rng = random.Random(seed)
    codes = [section.code for section in framework.sections]
    people = [
        Member(user_id=f"29:member-{n:04d}", role="lead" if n < 3 else "member", name=f"Member {n:04d} of the equity forum")
        for n in range(members + 20)
    ]
    current, former = people[:members], tuple(m.model_copy(update={"left_at": NOW}) for m in people[members:])
    team = Team(id=SPACE.team_id, name="Big equity forum", members=tuple(current), former=former, assessment_id="a-now")
    scope = Scope(subject="Community voice", focus="strategic", footprint="system", stance="looking_back")
    now = Assessment(id="a-now", owner_id=people[0].user_id, scope=scope, created_at=NOW - timedelta(days=60),
                     shared=True, cycle=2, previous_id="a-last")
    last = now.model_copy(update={"id": "a-last", "cycle": 1, "previous_id": None, "status": "closed"})
    agreed = {
        code: Agreement(assessment_id="a-now", section=code, level=Level.DEVELOPING, rationale="Agreed at the forum",
                        by=people[0].user_id, at=NOW)
        for code in codes[:4]
    }
    return Group(
        team,
        Holdings(now, _answers("a-now", people, codes, answers // 2, rng), agreed, _actions("a-now", people, codes, actions, rng)),
        Holdings(last, _answers("a-last", people, codes, answers - answers // 2, rng), {}, []),
    )


@dataclass
class Figures:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    longest_callback: float = 0.0
    longest_callback_cpu: float = 0.0
    """The longest callback's own CPU time, without any garbage collection that ran inside it."""
    longest_stall_cpu: float = 0.0
    """The longest callback's CPU time with any collection inside it: the stall the loop actually saw."""
    longest_collection: float = 0.0
    collecting: float = 0.0


@contextmanager
def watch_loop(figures: Figures) -> Iterator[None]:
    """Time every event-loop callback in wall time and in this thread's CPU time, less the collector's pauses."""
    original = asyncio.events.Handle._run
    started: list[float] = []

    def collector(phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            started.append(time.thread_time())
            return
        pause = time.thread_time() - started.pop()
        figures.collecting += pause
        figures.longest_collection = max(figures.longest_collection, pause)

    def timed(handle: asyncio.events.Handle) -> None:
        wall, cpu, collected = time.perf_counter(), time.thread_time(), figures.collecting
        original(handle)
        figures.longest_callback = max(figures.longest_callback, time.perf_counter() - wall)
        spent = time.thread_time() - cpu
        figures.longest_stall_cpu = max(figures.longest_stall_cpu, spent)
        figures.longest_callback_cpu = max(figures.longest_callback_cpu, spent - (figures.collecting - collected))

    asyncio.events.Handle._run = timed  # type: ignore[method-assign]
    gc.callbacks.append(collector)
    try:
        yield
    finally:
        gc.callbacks.remove(collector)
        asyncio.events.Handle._run = original  # type: ignore[method-assign]


async def close(framework: Framework, group: Group) -> dict[str, float]:
    """What closing the last cycle did once: gather its answers (in parts) into the results kept with it."""
    former = (m.user_id for m in group.team.former)
    last = await tallied(Tally.empty(framework, (), former, group.previous.assessment.created_at), group.previous.responses)
    return results(last.spreads, group.previous.agreements, group.team.min_answers)


async def digest_once(framework: Framework, group: Group, kept: dict[str, float], today: date) -> tuple[int, int]:
    """What a digest's jobs do once the group's holdings are read: each builds and sends one card, so cards are built
    one at a time here too. Returns the largest card sizes (Teams, Slack)."""
    period = Period(since=NOW - timedelta(days=7), baseline={}, last_cycle=kept)
    digest = await compute_in_parts(framework, group.team, group.current, period, NOW, today)
    builders = [
        lambda: headline_card(digest, "Sent because it is Monday.", asked=False),
        *(lambda part=part: thread_cards(digest, first=False)[part] for part in range(3)),
        lambda: non_responders_card(digest),
    ]
    teams = slack = 0
    for build in builders:
        card = build()
        await asyncio.sleep(0)
        teams = max(teams, utf16_size(render_card(card)))
        await asyncio.sleep(0)
        slack = max(slack, len(message_blocks(card)[1]))
        await asyncio.sleep(0)
    return teams, slack


async def store_read(group: Group) -> float:
    """Reading the current cycle's answers and actions back from the memory store, for comparison."""
    store = MemoryStore()
    await store.open()
    for doc in (*group.current.responses, *group.current.actions):
        await store.put(SPACE, doc)
    started = time.perf_counter()
    await store.responses(AssessmentKey(SPACE, "a-now"))
    await store.find(SPACE, Action, assessment_id="a-now")
    return time.perf_counter() - started


async def measure(framework: Framework, group: Group, kept: dict[str, float], runs: int) -> tuple[Figures, tuple[int, int]]:
    """`runs` digests after one warm-up, timed in wall and CPU time, with every loop callback watched."""
    figures, sizes = Figures(), (0, 0)
    await digest_once(framework, group, kept, NOW.date())
    with watch_loop(figures):
        for _ in range(runs):
            wall, cpu = time.perf_counter(), time.process_time()
            sizes = await digest_once(framework, group, kept, NOW.date())
            figures.wall.append(time.perf_counter() - wall)
            figures.cpu.append(time.process_time() - cpu)
    return figures, sizes


async def closing(framework: Framework, group: Group) -> tuple[float, Figures]:
    """The one-off cost of keeping a cycle's results when it closes, and its longest callback."""
    figures = Figures()
    with watch_loop(figures):
        cpu = time.process_time()
        await close(framework, group)
        spent = time.process_time() - cpu
    return spent, figures


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def report(figures: Figures, sizes: tuple[int, int], read: float, close: tuple[float, Figures], runs: int) -> None:
    """The figures docs/performance.md records, with the machine's load, which inflates wall times."""
    wall, cpu = sorted(figures.wall), sorted(figures.cpu)
    print(f"runs: {runs}; load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"digest wall ms: median {_ms(statistics.median(wall))}, p95 {_ms(wall[int(0.95 * (len(wall) - 1))])}")
    print(f"digest CPU ms:  median {_ms(statistics.median(cpu))}, p95 {_ms(cpu[int(0.95 * (len(cpu) - 1))])}")
    print(f"longest loop callback: own CPU {_ms(figures.longest_callback_cpu)} ms (wall {_ms(figures.longest_callback)} ms)")
    print(f"garbage collection: longest pause {_ms(figures.longest_collection)} ms, {_ms(figures.collecting / runs)} ms a run")
    print(f"longest stall, a callback with any collection inside it: {_ms(figures.longest_stall_cpu)} ms CPU")
    print(f"largest card: Teams {sizes[0]} bytes as UTF-16 (limit 81920); Slack {sizes[1]} blocks (limit 50)")
    print(f"closing a cycle of 10,000 answers, once: {_ms(close[0])} ms CPU, longest callback {_ms(close[1].longest_callback_cpu)} ms")
    print(f"reading the answers and actions from the memory store, for comparison: {_ms(read)} ms")
    print(f"peak resident memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    verdict = statistics.median(cpu) * 1000 < GOAL_MS and figures.longest_callback_cpu * 1000 < STALL_GOAL_MS
    print(f"goal (median under {GOAL_MS:.0f} ms of CPU, no callback over {STALL_GOAL_MS:.0f} ms of CPU): {'met' if verdict else 'MISSED'}")


GC_POLICIES = ("default", "freeze", "freeze-threshold")


def apply_gc_policy(policy: str) -> None:
    """`freeze-threshold` is what `python app.py` does once started (app.tune_collector); `freeze` is half of it."""
    if policy == "freeze":
        gc.collect()
        gc.freeze()
    if policy == "freeze-threshold":
        tune_collector()


def compare(rounds: int, quick: bool) -> None:
    """Each policy in its own process, round after round, so a busy spell on the machine hits every policy alike."""
    for number in range(1, rounds + 1):
        for policy in GC_POLICIES:
            print(f"--- round {number}, gc policy {policy}", flush=True)
            extra = ["--quick"] if quick else []
            subprocess.run([sys.executable, __file__, "--gc", policy, *extra], check=True)


async def main(quick: bool, policy: str) -> None:
    framework = load_framework()
    apply_gc_policy(policy)
    print(f"gc policy: {policy}; objects frozen: {gc.get_freeze_count()}; thresholds: {gc.get_threshold()}")
    group = big_group(framework, 100 if quick else 500, 4_000 if quick else 20_000, 400 if quick else 2_000)
    runs = 5 if quick else 30
    closed = await closing(framework, group)
    figures, sizes = await measure(framework, group, await close(framework, group), runs)
    report(figures, sizes, await store_read(group), closed, runs)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller group, for a smoke run")
    parser.add_argument("--gc", choices=GC_POLICIES, default="default", help="the garbage-collector policy")
    parser.add_argument("--compare", type=int, metavar="ROUNDS", help="run every policy, interleaved, this many rounds")
    arguments = parser.parse_args()
    if arguments.compare:
        compare(arguments.compare, arguments.quick)
    else:
        asyncio.run(main(arguments.quick, arguments.gc))
