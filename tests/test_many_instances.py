"""Several Reflect processes on one PostgreSQL database, driven over HTTP as Teams drives them.

Each instance is `app.py` in local mode on its own port with the same REFLECT_DATABASE_URL; the
fake Bot Connector runs in the test. Turns for one team arrive at every instance at once.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.store.postgres.store import PostgresStore
from bot.framework import Level
from bot.keys import AssessmentKey, TeamKey, TenantKey
from bot.models import Assessment, Response, Scope
from tests import builders
from tests.fakes.connector import FakeConnector
from tests.processes import REPO, Instance, serving, start

TEAM = TeamKey(TenantKey("teams", "tenant-a"), "19:team-1")
KEY = AssessmentKey(TEAM, "a-shared")
CHANNEL = {"conversation": "19:general@thread.tacv2", "conversation_type": "channel", "team": TEAM.team_id}
pytestmark = pytest.mark.slow


@asynccontextmanager
async def instances(count: int, database_url: str, tmp_path: Path) -> AsyncIterator[list[Instance]]:
    """`count` instances of `app.py` started together (so their migrations race)."""
    async with serving([start(["app.py"], database_url, tmp_path / f"data-{n}") for n in range(count)]) as started:
        yield started


async def _seed_assessment(database_url: str) -> None:
    scope = Scope(subject="Discharge", focus="operational", footprint="place", stance="looking_back")
    assessment = Assessment(id=KEY.assessment_id, owner_id="29:lead", scope=scope, created_at=datetime.now(UTC))
    async with PostgresStore(database_url, pool_size=1) as store:
        await store.put(TEAM, assessment)


async def _post(session: aiohttp.ClientSession, instance: Instance, body: dict[str, Any]) -> bool:
    """True when the instance acknowledged the turn (answered 2xx, so its writes are committed)."""
    try:
        async with session.post(f"{instance.url}/api/messages", json=body) as reply:
            await reply.read()
            return reply.status in (200, 201)
    except aiohttp.ClientError:
        return False


def _rate(connector: FakeConnector, user: str, level: Level) -> dict[str, Any]:
    value = {"intent": "rate", "assessment": KEY.assessment_id, "section": "4a", "level": int(level), "v": 1}
    return builders.message(connector.url, value=value, user=user, **CHANNEL)


def _evidence(connector: FakeConnector, user: str, text: str) -> dict[str, Any]:
    value = {"intent": "evidence", "assessment": KEY.assessment_id, "section": "4a", "text": text, "v": 1}
    return builders.message(connector.url, value=value, user=user, **CHANNEL)


def _round_robin(instances: list[Instance]) -> Iterator[Instance]:
    return itertools.cycle(instances)


async def _stored(database_url: str) -> dict[str, Response]:
    async with PostgresStore(database_url, pool_size=1) as store:
        return {r.author_id: r for r in await store.responses(KEY)}


def _evidence_seen(response: Response) -> Counter[str | None]:
    return Counter([response.evidence, *(revision.evidence for revision in response.history)])


async def test_concurrent_turns_for_one_team_at_three_instances_lose_no_update(postgres_url: str, tmp_path: Path) -> None:
    people = [f"29:person-{n:02d}" for n in range(24)]
    revisions = {user: [f"evidence {user} #{k}" for k in range(4)] for user in people[:6]}
    await _seed_assessment(postgres_url)
    async with FakeConnector() as connector, instances(3, postgres_url, tmp_path) as running:
        async with aiohttp.ClientSession() as session:
            target = _round_robin(running)
            levels = itertools.cycle(Level)
            ratings = {user: next(levels) for user in people}
            acks = await asyncio.gather(*(_post(session, next(target), _rate(connector, u, r)) for u, r in ratings.items()))
            assert all(acks)
            posts = [_evidence(connector, user, text) for user, texts in revisions.items() for text in texts]
            acks = await asyncio.gather(*(_post(session, next(target), body) for body in posts))
            assert all(acks)

    stored = await _stored(postgres_url)
    assert {user: response.rating for user, response in stored.items()} == ratings
    for user, texts in revisions.items():
        assert _evidence_seen(stored[user]) == Counter([None, *texts])


async def test_an_instance_killed_mid_burst_loses_nothing_it_acknowledged(postgres_url: str, tmp_path: Path) -> None:
    people = [f"29:person-{n:02d}" for n in range(8)]
    await _seed_assessment(postgres_url)
    async with FakeConnector() as connector, instances(2, postgres_url, tmp_path) as (doomed, survivor):
        async with aiohttp.ClientSession() as session:
            assert all(await asyncio.gather(*(_post(session, survivor, _rate(connector, u, Level(1))) for u in people)))
            acknowledged: list[tuple[str, str]] = []

            async def one_person(user: str) -> None:
                for k in range(12):
                    text = f"evidence {user} #{k}"
                    target = doomed if k % 2 == 0 else survivor
                    if await _post(session, target, _evidence(connector, user, text)):
                        acknowledged.append((user, text))
                    if len(acknowledged) == 30:
                        doomed.process.send_signal(signal.SIGKILL)

            await asyncio.gather(*(one_person(user) for user in people))
            assert doomed.process.wait(timeout=30) == -signal.SIGKILL

    stored = await _stored(postgres_url)
    for user, text in acknowledged:
        assert text in _evidence_seen(stored[user])
    assert len(acknowledged) < len(people) * 12, "the kill came too late to interrupt anything"


async def test_two_processes_claiming_the_same_deliveries_each_take_a_different_half(postgres_url: str) -> None:
    count = 400
    async with PostgresStore(postgres_url, pool_size=1):
        pass
    claimers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.pg_claimer", postgres_url, str(count), order],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for order in ("up", "down")
    ]
    for claimer in claimers:
        assert claimer.stdout is not None and claimer.stdout.readline() == "ready\n"
    for claimer in claimers:
        assert claimer.stdin is not None
        claimer.stdin.write("go\n")
        claimer.stdin.flush()
    outputs = [claimer.communicate(timeout=120)[0] for claimer in claimers]

    won = [{int(line.removeprefix("won ")) for line in output.splitlines() if line.startswith("won ")} for output in outputs]
    assert won[0] | won[1] == set(range(count))
    assert won[0] & won[1] == set()
