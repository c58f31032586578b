"""Per-turn store CPU in a small and a big team: does a turn's cost grow with the answers around it?

Run with `.venv/bin/python bench/turn_store.py` (about 2 minutes). A turn here is the store calls a rating tap in a
working group makes: the conversation state, the assessment, the member's own answers in it, their open actions and
open assessments, the answer itself, and the new conversation state. Two teams: 45 members x 22 sections (990
answers) and 809 members (17,798 answers), each with one action per member. Turns alternate between the teams in
blocks of 100 (A B A B) for `--rounds` rounds, and the process CPU per turn of each block is recorded; a third block
type times edits of answers that already have about 1,000 earlier versions each, and a fourth edits of answers with
about 10 (a write's cost should not depend on which). `--baseline PATH` runs a checkout of the
code before this change in its own process, alternating with the current code. Figures go in docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = [f"{p}{l}" for p, ls in zip(range(1, 8), ("abcd", "abc", "abc", "abc", "abc", "abc", "abc")) for l in ls]
AT = datetime(2026, 6, 1, tzinfo=UTC)
TEAMS = {"small": 45, "big": 809}
BLOCK = 100
REVISIONS = 1000
SHALLOW = 10
CHAINS = 4
"""One person per child process whose 22 answers each hold about 1,000 revisions, so every run edits at the same depth."""


def key(name: str) -> Any:
    from bot.keys import AssessmentKey, TeamKey, TenantKey

    return AssessmentKey(TeamKey(TenantKey("teams", "tenant-1"), f"team-{name}"), f"a-{name}")


def answer(author: str, section: str, n: int) -> Any:
    from bot.framework import Level
    from bot.models import Answer

    return Answer(section=section, author_id=author, rating=Level(1 + n % 4), evidence="e" * (1 + n % 150), at=AT + timedelta(seconds=n))


async def fill(root: Path) -> None:
    from adapters.store.documents import Entry, to_raw
    from adapters.store.tinydb import TinyDBStore
    from bot.models import Action, Assessment, Response, Scope

    async def entries(name: str, members: int) -> AsyncIterator[Entry]:
        team = key(name)
        scope = Scope(subject="s", focus="strategic", footprint="system", stance="looking_back")
        shared = Assessment(id=team.assessment_id, owner_id="m0", scope=scope, created_at=AT, shared=True)
        yield Entry(team.team, Assessment.table, shared.doc_id, to_raw(shared) or {})
        for m in range(members):
            act = Action(id=f"act-{m}", assessment_id=team.assessment_id, section="1a", title="t", owner_id=f"m{m}",
                         due=date(2026, 7, 1), created_at=AT, updated_at=AT)
            yield Entry(team.team, Action.table, act.doc_id, to_raw(act) or {})
            for s, code in enumerate(SECTIONS):
                doc = Response.first(team.assessment_id, answer(f"m{m}", code, m * 22 + s))
                yield Entry(team.team, Response.table, doc.doc_id, to_raw(doc) or {})

    async with TinyDBStore(root) as store:
        for name, members in TEAMS.items():
            await store.load(entries(name, members))
        await store.load(revised(key("small")))


async def revised(team: Any) -> AsyncIterator[Any]:
    """Each chain's 22 answers, every one with REVISIONS earlier versions already."""
    from adapters.store.documents import Entry, to_raw
    from bot.models import Response, Revision

    for chain in range(CHAINS):
        for prefix, depth in (("r", REVISIONS), ("q", SHALLOW)):
            for code in SECTIONS:
                first = answer(f"{prefix}{chain}", code, 0)
                history = tuple(Revision(rating=first.rating, evidence=f"version {n}", at=AT + timedelta(seconds=n)) for n in range(depth))
                doc = Response.first(team.assessment_id, first).model_copy(update={"history": history})
                yield Entry(team.team, Response.table, doc.doc_id, to_raw(doc) or {})


