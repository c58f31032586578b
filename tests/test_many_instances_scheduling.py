"""Scheduled messages across several Reflect processes on one PostgreSQL database, each with its scheduler running.

Two working groups each get an invitation, a due action reminder and a check-in question per member (the per-person
kinds) and a digest (a chain of jobs: the headline, three thread replies, the leads' list). Three instances
(tests/scheduled_instance.py) race for them; the fake Bot Connector, here in the test, counts what arrives. Every message is sent exactly once in
total. Then the same with one instance killed (`kill -9`) while it holds jobs: nothing is lost and nothing is sent
twice; once its leases run out (the survivors' clocks jump past them) the survivors send what it had claimed, and a
job it had marked as sending is recorded uncertain and never sent again, since it may already have arrived.

No LISTEN/NOTIFY is involved: each scheduler polls the jobs table (adapters/scheduler.py, every 5 s).
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import psycopg
import pytest

from adapters.store.postgres.store import PostgresStore
from bot import messages as say
from bot.keys import TeamKey, TenantKey
from bot.models import Person, ScheduledJob, Scope, Team
from bot.services import actions, checkin_schedule, checkins, groups, reminders, shared
from tests import builders
from tests.fakes.connector import FakeConnector
from tests.processes import Instance, serving, start
from tests.scheduled_instance import START

TODAY_ENDS = START + timedelta(hours=12)

TENANT = TenantKey("teams", "tenant-a")
MEMBERS_PER_GROUP = 24
THREAD = (say.ATTENTION_TITLE, say.PROGRESS_TITLE, say.CHANGES_TITLE_FIRST)
FINAL = {"done", "failed", "uncertain", "cancelled"}
pytestmark = pytest.mark.slow
T = TypeVar("T")


@dataclass(frozen=True)
class Group:
    space: TeamKey
    channel: str
    lead: str
    name: str


GROUPS = [
    Group(TeamKey(TENANT, f"19:team-{n}@thread.tacv2"), f"19:forum-{n}@thread.tacv2", f"29:lead-{n}", f"Forum {n}")
    for n in range(2)
]


@asynccontextmanager
async def instances(count: int, database_url: str, tmp_path: Path) -> AsyncIterator[list[Instance]]:
    """`count` instances sharing one clock origin (tests/scheduled_instance.py)."""
    origin = time.time()
    command = ["-m", "tests.scheduled_instance", repr(origin)]
    async with serving([start(command, database_url, tmp_path / f"data-{n}") for n in range(count)]) as started:
        yield started


async def _link(session: aiohttp.ClientSession, instance: Instance, connector: FakeConnector, group: Group) -> None:
    """The lead types `link this channel` in the channel, so the channel's address is stored as a turn stores it."""
    body = builders.message(
        connector.url, f"<at>{builders.BOT_NAME}</at> link this channel", user=group.lead,
        conversation=f"{group.channel};messageid=1700000000001", conversation_type="channel",
        team=group.space.team_id, entities=[builders.mention()],
    )
    async with session.post(f"{instance.url}/api/messages", json=body) as reply:
        assert reply.status in (200, 201)


def _members(group: Group) -> list[str]:
    return [f"29:{group.space.team_id[3:9]}-member-{n:02d}" for n in range(MEMBERS_PER_GROUP)]


async def _schedule(database_url: str, group: Group) -> None:
    """Members added and an assessment started as the group's flows do it, inviting each member; then a digest."""
    scope = Scope(subject="Community voice", focus="strategic", footprint="place", stance="looking_back")
    async with PostgresStore(database_url, pool_size=2) as store:
        await groups.settle(store, group.space, group.lead, now=START, name=group.name)
        people = [Person(user_id=user, name=f"Member {user[-2:]}") for user in _members(group)]
        await groups.add(store, group.space, group.lead, people, "member", START)
        assessment = await shared.start(store, group.space, group.lead, scope, START)
        await shared.invite(store, group.space, assessment, _members(group), START)
        digest = ScheduledJob(
            id=f"asked:{group.name}", team=group.space, kind="digest", due_at=START, payload={"asked_by": group.lead}
        )
        await store.add_job(digest)
        await _remind(store, group)
        await _check_in(store, group)


async def _check_in(store: PostgresStore, group: Group) -> None:
    """The lead's quick-win check-in, confirmed: one ask per member due now; its deadline is days away."""
    team = await store.get(group.space, Team, group.space.team_id)
    assert team is not None
    draft = await checkins.draft(store, group.space, team, group.lead, START, START + timedelta(days=2), None)
    opened = await checkins.open_checkin(store, group.space, team, group.lead, draft.id, "light", START)
    await checkin_schedule.schedule_asks(store, group.space, opened, START)


