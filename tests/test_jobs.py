"""The job cycle (bot/jobs.py) over a real store and an in-process outbound, with a clock only the test moves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from bot.conversation_refs import is_reachable, personal_ref, remember
from bot.errors import DeliveryError
from bot.framework import load_framework
from bot.jobs import JobContext, JobHandler, JobRunner, Message, RetryPolicy, ToConversation, ToPerson, Undelivered
from bot.keys import TeamKey, TenantKey
from bot.models import ConversationRef, ScheduledJob
from bot.outbound import MessageRef
from bot.store import Store
from bot.views import Notice
from tests.manual_clock import ManualClock
from tests.conftest import MakeStore
from tests.fakes.outbound import RecordingOutbound

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
TENANT = TenantKey("teams", "tenant-a")
TEAM = TeamKey(TENANT, "team-1")
GENERAL = "19:general@thread.tacv2"
LEASE = timedelta(minutes=5)
FRAMEWORK = load_framework()
NO_JITTER = RetryPolicy(jitter=lambda: 0.0)


def job(job_id: str = "job-1", *, due: datetime = NOW) -> ScheduledJob:
    return ScheduledJob(id=job_id, team=TEAM, kind="reminder", due_at=due, payload={"user": "29:bob"})


def channel_ref() -> ConversationRef:
    return ConversationRef(
        conversation_id=GENERAL, channel_id="msteams", tenant_id=TENANT.tenant_id, conversation_type="channel",
        service_url="http://127.0.0.1:9/", bot_id="28:bot", updated_at=NOW,
    )


def personal(user: str, *, active: bool = True) -> ConversationRef:
    return channel_ref().model_copy(update={
        "conversation_id": f"a:{user}", "conversation_type": "personal", "user_id": user, "active": active,
    })


@dataclass
class Script:
    """A handler that says one line to the job's `user`, and notes what the cycle told it."""

    working_time: object = None
    say_nothing: bool = False
    composed: list[bool] = field(default_factory=list)
    sent: list[MessageRef] = field(default_factory=list)
    undelivered: list[Undelivered] = field(default_factory=list)

    def handler(self) -> JobHandler:
        return JobHandler(compose=self._compose, sent=self._sent, undelivered=self._undelivered)

    async def _compose(self, ctx: JobContext, job: ScheduledJob) -> Message | None:
        self.composed.append(ctx.late)
        if self.say_nothing:
            return None
        to = ToPerson(job.payload["user"], via=ToConversation(GENERAL))
        view = Notice(text="late" if ctx.late else "on time")
        return Message(to, view) if self.working_time is None else Message(to, view, self.working_time)  # type: ignore[arg-type]

    async def _sent(self, ctx: JobContext, job: ScheduledJob, message: MessageRef) -> None:
        self.sent.append(message)

    async def _undelivered(self, ctx: JobContext, job: ScheduledJob, why: Undelivered) -> None:
        self.undelivered.append(why)


@dataclass
class Rig:
    store: Store
    outbound: RecordingOutbound
    clock: ManualClock
    script: Script

    def runner(self, owner: str = "runner-a", policy: RetryPolicy = NO_JITTER) -> JobRunner:
        return JobRunner(
            self.store, {"teams": self.outbound}, {"reminder": self.script.handler()},
            framework=FRAMEWORK, clock=self.clock, owner=owner, lease=LEASE, policy=policy,
        )

    async def run_due(self, runner: JobRunner | None = None) -> list[str]:
        runner = runner or self.runner()
        return [await runner.run(due) for due in await self.store.due_jobs(self.clock())]

    async def status(self, job_id: str = "job-1") -> ScheduledJob:
        stored = await self.store.get_job(TEAM, job_id)
        assert stored is not None
        return stored


@pytest.fixture
async def rig(memory_stores: MakeStore) -> AsyncIterator[Rig]:
    async with memory_stores() as store:
        await remember(store, TENANT, channel_ref())
        yield Rig(store, RecordingOutbound(NOW), ManualClock(NOW), Script())


