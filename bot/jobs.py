"""Scheduled work: what a job handler is, and the one cycle every due job goes through.

Handlers. A job names its kind; dialogs/jobs.py maps each kind to a `JobHandler`, whose functions build views from
services as a turn's steps do, and never send anything themselves:
- `compose(ctx, job)` returns the `Message` to send now (whom, what, and the recipient's working hours), or None
  when there is nothing to say any more (the job is then done). It may schedule what follows (the next weekly
  reminder) with `store.add_job`, which is idempotent by job id, so a retried compose adds nothing twice.
- `sent(ctx, job, message)` runs after a successful send and before the job is recorded done, with the sent message's
  reference (keep it to update the message in place later).
- `undelivered(ctx, job, why)` runs when the job ends without a known delivery: the recipient is unreachable, the
  send failed for good, or a send may or may not have happened (uncertain).

The cycle (`JobRunner.run`), for one due job, with time from the injected clock only:
1. claim it under a lease; of concurrent runners exactly one wins. A job whose lease ran out while sending comes
   back uncertain: it is reported, never sent again, because neither platform accepts an idempotency key;
2. compose; a job the recipient's working hours do not allow now (say a reminder missed while the bot was down,
   now falling in quiet hours) is moved to their next working moment, marked late if it missed its own time;
3. find the address, opening a direct conversation once for someone who never wrote;
4. wait for the pacer (platform rate limits), record `sending` while the lease still runs, send, run the handler's
   `sent` hook, record done. The hook runs first so that what it schedules (a digest's next thread reply) exists
   whenever the job is done: a crash in between leaves the job uncertain, never done with its sequel missing.
A failed send is retried with backoff honouring Retry-After, up to `RetryPolicy.max_attempts`; an unreachable
recipient is marked so and not written to until they next write; anything else is recorded as a permanent failure.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, Protocol

from bot.conversation_refs import (
    conversation_ref,
    is_reachable,
    mark_inactive,
    mark_unreachable,
    personal_ref,
    remember,
)
from bot.errors import DeliveryError, JobStateError, ReflectError, where
from bot.framework import Framework
from bot.keys import Platform, TenantKey
from bot.models import ConversationRef, JobKind, ScheduledJob, SentMessage
from bot.outbound import MessageRef, Outbound
from bot.store import Store
from bot.views import View
from bot.working_calendar import WorkingCalendar

Undelivered = Literal["unreachable", "failed", "uncertain"]
Outcome = Literal[
    "sent", "skipped", "deferred", "retrying", "failed", "unreachable", "uncertain", "taken", "lost", "broken"
]
"""How one run of the cycle ended. "taken": another runner had it; "lost": its lease ran out or it was cancelled
midway; "broken": the store or a handler failed, and the lease will free the job for another (bounded) try."""
log = logging.getLogger("reflect.jobs")


@dataclass(frozen=True)
class JobContext:
    """What a handler may use: the store, the framework, when this run happens, and whether the job is late.

    `calendar` is the deployment's default working time (settings), for a recipient whose own is not known.
    """

    store: Store
    framework: Framework
    now: datetime
    late: bool = False
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)


@dataclass(frozen=True)
class ToConversation:
    """A stored channel or group conversation, by its id."""

    conversation_id: str


@dataclass(frozen=True)
class ToPerson:
    """A person's personal conversation; `via` (a conversation they can be reached through) opens it if need be."""

    user_id: str
    via: ToConversation | ToPerson | None = None


Address = ToPerson | ToConversation


def anytime(instant: datetime) -> datetime:
    """Working hours for a recipient with none: any instant will do."""
    return instant


@dataclass(frozen=True)
class Message:
    """What a job sends and to whom; `working_time(t)` is the first instant at or after t the recipient may be written to.

    `thread` makes it a reply in the thread of that earlier message of the conversation (a channel digest's detail);
    `replaces` makes it a new rendering of an earlier message, updated in place instead of sent again.
    """

    to: Address
    view: View
    working_time: Callable[[datetime], datetime] = anytime
    thread: str | None = None
    replaces: SentMessage | None = None


async def _nothing(*_args: object) -> None:
    """The default for a handler hook it does not need."""


@dataclass(frozen=True)
class JobHandler:
    """One kind of job: how its message is composed, and what follows a send or a failed one (see module docstring)."""

    compose: Callable[[JobContext, ScheduledJob], Awaitable[Message | None]]
    sent: Callable[[JobContext, ScheduledJob, MessageRef], Awaitable[None]] = _nothing
    undelivered: Callable[[JobContext, ScheduledJob, Undelivered], Awaitable[None]] = _nothing