async def _remind(store: PostgresStore, group: Group) -> None:
    """Each member's own action with its 'due today' reminder due now, planned as the reminders service plans one."""
    via = await reminders.via_of(store, group.space)
    for user in _members(group):
        action = await actions.create(store, group.space, Person(user_id=user), f"Quick win for {user[-2:]}", START)
        planned = reminders.Planned("due", START.date(), START)
        await store.add_job(reminders.reminder_job(group.space, action, planned, via))


async def _seed(session: aiohttp.ClientSession, running: list[Instance], connector: FakeConnector, url: str) -> None:
    for group, instance in zip(GROUPS, running):
        await _link(session, instance, connector, group)
    await asyncio.gather(*(_schedule(url, group) for group in GROUPS))


def _jobs(database_url: str) -> list[dict[str, Any]]:
    """Every job due by the end of the test's day, read as the table's owner (past row-level security); linking a
    channel also schedules next Monday's weekly digest, which is not due yet."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute("SELECT doc FROM jobs WHERE (doc->>'due_at')::timestamptz < %s ORDER BY record_id", (TODAY_ENDS,))
        return [row[0] for row in rows]


def _title(activity: dict[str, Any]) -> str:
    (attachment, *_) = activity["attachments"]
    return str(attachment["content"]["body"][0]["text"])


def _arrivals(connector: FakeConnector) -> Counter[tuple[str, str]]:
    """Each message that reached the connector, as (recipient, card title): a person for 1:1 chats, else the channel."""
    people = {
        request.reply["id"]: request.body["members"][0]["id"]
        for request in connector.requests
        if request.kind == "create" and request.status == 200
    }
    arrived: Counter[tuple[str, str]] = Counter()
    for request in connector.requests:
        if request.kind == "send" and request.status == 200 and request.body.get("attachments"):
            conversation = request.body["conversation"]["id"]
            arrived[(people.get(conversation, conversation.split(";")[0]), _title(request.body))] += 1
    return arrived


def _message_of(job: dict[str, Any]) -> tuple[str, str]:
    """The (recipient, title) a job's message arrives as."""
    group = next(g for g in GROUPS if g.space.team_id == job["team"]["team_id"])
    payload = job["payload"]
    if job["kind"] == "group_invite":
        return payload["user"], say.INVITE_TITLE.format(name=group.name)
    if job["kind"] == "digest":
        return group.channel, say.DIGEST_TITLE_ASKED.format(name=group.name)
    if job["kind"] == "checkin_ask":
        return payload["user"], say.CHECKIN_ASK_TITLE.format(name=group.name)
    if job["kind"] == "reminder":
        return payload["owner"], say.REMINDER_TITLES["due"]
    if job["kind"] == "digest_reply":
        return group.channel, THREAD[int(payload["part"])]
    assert job["kind"] == "digest_leads"
    return payload["user"], say.NON_RESPONDERS_TITLE.format(name=group.name)


async def _until(
    check: Callable[[], T | None], what: str, timeout: float = 600.0, explain: Callable[[], str] = lambda: ""
) -> T:
    """Poll `check` until it returns something other than None; the timeout only guards against a hung test, and
    its message ends with `explain()`, the state that kept `check` from passing."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (found := check()) is not None:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting until {what}{explain()}")


def _unfinished(database_url: str) -> Callable[[], str]:
    """What a hung wait for every job to finish saw: how many jobs are due today, and each one not yet final."""

    def explain() -> str:
        jobs = _jobs(database_url)
        left = [f"{job['kind']} {job['status']} due {job['due_at']} ({job.get('lease_owner')})" for job in jobs if job["status"] not in FINAL]
        return f": {len(jobs)} jobs due today (at most {EXPECTED_JOBS}), digests whole: {_digests_whole(jobs)}, not final: {left}"

    return explain


PERSONAL_JOBS = len(GROUPS) * (3 * MEMBERS_PER_GROUP + 1)
"""Per group: one invitation, one reminder and one check-in question per member, and a check-in question for its lead."""
DIGEST_KINDS = {"digest", "digest_reply", "digest_leads"}
EXPECTED_JOBS = PERSONAL_JOBS + len(GROUPS) * (1 + len(THREAD) + 1)
"""Plus, per group, the digest's headline, its three replies and one list for its one lead."""


