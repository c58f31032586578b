"""Connector calls per kind of Reflect turn, sends and updates apart: a tap should cost one call (issue 10, item 2).

Run with `.venv/bin/python bench/tap_calls.py [TURNS]` (default 500, under a minute). Reflect runs in its own process
as in bench/turns.py, and the same people take their turns one at a time, so each call is charged to the turn that
made it. Figures go in docs/performance.md (issue 10, item 2).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

from bench.connector import BenchConnector  # noqa: E402
from bench.processes import ROOT, free_port, local_env, served  # noqa: E402
from bench.turns import PHASES, RATINGS, SCOPE_TAPS, Target  # noqa: E402


class UpdateCounter(BenchConnector):
    """The bench connector, also counting updates (PUT) apart from sends."""

    def __init__(self) -> None:
        super().__init__(keep_cards=True)
        self.updates = 0

    async def _update(self, request: web.Request) -> web.Response:
        self.updates += 1
        return await super()._update(request)


def kind_of(target: Target) -> str:
    """The kind of turn the next person will take, named as in docs/performance.md."""
    text, button = target.idle[0]._next_move() if target.idle else ("hi", None)
    if button is None:
        return str(text)
    if button in RATINGS:
        return "rate"
    if button in SCOPE_TAPS:
        return "scope tap"
    if button.split(" · ")[0] in PHASES:
        return "choose phase"
    return button.split(":")[0]


async def main(turns: int) -> None:
    kinds: Counter[str] = Counter()
    sends: Counter[str] = Counter()
    updates: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as folder:
        env = local_env(free_port(), Path(folder) / "data")
        async with served("Reflect", ROOT / "app.py", [], env, Path(folder)) as bot, UpdateCounter() as connector, \
                aiohttp.ClientSession() as session:
            target = Target(bot, connector, session, follows_cards=True)
            for _ in range(turns):
                kind, calls, updated = kind_of(target), connector.calls, connector.updates
                if await target.turn() is None:
                    raise SystemExit(f"Reflect did not answer a {kind!r} turn; see its log")
                kinds[kind] += 1
                updates[kind] += connector.updates - updated
                sends[kind] += connector.calls - calls - (connector.updates - updated)
    print("| turn | turns | sends per turn | updates per turn | calls per turn |\n|---|---|---|---|---|")
    for kind, count in kinds.most_common():
        print(f"| {kind} | {count} | {sends[kind] / count:.2f} | {updates[kind] / count:.2f} "
              f"| {(sends[kind] + updates[kind]) / count:.2f} |")
    total = sum(kinds.values())
    print(f"| all | {total} | {sum(sends.values()) / total:.2f} | {sum(updates.values()) / total:.2f} "
          f"| {(sum(sends.values()) + sum(updates.values())) / total:.2f} |")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if sys.argv[1:] else 500))