Handlers = Mapping[JobKind, JobHandler]


class Abandoned(ReflectError):
    """The scheduler is stopping: the job is left claimed and unsent, for its lease to free at the next start."""


class Pacer(Protocol):
    """Keeps requests within a platform's rate limits; adapters/scheduler.py has the real one."""

    async def wait(self, to: ConversationRef) -> None:
        """Return once one more request to `to` keeps within the limits of its conversation and tenant.

        Raises `Abandoned` once the scheduler is stopping.
        """

    def back_off(self, to: ConversationRef, seconds: float) -> None:
        """The platform asked for a pause in `to` (Retry-After)."""


class Unpaced:
    """No limits: for tests and single sends."""

    async def wait(self, to: ConversationRef) -> None:
        return None

    def back_off(self, to: ConversationRef, seconds: float) -> None:
        return None


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: exponential backoff with jitter, or exactly what Retry-After asks for."""

    max_attempts: int = 6
    first_delay: timedelta = timedelta(seconds=30)
    longest_delay: timedelta = timedelta(hours=1)
    late_after: timedelta = timedelta(minutes=15)
    """A job run this long after its due time missed it: it is sent marked late."""
    jitter: Callable[[], float] = field(default=random.random)

    def delay(self, attempts: int, retry_after: float | None) -> timedelta:
        """When to try again after `attempts` tries; a platform's Retry-After is honoured as given."""
        if retry_after is not None:
            return timedelta(seconds=retry_after)
        backoff = min(self.first_delay * 2 ** max(attempts - 1, 0), self.longest_delay)
        return backoff * (1 + self.jitter() / 4)