async def test_a_due_job_is_sent_once_through_a_conversation_opened_for_someone_who_never_wrote(rig: Rig) -> None:
    await rig.store.add_job(job())

    assert await rig.run_due() == ["sent"]
    assert await rig.run_due() == []

    (delivered,) = rig.outbound.sent
    assert (delivered.to.conversation_id, delivered.view) == ("dm-29:bob", Notice(text="on time"))
    assert rig.outbound.opened == ["29:bob"]
    assert await personal_ref(rig.store, TENANT, "29:bob") == delivered.to
    assert (await rig.status()).status == "done"
    assert [m.message_id for m in rig.script.sent] == [delivered.message_id]


async def test_a_stored_personal_conversation_is_reused_and_nothing_is_opened(rig: Rig) -> None:
    await remember(rig.store, TENANT, personal("29:bob"))
    await rig.store.add_job(job())

    await rig.run_due()

    assert rig.outbound.opened == [] and rig.outbound.sent[0].to == personal("29:bob")


async def test_a_job_with_nothing_left_to_say_is_done_without_a_send(rig: Rig) -> None:
    rig.script.say_nothing = True
    await rig.store.add_job(job())

    assert await rig.run_due() == ["skipped"]
    assert rig.outbound.sent == [] and (await rig.status()).status == "done"


async def test_a_job_not_yet_due_is_left_alone(rig: Rig) -> None:
    await rig.store.add_job(job(due=NOW + timedelta(minutes=1)))

    assert await rig.run_due() == []
    rig.clock.advance(timedelta(minutes=1))
    assert await rig.run_due() == ["sent"]


async def test_two_runners_on_one_store_send_each_job_exactly_once(rig: Rig) -> None:
    for number in range(20):
        await rig.store.add_job(job(f"job-{number}"))
    due = await rig.store.due_jobs(NOW)
    first, second = rig.runner("runner-a"), rig.runner("runner-b")

    outcomes = await asyncio.gather(*(runner.run(j) for j in due for runner in (first, second)))

    assert sorted(outcomes).count("sent") == 20 and outcomes.count("taken") == 20
    assert len(rig.outbound.sent) == 20 and len({d.message_id for d in rig.outbound.sent}) == 20


class Crash(BaseException):
    """The process dies: nothing after this point of the cycle runs."""


async def test_a_crash_between_send_and_mark_leaves_the_job_uncertain_and_it_is_never_resent(rig: Rig) -> None:
    await rig.store.add_job(job())
    real_send = rig.outbound.send

    async def send_then_die(to: ConversationRef, view: Notice) -> MessageRef:  # type: ignore[override]
        await real_send(to, view)
        raise Crash

    rig.outbound.send = send_then_die  # type: ignore[method-assign]
    with pytest.raises(Crash):
        await rig.run_due()
    rig.outbound.send = real_send  # type: ignore[method-assign]
    rig.clock.advance(LEASE)

    assert await rig.run_due(rig.runner("after-restart")) == ["uncertain"]
    assert await rig.run_due(rig.runner("later")) == []
    assert len(rig.outbound.sent) == 1 and (await rig.status()).status == "uncertain"
    assert rig.script.undelivered == ["uncertain"]


async def test_a_crash_before_sending_frees_the_job_once_its_lease_runs_out(rig: Rig) -> None:
    await rig.store.add_job(job())
    await rig.store.claim_job(TEAM, "job-1", owner="died", now=NOW, lease=LEASE)

    assert await rig.run_due() == []
    rig.clock.advance(LEASE)
    assert await rig.run_due() == ["sent"]
    assert len(rig.outbound.sent) == 1


async def test_a_rate_limit_is_retried_exactly_when_retry_after_says_then_sent_once(rig: Rig) -> None:
    await rig.store.add_job(job())
    rig.outbound.fail_next(DeliveryError("retry", "429", retry_after=7))

    assert await rig.run_due() == ["retrying"]
    retry = await rig.status()
    assert (retry.status, retry.due_at, retry.last_error) == ("pending", NOW + timedelta(seconds=7), "429")
    rig.clock.advance(timedelta(seconds=6))
    assert await rig.run_due() == []
    rig.clock.advance(timedelta(seconds=1))
    assert await rig.run_due() == ["sent"]
    assert len(rig.outbound.sent) == 1 and (await rig.status()).attempts == 2


