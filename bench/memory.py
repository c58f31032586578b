"""Memory benchmark: resident memory of the bot process holding many teams, before and after this store's changes.

Run with `.venv/bin/python bench/memory.py` (about 3 minutes; `--quick` for 100 teams). One data folder is filled
once (1,000 teams x 100 answers, evidence of 1-200 characters; `--teams 5000 --per-team 10` for many small spaces); then each measurement runs in a fresh process that
imports the whole app (so the ~85 MB of Python and libraries is counted, as in production) and reads every team.
`--baseline PATH` names a checkout of the code before this change (e.g. `git archive main | tar -x -C /tmp/base`);
baseline and current runs alternate, A B A B, for `--rounds` rounds. Reported: RSS after import, after every team
was read once (all held: no caps), and with the store's default caps while every team is used in turn for several
passes and then left idle while 50 others are used. Figures go in docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = [f"{p}{l}" for p, ls in zip(range(1, 8), ("abcd", "abc", "abc", "abc", "abc", "abc", "abc")) for l in ls]
AT = datetime(2026, 6, 1, tzinfo=UTC)


def rss_mb() -> float:
    gc.collect()
    line = next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def team_key(n: int) -> Any:
    from bot.keys import AssessmentKey, TeamKey, TenantKey

    return AssessmentKey(TeamKey(TenantKey("teams", f"tenant-{n % 7}"), f"team-{n}"), f"a-{n}")


async def fill(root: Path, teams: int, per_team: int) -> None:
    from adapters.store.documents import Entry
    from adapters.store.tinydb import TinyDBStore
    from bot.framework import Level
    from bot.models import Answer, Response

    rng = random.Random(2026)

    async def entries() -> AsyncIterator[Entry]:
        for n in range(teams):
            key = team_key(n)
            for i in range(per_team):
                answer = Answer(
                    section=SECTIONS[i % 22], author_id=f"u{i % 5}", rating=Level(rng.randint(1, 4)),
                    evidence="x" * rng.randint(1, 200), at=AT,
                )
                doc = Response.first(key.assessment_id, answer)
                yield Entry(key.team, Response.table, doc.doc_id, doc.model_dump(mode="json"))

    async with TinyDBStore(root) as store:
        await store.load(entries())


async def measure(root: Path, teams: int, mode: str) -> dict[str, float]:
    import app  # noqa: F401  (the whole bot's imports, as the server has them)
    from adapters.store.tinydb import TinyDBStore

    figures = {"import": rss_mb()}
    options: dict[str, Any] = {}
    if mode == "capped":
        from bot.config import Settings

        defaults = Settings.model_construct()
        options = {"max_teams": defaults.store_max_teams, "max_bytes": defaults.store_max_mb * 1024 * 1024}
    async with TinyDBStore(root, **options) as store:
        started = time.process_time()
        for n in range(teams):
            await store.responses(team_key(n))
        figures["cpu_per_team_ms"] = (time.process_time() - started) * 1000 / teams
        figures["pass 1"] = rss_mb()
        if mode == "capped":
            for lap in (2, 3):
                for n in range(teams):
                    await store.responses(team_key(n))
                figures[f"pass {lap}"] = rss_mb()
            for _ in range(5):
                for n in range(50):
                    await store.responses(team_key(n))
            figures["idle"] = rss_mb()
            figures["resident teams"], held = store.resident()
            figures["estimated MB"] = held / 1024 / 1024
    return figures


def child(args: argparse.Namespace) -> None:
    sys.path.insert(0, args.code)
    print(json.dumps(asyncio.run(measure(Path(args.root), args.teams, args.mode))))


def run_child(code: Path, root: Path, teams: int, mode: str) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", "--code", str(code), "--root", str(root), "--teams", str(teams), "--mode", mode]
    out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=code).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"


def main(args: argparse.Namespace) -> None:
    teams = 100 if args.quick else args.teams
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "data"
        sys.path.insert(0, str(ROOT))
        asyncio.run(fill(root, teams, args.per_team))
        runs: dict[str, list[dict[str, float]]] = {}
        for _ in range(args.rounds):
            if args.baseline:
                runs.setdefault("before: all held", []).append(run_child(Path(args.baseline), root, teams, "all"))
            runs.setdefault("now: all held", []).append(run_child(ROOT, root, teams, "all"))
            runs.setdefault("now: default caps", []).append(run_child(ROOT, root, teams, "capped"))
    answers = teams * args.per_team
    print(f"{teams:,} teams, {answers:,} answers; median (min-max) of {args.rounds} runs; RSS in MB")
    keys = ["import", "pass 1", "pass 2", "pass 3", "idle", "resident teams", "estimated MB", "cpu_per_team_ms"]
    print("| run | " + " | ".join(keys) + " | KB per answer held | KB per team held |")
    print("|---|" + "---|" * (len(keys) + 2))
    for label, figures in runs.items():
        cells = [spread([f[k] for f in figures]) if k in figures[0] else "" for k in keys]
        per_answer = [(f["pass 1"] - f["import"]) * 1024 / answers for f in figures]
        per_team = [(f["pass 1"] - f["import"]) * 1024 / teams for f in figures]
        print(f"| {label} | " + " | ".join(cells) + f" | {spread(per_answer)} | {spread(per_team)} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", help="a checkout of the code before this change")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--code", default=str(ROOT), help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--teams", type=int, default=1000, help="how many teams (default 1,000)")
    parser.add_argument("--per-team", type=int, default=100, help="answers in each team (default 100)")
    parser.add_argument("--mode", default="all", help=argparse.SUPPRESS)
    parsed = parser.parse_args()
    child(parsed) if parsed.child else main(parsed)