class JobRunner:
    """Runs due jobs through the cycle on behalf of one scheduler (`owner` names its leases)."""

    def __init__(
        self,
        store: Store,
        outbounds: Mapping[Platform, Outbound],
        handlers: Handlers,
        *,
        framework: Framework,
        clock: Callable[[], datetime],
        owner: str,
        lease: timedelta = timedelta(minutes=5),
        pacer: Pacer | None = None,
        policy: RetryPolicy | None = None,
        calendar: WorkingCalendar | None = None,
    ) -> None:
        self._store, self._outbounds, self._handlers = store, outbounds, handlers
        self._framework, self._clock, self.owner, self._lease = framework, clock, owner, lease
        self._pacer: Pacer = pacer or Unpaced()
        self._policy = policy or RetryPolicy()
        self._calendar = calendar or WorkingCalendar()

    async def run(self, job: ScheduledJob) -> Outcome:
        """One pass of the cycle for a job listed as due; never raises for a job's own failure."""
        claimed = await self._store.claim_job(job.team, job.id, owner=self.owner, now=self._clock(), lease=self._lease)
        if claimed is None:
            return "taken"
        try:
            if claimed.status == "uncertain":
                return await self._ended(claimed, "uncertain", "its lease ran out while sending")
            return await self._attempt(claimed)
        except (JobStateError, Abandoned):
            log.info("job %s lost: lease ran out, cancelled, or the scheduler is stopping", claimed.id)
            return "lost"
        except ReflectError as error:
            log.error("job %s broke: %s at %s", claimed.id, type(error).__name__, where(error))
            return "broken"

    async def _attempt(self, job: ScheduledJob) -> Outcome:
        if job.attempts > self._policy.max_attempts:
            return await self._ended(job, "failed", f"gave up after {job.attempts - 1} attempts")
        handler = self._handlers.get(job.kind)
        if handler is None:
            return await self._ended(job, "failed", f"no handler for {job.kind} jobs")
        ctx = self._context(job)
        message = await handler.compose(ctx, job)
        if message is None:
            await self._store.finish_job(job.team, job.id, owner=self.owner)
            return "skipped"
        allowed = message.working_time(ctx.now)
        if allowed > ctx.now:
            await self._store.defer_job(job.team, job.id, allowed, owner=self.owner, late=ctx.late)
            return "deferred"
        return await self._send(ctx, job, handler, message)

    async def _send(self, ctx: JobContext, job: ScheduledJob, handler: JobHandler, message: Message) -> Outcome:
        try:
            sent = await self._deliver(job, message)
        except DeliveryError as error:
            return await self._failed(job, error)
        await _follow_up(job, handler.sent(ctx, job, sent))
        await self._store.finish_job(job.team, job.id, owner=self.owner)
        return "sent"

    def _context(self, job: ScheduledJob) -> JobContext:
        now = self._clock()
        late = job.late or now - job.due_at > self._policy.late_after
        return JobContext(self._store, self._framework, now, late, self._calendar)

    async def _deliver(self, job: ScheduledJob, message: Message) -> MessageRef:
        """Address, pace, record `sending`, send: the only place a scheduled message leaves Reflect."""
        outbound = self._outbounds.get(job.team.tenant.platform)
        if outbound is None:
            raise DeliveryError("permanent", f"no outbound channel for {job.team.tenant.platform}")
        to = await self._address(job.team.tenant, message.to, outbound)
        await self._pacer.wait(to)
        await self._store.mark_sending(job.team, job.id, owner=self.owner, now=self._clock())
        try:
            return await _put(outbound, to, message)
        except DeliveryError as error:
            await self._after_refusal(job.team.tenant, to, error)
            raise

    async def _address(self, tenant: TenantKey, to: Address, outbound: Outbound) -> ConversationRef:
        """The stored conversation; for a person with none, one opened through `via` now and stored."""
        stored = await self._stored(tenant, to)
        if stored is not None:
            return _active(stored)
        if not isinstance(to, ToPerson) or to.via is None:
            raise DeliveryError("permanent", "no stored conversation to write to")
        if not await is_reachable(self._store, tenant, to.user_id):
            raise DeliveryError("unreachable", "marked unreachable until they write")
        via = await self._stored(tenant, to.via)
        if via is None:
            raise DeliveryError("permanent", "no stored conversation to open a direct one through")
        await self._pacer.wait(via)
        try:
            opened = await outbound.open_direct(to.user_id, via=via)
        except DeliveryError as error:
            if error.kind == "unreachable":
                await mark_unreachable(self._store, tenant, to.user_id, self._clock())
            raise
        return await remember(self._store, tenant, opened)

    async def _stored(self, tenant: TenantKey, to: Address) -> ConversationRef | None:
        if isinstance(to, ToConversation):
            return await conversation_ref(self._store, tenant, to.conversation_id)
        return await personal_ref(self._store, tenant, to.user_id)

    async def _after_refusal(self, tenant: TenantKey, to: ConversationRef, error: DeliveryError) -> None:
        """Remember what the platform said: stop writing to an unreachable conversation, pause on Retry-After."""
        if error.kind == "unreachable":
            await mark_inactive(self._store, tenant, to)
        elif error.retry_after is not None:
            self._pacer.back_off(to, error.retry_after)

    async def _failed(self, job: ScheduledJob, error: DeliveryError) -> Outcome:
        if error.kind == "unreachable":
            return await self._ended(job, "unreachable", error.detail)
        if error.kind == "permanent" or job.attempts >= self._policy.max_attempts:
            return await self._ended(job, "failed", error.detail)
        due = self._clock() + self._policy.delay(job.attempts, error.retry_after)
        await self._store.reschedule_job(job.team, job.id, due, owner=self.owner, error=error.detail)
        log.info("job %s will retry at %s: %s", job.id, due.isoformat(), error.detail)
        return "retrying"

    async def _ended(self, job: ScheduledJob, why: Undelivered, detail: str) -> Outcome:
        """Record a job that ends undelivered (an uncertain one stays uncertain) and tell its handler."""
        if why != "uncertain":
            await self._store.finish_job(job.team, job.id, owner=self.owner, error=f"{why}: {detail}")
        log.warning("job %s (%s) %s: %s", job.id, job.kind, why, detail)
        handler = self._handlers.get(job.kind)
        if handler is not None:
            await _follow_up(job, handler.undelivered(self._context(job), job, why))
        return why


async def _put(outbound: Outbound, to: ConversationRef, message: Message) -> MessageRef:
    """A new message, a reply in a thread, or a new rendering of one sent earlier, through the same port."""
    if message.replaces is not None:
        earlier = to.model_copy(update={"conversation_id": message.replaces.conversation_id})
        sent = MessageRef(conversation=earlier, message_id=message.replaces.message_id)
        await outbound.update(sent, message.view)
        return sent
    if message.thread is not None:
        return await outbound.reply(MessageRef(conversation=to, message_id=message.thread), message.view)
    return await outbound.send(to, message.view)


async def _follow_up(job: ScheduledJob, hook: Awaitable[None]) -> None:
    """Run a handler hook once the job's own fate is recorded; its failure is logged and changes nothing recorded."""
    try:
        await hook
    except ReflectError as error:
        log.warning("job %s: follow-up failed: %s at %s", job.id, type(error).__name__, where(error))


def _active(ref: ConversationRef) -> ConversationRef:
    if not ref.active:
        raise DeliveryError("unreachable", "marked unreachable until they write")
    return ref