def _digests_whole(jobs: list[dict[str, Any]]) -> bool:
    """Every digest post that is done has what it schedules when sent: a headline its first reply and its lead's list,
    a reply the next one. A post left uncertain (its sender died mid-send) may end its thread there, since the next
    reply needs the post's id."""
    for group in GROUPS:
        chain = [job for job in jobs if job["team"]["team_id"] == group.space.team_id and job["kind"] in DIGEST_KINDS]
        present = {(job["kind"], job["payload"].get("part")) for job in chain}
        done = {(job["kind"], job["payload"].get("part")) for job in chain if job["status"] == "done"}
        if ("digest", None) in done and not {("digest_reply", "0"), ("digest_leads", None)} <= present:
            return False
        if any(("digest_reply", str(part)) in done and ("digest_reply", str(part + 1)) not in present for part in range(len(THREAD) - 1)):
            return False
    return True


def _all_final(database_url: str) -> list[dict[str, Any]] | None:
    jobs = _jobs(database_url)
    personal = sum(job["kind"] not in DIGEST_KINDS for job in jobs)
    finished = all(job["status"] in FINAL for job in jobs) and _digests_whole(jobs)
    return jobs if personal == PERSONAL_JOBS and finished else None


def _owner_pid(job: dict[str, Any]) -> int | None:
    owner = job.get("lease_owner")
    return None if owner is None else int(owner.split(":")[1])


async def test_three_instances_send_every_due_invitation_reminder_check_in_and_digest_message_exactly_once(
    postgres_url: str, tmp_path: Path
) -> None:
    async with FakeConnector() as connector, instances(3, postgres_url, tmp_path) as running:
        connector.delay = 0.05
        async with aiohttp.ClientSession() as session:
            await _seed(session, running, connector, postgres_url)
        jobs = await _until(lambda: _all_final(postgres_url), "every job is finished", explain=_unfinished(postgres_url))

    arrived = _arrivals(connector)
    assert Counter(job["status"] for job in jobs) == {"done": EXPECTED_JOBS}
    assert {_message_of(job) for job in jobs} == set(arrived)
    assert set(arrived.values()) == {1}
    assert len(arrived) == EXPECTED_JOBS


async def test_an_instance_killed_mid_batch_loses_nothing_sends_nothing_twice_and_its_jobs_move_to_survivors(
    postgres_url: str, tmp_path: Path
) -> None:
    async with FakeConnector() as connector, instances(3, postgres_url, tmp_path) as running:
        connector.delay = 0.4
        async with aiohttp.ClientSession() as session:
            await _seed(session, running, connector, postgres_url)
        pids = {instance.process.pid: instance for instance in running}

        def busy() -> int | None:
            """An instance holding several leased jobs, once a few messages have arrived."""
            if sum(_arrivals(connector).values()) < 4:
                return None
            held = Counter(_owner_pid(job) for job in _jobs(postgres_url) if job["status"] in ("claimed", "sending"))
            return next((pid for pid, count in held.most_common() if pid in pids and count >= 3), None)

        doomed = pids[await _until(busy, "an instance holds leased jobs mid-batch")]
        doomed.process.send_signal(signal.SIGKILL)
        assert doomed.process.wait(timeout=30) == -signal.SIGKILL
        survivors = [instance for instance in running if instance is not doomed]

        def stranded() -> list[dict[str, Any]] | None:
            """Once the survivors are idle: the dead instance's leased jobs, all that is left unfinished."""
            jobs = _jobs(postgres_url)
            left = [job for job in jobs if job["status"] not in FINAL]
            if not all(_owner_pid(job) == doomed.process.pid and job["status"] in ("claimed", "sending") for job in left):
                return None
            return left

        left = await _until(stranded, "only the dead instance's jobs are unfinished")
        sent_before = _arrivals(connector)
        for survivor in survivors:
            survivor.process.send_signal(signal.SIGUSR1)
        jobs = await _until(
            lambda: _all_final(postgres_url), "every job is finished after the leases ran out", explain=_unfinished(postgres_url)
        )

    arrived = _arrivals(connector)
    statuses = {job["id"]: job["status"] for job in jobs}
    assert left, "the kill came too late to leave any job leased"
    assert set(arrived.values()) == {1}, "a message arrived twice"
    assert {_message_of(job) for job in jobs if job["status"] == "done"} <= set(arrived)
    assert set(statuses.values()) <= {"done", "uncertain"}
    for job in left:
        if job["status"] == "sending":
            assert statuses[job["id"]] == "uncertain"
            assert arrived[_message_of(job)] == sent_before[_message_of(job)] <= 1
        else:
            assert statuses[job["id"]] == "done" and arrived[_message_of(job)] == 1
    uncertain = {job["id"] for job in left if job["status"] == "sending"}
    assert {job_id for job_id, status in statuses.items() if status == "uncertain"} == uncertain
    cut_short = any(job["kind"] in DIGEST_KINDS and job["id"] in uncertain for job in left)
    assert len(statuses) == EXPECTED_JOBS or (cut_short and len(statuses) < EXPECTED_JOBS)