async def test_without_retry_after_the_backoff_doubles_and_the_job_fails_after_the_last_attempt(rig: Rig) -> None:
    policy = RetryPolicy(max_attempts=3, first_delay=timedelta(seconds=30), jitter=lambda: 0.0)
    await rig.store.add_job(job())
    rig.outbound.fail_next(DeliveryError("retry", "503"), times=3)
    waits = []
    for _ in range(2):
        assert await rig.run_due(rig.runner(policy=policy)) == ["retrying"]
        waits.append((await rig.status()).due_at - rig.clock())
        rig.clock.advance(waits[-1])

    assert await rig.run_due(rig.runner(policy=policy)) == ["failed"]
    assert waits == [timedelta(seconds=30), timedelta(seconds=60)]
    failed = await rig.status()
    assert (failed.status, failed.last_error) == ("failed", "failed: 503")
    assert rig.outbound.sent == [] and rig.script.undelivered == ["failed"]


def test_jitter_only_ever_lengthens_a_backoff_by_a_quarter_at_most() -> None:
    policy = RetryPolicy(jitter=lambda: 0.999)

    assert timedelta(seconds=30) < policy.delay(1, None) < timedelta(seconds=37.5)
    assert policy.delay(20, None) < timedelta(hours=1.25)
    assert policy.delay(20, 2.5) == timedelta(seconds=2.5)


async def test_a_permanent_failure_is_recorded_and_never_retried(rig: Rig) -> None:
    await rig.store.add_job(job())
    rig.outbound.fail_next(DeliveryError("permanent", "413 MessageTooLarge"))

    assert await rig.run_due() == ["failed"]
    rig.clock.advance(timedelta(days=30))
    assert await rig.run_due() == []
    assert (await rig.status()).last_error == "failed: 413 MessageTooLarge"
    assert rig.script.undelivered == ["failed"]


async def test_an_unreachable_person_is_not_written_to_again_until_they_write(rig: Rig) -> None:
    await remember(rig.store, TENANT, personal("29:bob"))
    await rig.store.add_job(job("first"))
    rig.outbound.fail_next(DeliveryError("unreachable", "403 MessageWritesBlocked"))

    assert await rig.run_due() == ["unreachable"]
    await rig.store.add_job(job("second"))
    assert await rig.run_due() == ["unreachable"]
    assert rig.outbound.sent == [] and not await is_reachable(rig.store, TENANT, "29:bob")
    assert rig.script.undelivered == ["unreachable", "unreachable"]

    rig.clock.advance(timedelta(minutes=1))
    await remember(rig.store, TENANT, personal("29:bob").model_copy(update={"updated_at": rig.clock()}))
    await rig.store.add_job(job("third", due=rig.clock()))
    assert await rig.run_due() == ["sent"]


async def test_someone_no_conversation_can_be_opened_with_is_not_tried_again_until_they_write(rig: Rig) -> None:
    await rig.store.add_job(job("first"))
    rig.outbound.fail_next_open(DeliveryError("unreachable", "403 ForbiddenOperationException"))

    assert await rig.run_due() == ["unreachable"]
    await rig.store.add_job(job("second"))
    assert await rig.run_due() == ["unreachable"]
    assert rig.outbound.opened == []

    await remember(rig.store, TENANT, personal("29:bob"))
    await rig.store.add_job(job("third"))
    assert await rig.run_due() == ["sent"]


async def test_a_missed_job_falling_in_quiet_hours_waits_for_working_time_and_goes_once_marked_late(rig: Rig) -> None:
    opening = NOW + timedelta(hours=23)
    rig.script.working_time = lambda instant: max(instant, opening)
    await rig.store.add_job(job())
    rig.clock.advance(timedelta(hours=12))

    assert await rig.run_due() == ["deferred"]
    deferred = await rig.status()
    assert (deferred.due_at, deferred.late, deferred.attempts) == (opening, True, 0)
    rig.clock.set(opening)
    assert await rig.run_due() == ["sent"]
    assert [d.view for d in rig.outbound.sent] == [Notice(text="late")]