async def turn(store: Any, name: str, n: int) -> None:
    from bot.models import Action, Assessment, ConversationState, Response

    team = key(name)
    member = f"m{n % TEAMS[name]}"
    state = await store.get(team.team, ConversationState, f"conv-{member}/{member}")
    await store.get(team.team, Assessment, team.assessment_id)
    await store.find(team.team, Response, assessment_id=team.assessment_id, author_id=member)
    await store.find(team.team, Action, owner_id=member, status="open")
    await store.find(team.team, Assessment, owner_id=member, status="open")
    await store.record_answer(team, answer(member, SECTIONS[n % 22], n))
    new = ConversationState(conversation_id=f"conv-{member}", user_id=member, section=SECTIONS[n % 22], updated_at=AT)
    if state != new:
        await store.put(team.team, new)


async def revise(store: Any, author: str, n: int) -> None:
    """An edit of one of the author's answers, each already holding REVISIONS (or SHALLOW) earlier versions."""
    await store.record_answer(key("small"), answer(author, SECTIONS[n % 22], REVISIONS + n))


async def measure(root: Path, rounds: int, chain: int) -> dict[str, list[float]]:
    from adapters.store.tinydb import TinyDBStore

    blocks: dict[str, list[float]] = {"small": [], "big": [], "revise": [], "shallow": []}
    # Each process starts at its own turn number, so its answers and states differ from the last run's and every
    # turn writes, as a real one does (a repeated answer writes nothing and would flatter whichever team it hit).
    async with TinyDBStore(root) as store:
        for name in TEAMS:
            await turn(store, name, 0)
        for r in range(rounds):
            for name in ("small", "big", "revise", "shallow") if r % 2 == 0 else ("shallow", "revise", "big", "small"):
                started = time.process_time()
                for n in range(BLOCK):
                    if name in ("revise", "shallow"):
                        await revise(store, f"{'r' if name == 'revise' else 'q'}{chain}", r * BLOCK + n)
                    else:
                        await turn(store, name, chain * 1237 + r * BLOCK + n + 1)
                blocks[name].append((time.process_time() - started) * 1000 / BLOCK)
    return blocks


def child(args: argparse.Namespace) -> None:
    sys.path.insert(0, args.code)
    print(json.dumps(asyncio.run(measure(Path(args.root), args.rounds, args.chain))))


def main(args: argparse.Namespace) -> None:
    runs: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        sys.path.insert(0, str(ROOT))
        root = Path(folder) / "data"
        asyncio.run(fill(root))
        codes = [("before", Path(args.baseline))] if args.baseline else []
        for chain, (label, code) in enumerate([*codes, ("now", ROOT)] * 2):
            command = [sys.executable, __file__, "--child", "--code", str(code), "--root", str(root), "--rounds", str(args.rounds), "--chain", str(chain)]
            out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=code).stdout
            for name, values in json.loads(out.strip().splitlines()[-1]).items():
                runs.setdefault(label, {}).setdefault(name, []).extend(values)
    print(f"process CPU ms per turn, median (min-max) over {2 * args.rounds} blocks of {BLOCK}")
    print("| code | 990 answers | 17,798 answers | ratio | an edit, ~1,000 earlier versions | an edit, ~10 earlier |")
    print("|---|---|---|---|---|---|")
    for label, blocks in runs.items():
        cells = [f"{statistics.median(v):.2f} ({min(v):.2f}-{max(v):.2f})" for v in blocks.values()]
        ratio = statistics.median(blocks["big"]) / statistics.median(blocks["small"])
        print(f"| {label} | {cells[0]} | {cells[1]} | {ratio:.2f}x | {cells[2]} | {cells[3]} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--baseline", help="a checkout of the code before this change")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--code", default=str(ROOT), help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--chain", type=int, default=0, help=argparse.SUPPRESS)
    parsed = parser.parse_args()
    child(parsed) if parsed.child else main(parsed)
