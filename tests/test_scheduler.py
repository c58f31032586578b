"""The scheduler loop and its pacer: rate limits in virtual time, restarts and crashes mid-batch, no sleeping."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from adapters.scheduler import Limits, RatePacer, Scheduler
from bot.conversation_refs import remember
from bot.jobs import JobContext, JobHandler, JobRunner, Message, ToPerson
from bot.models import ConversationRef, ScheduledJob
from bot.outbound import MessageRef
from bot.store import Store
from bot.views import Notice, View
from tests.manual_clock import ManualClock
from tests.conftest import MakeStore
from tests.fakes.outbound import RecordingOutbound
from tests.test_jobs import FRAMEWORK, LEASE, NOW, TEAM, TENANT, personal
from tests.virtual_time import VirtualTime

TEAMS = Limits(per_conversation=7.0, per_tenant=30.0)
SLACK = Limits(per_conversation=1.0)


def to(conversation: str, *, tenant: str = "tenant-a", channel: str = "msteams") -> ConversationRef:
    return personal("29:x").model_copy(update={"conversation_id": conversation, "tenant_id": tenant, "channel_id": channel})


async def send_times(time: VirtualTime, pacer: RatePacer, targets: list[ConversationRef]) -> list[float]:
    """When each wait returned, in virtual seconds, in the order the targets were asked for."""

    async def paced(target: ConversationRef) -> float:
        await pacer.wait(target)
        return time.now

    return await time.run(*(paced(target) for target in targets))


def pacer_in(time: VirtualTime) -> RatePacer:
    return RatePacer({"teams": TEAMS, "slack": SLACK}, monotonic=time.monotonic, sleep=time.sleep)


async def test_messages_to_one_teams_conversation_go_seven_a_second() -> None:
    time = VirtualTime()

    times = await send_times(time, pacer_in(time), [to("a:1")] * 15)

    assert times == pytest.approx([n / 7 for n in range(15)])


async def test_one_teams_tenant_gets_thirty_a_second_and_another_tenant_is_not_held_up() -> None:
    time = VirtualTime()
    busy = [to(f"a:{n}") for n in range(60)]
    other = [to("a:elsewhere", tenant="tenant-b")]

    times = await send_times(time, pacer_in(time), busy + other)

    assert sorted(times[:60]) == pytest.approx([n / 30 for n in range(60)])
    assert times[60] == 0.0


async def test_a_slack_channel_gets_one_a_second_and_channels_do_not_wait_for_each_other() -> None:
    time = VirtualTime()
    targets = [to("D1", tenant="T1", channel="slack"), to("D2", tenant="T1", channel="slack")] * 3

    times = await send_times(time, pacer_in(time), targets)

    assert times == pytest.approx([0, 0, 1, 1, 2, 2])


async def test_retry_after_pauses_that_conversation_only() -> None:
    time = VirtualTime()
    pacer = pacer_in(time)

    pacer.back_off(to("a:1"), 4.0)
    times = await send_times(time, pacer, [to("a:1"), to("a:2")])

    assert times == pytest.approx([4.0, 0.0])


async def test_stopping_abandons_every_wait_at_once() -> None:
    time = VirtualTime()
    pacer = pacer_in(time)
    waits = [asyncio.ensure_future(pacer.wait(to("a:1"))) for _ in range(3)]
    await asyncio.sleep(0)

    pacer.stop()
    results = await asyncio.gather(*waits, return_exceptions=True)

    assert results[0] is None
    assert [type(r).__name__ for r in results[1:]] == ["Abandoned", "Abandoned"]
    assert time.now == 0.0


# -- the loop over a store -----------------------------------------------------------------------------------------


async def _say(ctx: JobContext, job: ScheduledJob) -> Message:
    return Message(ToPerson(job.payload["user"]), Notice(text=f"hello {job.payload['user']}"))


HANDLERS = {"reminder": JobHandler(compose=_say)}


@dataclass
class Process:
    """One run of the bot: a store over shared data, a runner, a pacer and the scheduler loop."""

    store: Store
    scheduler: Scheduler
    pacer: RatePacer


class Rig:
    def __init__(self, make_store: MakeStore, outbound: RecordingOutbound, clock: ManualClock, time: VirtualTime) -> None:
        self.make_store, self.outbound, self.clock, self.time = make_store, outbound, clock, time

    async def start(
        self, owner: str, *, batch: int = 200, drain: float = 10.0, limits: Limits | None = Limits(1.0, 1.0)
    ) -> Process:
        """A process whose pacer allows one send a second in the tenant (or, with no limits, any number)."""
        store = self.make_store()
        await store.open()
        pacer = RatePacer({} if limits is None else {"teams": limits}, monotonic=self.time.monotonic, sleep=self.time.sleep)
        runner = JobRunner(
            store, {"teams": self.outbound}, HANDLERS, framework=FRAMEWORK, clock=self.clock, owner=owner,
            lease=LEASE, pacer=pacer,
        )
        return Process(store, Scheduler(store, runner, self.clock, pacer=pacer, batch=batch, drain=drain), pacer)

    async def add_people(self, store: Store, count: int) -> None:
        for n in range(count):
            await remember(store, TENANT, personal(f"29:p{n}"))
            await store.add_job(ScheduledJob(id=f"job-{n}", team=TEAM, kind="reminder", due_at=NOW, payload={"user": f"29:p{n}"}))

    def recipients(self) -> list[str]:
        return sorted(str(d.to.user_id) for d in self.outbound.sent)


@pytest.fixture
def rig(memory_stores: MakeStore) -> Rig:
    return Rig(memory_stores, RecordingOutbound(NOW), ManualClock(NOW), VirtualTime())


async def _start_loop(process: Process) -> AsyncIterator[None]:
    lifecycle = process.scheduler.lifecycle(None)  # type: ignore[arg-type]
    await anext(lifecycle)
    return lifecycle


async def test_a_batch_is_bounded_and_the_rest_waits_for_the_next_tick(rig: Rig) -> None:
    first = await rig.start("first", batch=2, limits=None)
    await rig.add_people(first.store, 5)

    outcomes = await rig.time.run(first.scheduler.tick())

    assert outcomes == [["sent", "sent"]]
    assert len(rig.outbound.sent) == 2


async def test_a_restart_in_the_middle_of_a_batch_sends_every_job_once(rig: Rig) -> None:
    first = await rig.start("first")
    await rig.add_people(first.store, 5)
    lifecycle = await _start_loop(first)
    for _ in range(20):
        await asyncio.sleep(0)
    assert len(rig.outbound.sent) == 1, "one send goes at once; the others wait for the tenant's next slots"

    with pytest.raises(StopAsyncIteration):
        await anext(lifecycle)
    await first.store.close()
    rig.clock.advance(LEASE)
    second = await rig.start("second")
    (outcomes,) = await rig.time.run(second.scheduler.tick())

    assert sorted(outcomes) == ["sent"] * 4
    assert rig.recipients() == [f"29:p{n}" for n in range(5)]


async def test_a_crash_with_a_send_in_flight_leaves_that_job_uncertain_and_sends_no_job_twice(rig: Rig) -> None:
    first = await rig.start("first", drain=0.0, limits=None)
    await rig.add_people(first.store, 3)
    hang = asyncio.Event()
    real_send = rig.outbound.send

    async def delivered_then_hang(target: ConversationRef, view: View) -> MessageRef:
        sent = await real_send(target, view)
        if target.user_id == "29:p1":
            await hang.wait()
        return sent

    rig.outbound.send = delivered_then_hang  # type: ignore[method-assign]
    lifecycle = await _start_loop(first)
    for _ in range(20):
        await asyncio.sleep(0)
    with pytest.raises(StopAsyncIteration):
        await anext(lifecycle)
    await first.store.close()
    rig.outbound.send = real_send  # type: ignore[method-assign]

    rig.clock.advance(LEASE)
    second = await rig.start("second")
    (outcomes,) = await rig.time.run(second.scheduler.tick())

    assert outcomes == ["uncertain"]
    assert rig.recipients() == ["29:p0", "29:p1", "29:p2"]
    job = await second.store.get_job(TEAM, "job-1")
    assert job is not None and job.status == "uncertain"