async def test_a_missed_job_in_working_time_goes_at_once_marked_late(rig: Rig) -> None:
    await rig.store.add_job(job())
    rig.clock.advance(timedelta(hours=2))

    assert await rig.run_due() == ["sent"]
    assert [d.view for d in rig.outbound.sent] == [Notice(text="late")]


async def test_a_job_a_few_minutes_behind_is_not_late(rig: Rig) -> None:
    await rig.store.add_job(job())
    rig.clock.advance(timedelta(minutes=14))

    await rig.run_due()

    assert [d.view for d in rig.outbound.sent] == [Notice(text="on time")]


async def test_a_lease_that_runs_out_before_sending_loses_the_job_to_the_next_runner_without_a_send(rig: Rig) -> None:
    await rig.store.add_job(job())
    slow = rig.runner("slow")
    real_open = rig.outbound.open_direct

    async def open_slowly(user_id: str, *, via: ConversationRef) -> ConversationRef:
        rig.clock.advance(LEASE)
        return await real_open(user_id, via=via)

    rig.outbound.open_direct = open_slowly  # type: ignore[method-assign]
    assert await rig.run_due(slow) == ["lost"]
    rig.outbound.open_direct = real_open  # type: ignore[method-assign]

    assert await rig.run_due(rig.runner("next")) == ["sent"]
    assert len(rig.outbound.sent) == 1


async def test_a_job_that_keeps_breaking_is_given_up_after_the_last_attempt(rig: Rig) -> None:
    policy = RetryPolicy(max_attempts=2, jitter=lambda: 0.0)
    await rig.store.add_job(job())
    for owner in ("a", "b"):
        await rig.store.claim_job(TEAM, "job-1", owner=owner, now=rig.clock(), lease=LEASE)
        rig.clock.advance(LEASE)

    assert await rig.run_due(rig.runner(policy=policy)) == ["failed"]
    assert (await rig.status()).last_error == "failed: gave up after 2 attempts"
    assert rig.script.composed == []


async def test_a_kind_without_a_handler_fails_at_once(rig: Rig) -> None:
    await rig.store.add_job(job().model_copy(update={"kind": "digest"}))

    assert await rig.run_due() == ["failed"]
    assert (await rig.status()).last_error == "failed: no handler for digest jobs"


async def test_a_channel_without_an_outbound_fails_for_good(rig: Rig) -> None:
    console = TeamKey(TenantKey("console", "local"), "user:someone")
    await rig.store.add_job(job().model_copy(update={"team": console}))

    assert await rig.run_due() == ["failed"]
    stored = await rig.store.get_job(console, "job-1")
    assert stored is not None and stored.last_error == "failed: no outbound channel for console"


async def test_what_a_sent_job_schedules_exists_before_it_is_done_so_a_crash_between_loses_no_sequel(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def schedule_sequel(ctx: JobContext, sent_job: ScheduledJob, message: MessageRef) -> None:
        await ctx.store.add_job(job("sequel", due=NOW + timedelta(hours=1)))

    handlers = {"reminder": JobHandler(compose=rig.script.handler().compose, sent=schedule_sequel)}
    dying = JobRunner(
        rig.store, {"teams": rig.outbound}, handlers, framework=FRAMEWORK, clock=rig.clock, owner="runner-a", lease=LEASE
    )
    await rig.store.add_job(job())

    async def killed(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the process died here")

    monkeypatch.setattr(rig.store, "finish_job", killed)
    with pytest.raises(RuntimeError):
        await dying.run(job())
    monkeypatch.undo()
    rig.clock.advance(LEASE + timedelta(seconds=1))

    assert len(rig.outbound.sent) == 1 and (await rig.status()).status == "sending"
    assert await rig.runner("runner-b").run(job()) == "uncertain"
    assert (await rig.status("sequel")).status == "pending"
