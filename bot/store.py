"""The async store interface: all that callers see of persistence.

Implementations provide three primitives (get, update, find) scoped to one team
partition, and the same three for records outside any team: a tenant's own scope
(memberships, inbound deliveries) and the one global job table. Everything else is
built on those here, with the rules taken from the models, so the TinyDB, memory and
planned PostgreSQL stores share one behaviour and one contract test suite.
"""

from __future__ import annotations

import asyncio
import json
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import TracebackType
from typing import Self, TypeVar

from bot.errors import JobStateError
from bot.keys import AssessmentKey, TeamKey, TenantKey
from bot.models import READY_STATUSES, Answer, Document, Response, Role, ScheduledJob, response_id
from bot.records import ActionSpaces, Delivery, Membership, PastMemberships, delivery_id

D = TypeVar("D", bound=Document)
RecordScope = TenantKey | None
"""Where a record outside the team partitions lives: its tenant's own scope, or None for the global job table."""


@dataclass(frozen=True)
class StoreHealth:
    """What /healthz says about the store: `ok` False makes it answer 503, `checks` say why in a few words."""

    ok: bool
    checks: dict[str, str] = field(default_factory=dict)


class Store(ABC):
    """Documents partitioned by team; a call can only ever see the partition its key names.

    Subclasses that define `__init__` must call `super().__init__()`.
    """

    def __init__(self) -> None:
        self._next_prune: dict[TenantKey, datetime] = {}

    async def open(self) -> None:
        """Acquire files or connections; called once before use."""

    async def close(self) -> None:
        """Flush and release everything; called once on shutdown."""

    async def health(self) -> StoreHealth:
        """Whether the store can serve requests now; a store with nothing outside the process is always ok."""
        return StoreHealth(ok=True)

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @abstractmethod
    async def get(self, team: TeamKey, kind: type[D], doc_id: str) -> D | None:
        """Return a copy of one document, or None; mutating it never changes the store."""

    @abstractmethod
    async def update(self, team: TeamKey, kind: type[D], doc_id: str, change: Callable[[D | None], D]) -> D:
        """Atomic read-modify-write of one document.

        `change` gets the current document (or None) and returns the new one; raise
        inside it to abort with nothing written. Returns only once the write is durable.
        """

    @abstractmethod
    async def find(self, team: TeamKey, kind: type[D], **where: object) -> list[D]:
        """Documents of one kind in one team whose top-level fields equal the given values."""

    @abstractmethod
    async def delete(self, team: TeamKey, kind: type[Document], doc_id: str) -> bool:
        """Remove one document durably; True if there was one (erasure requests and purges need a real delete)."""

    @abstractmethod
    async def drop_team(self, team: TeamKey) -> int:
        """Remove a team partition and everything in it; returns how many documents went."""

    @abstractmethod
    async def drop_tenant(self, tenant: TenantKey) -> int:
        """Remove every team partition of a tenant and its own scope (memberships, deliveries); returns the count.

        The global job table is left to `jobs_of` and `remove_job`, which every store shares.
        """

    async def put(self, team: TeamKey, doc: Document) -> None:
        """Create or replace a document, durably."""
        await self.update(team, type(doc), doc.doc_id, lambda _current: doc)

    async def record_answer(self, key: AssessmentKey, answer: Answer) -> Response:
        """Store an answer, keeping any earlier version in the response's history."""

        def apply(current: Response | None) -> Response:
            return Response.first(key.assessment_id, answer) if current is None else current.revise(answer)

        doc_id = response_id(key.assessment_id, answer.section, answer.author_id)
        return await self.update(key.team, Response, doc_id, apply)

    async def responses(self, key: AssessmentKey) -> list[Response]:
        """Every current answer in an assessment, by anyone."""
        return await self.find(key.team, Response, assessment_id=key.assessment_id)

    # -- records outside the team partitions: what each implementation provides ----------

    @abstractmethod
    async def _get_record(self, scope: RecordScope, kind: type[D], record_id: str) -> D | None:
        """A copy of one record in a tenant's scope or the global job table, or None."""

    @abstractmethod
    async def _change_record(
        self, scope: RecordScope, kind: type[D], record_id: str, change: Callable[[D | None], D | None]
    ) -> tuple[D | None, D | None]:
        """Atomic, durable read-modify-write like `update`; `change` returning None removes the record.

        Returns the record before and after, so a caller can tell whether its change took.
        A change that returns the record unchanged writes nothing.
        """

    @abstractmethod
    async def _find_records(self, scope: RecordScope, kind: type[D], **where: object) -> list[D]:
        """Records of one kind in one scope whose top-level fields equal the given values."""

    # -- scheduled jobs -----------------------------------------------------------------

    async def add_job(self, job: ScheduledJob) -> ScheduledJob:
        """Schedule a job once: adding an id that exists (even finished) returns the stored job untouched."""
        _, stored = await self._change_record(
            None, ScheduledJob, _job_id(job.team, job.id), lambda current: job if current is None else current
        )
        assert stored is not None
        return stored

    async def get_job(self, team: TeamKey, job_id: str) -> ScheduledJob | None:
        return await self._get_record(None, ScheduledJob, _job_id(team, job_id))

    async def due_jobs(self, before: datetime, *, limit: int = 100) -> list[ScheduledJob]:
        """Jobs ready at `before` in every tenant and team, oldest first: the one deliberately global query.

        Ready means pending and due, or holding a lease that has run out (claiming one left mid-send
        marks it uncertain rather than handing it out).
        """
        ready = [
            job
            for status in READY_STATUSES
            for job in await self._find_records(None, ScheduledJob, status=status)
            if job.is_ready(before)
        ]
        ready.sort(key=lambda job: (job.ready_at, _job_id(job.team, job.id)))
        return ready[:limit]

    async def claim_job(
        self, team: TeamKey, job_id: str, *, owner: str, now: datetime, lease: timedelta
    ) -> ScheduledJob | None:
        """Lease a ready job to `owner`; of several concurrent claimers exactly one gets it.

        Returns the job when this call changed it: claimed for `owner` to run, or (its lease having
        run out mid-send) now uncertain, for `owner` to report and never send. Otherwise None.
        """
        claim = _if_present(lambda job: job.claimed(owner, now, lease))
        before, after = await self._change_record(None, ScheduledJob, _job_id(team, job_id), claim)
        return None if after is None or after == before else after

    async def claim_due_jobs(
        self, *, owner: str, now: datetime, lease: timedelta, limit: int = 100
    ) -> list[ScheduledJob]:
        """Claim up to `limit` jobs ready at `now` for `owner`, oldest first, as `claim_job` claims each.

        Concurrent claimers, in one process or many, never get the same job. A store that can
        lock several rows at once overrides this with one query.
        """
        won = [
            await self.claim_job(job.team, job.id, owner=owner, now=now, lease=lease)
            for job in await self.due_jobs(now, limit=limit)
        ]
        return [job for job in won if job is not None]

    async def mark_sending(self, team: TeamKey, job_id: str, *, owner: str, now: datetime) -> ScheduledJob:
        """Record, before sending, that a send may happen; raises JobStateError unless `owner` holds a live lease."""
        return await self._change_job(team, job_id, lambda job: job.sending(owner, now))

    async def finish_job(self, team: TeamKey, job_id: str, *, owner: str, error: str | None = None) -> ScheduledJob:
        """Done, or failed for good when `error` is given; raises JobStateError unless `owner` holds the job."""
        return await self._change_job(team, job_id, lambda job: job.finished(owner, error))

    async def reschedule_job(
        self,
        team: TeamKey,
        job_id: str,
        due_at: datetime,
        *,
        owner: str | None = None,
        error: str | None = None,
    ) -> ScheduledJob:
        """Pending again at `due_at`; with `owner` a retry by the lease holder, without it a fresh start.

        Raises JobStateError if the job is missing, `owner` does not hold it, or (without `owner`) it is being sent.
        """
        return await self._change_job(team, job_id, lambda job: job.rescheduled(due_at, owner, error))

    async def defer_job(self, team: TeamKey, job_id: str, until: datetime, *, owner: str, late: bool) -> ScheduledJob:
        """Move a job, not yet sending, to `until` (out of quiet hours), marking it late if it missed its time.

        Raises JobStateError unless `owner` holds it and has not started sending.
        """
        return await self._change_job(team, job_id, lambda job: job.deferred(owner, until, late=late))

    async def cancel_job(self, team: TeamKey, job_id: str) -> ScheduledJob | None:
        """Stop a job that has not started sending; returns it as it now stands, or None if there is none."""
        cancel = _if_present(lambda job: job.cancelled())
        _, after = await self._change_record(None, ScheduledJob, _job_id(team, job_id), cancel)
        return after

    async def jobs_of(self, tenant: TenantKey, team_id: str | None = None) -> list[ScheduledJob]:
        """Every job of a tenant (or of one of its teams), in any status: what an uninstall or an erasure stops."""
        return [
            job
            for job in await self._find_records(None, ScheduledJob)
            if job.team.tenant == tenant and (team_id is None or job.team.team_id == team_id)
        ]

    async def remove_job(self, team: TeamKey, job_id: str) -> bool:
        """Delete a job record for good (a purge); True if there was one."""
        before, _ = await self._change_record(None, ScheduledJob, _job_id(team, job_id), lambda _current: None)
        return before is not None

    async def _change_job(
        self, team: TeamKey, job_id: str, rule: Callable[[ScheduledJob], ScheduledJob]
    ) -> ScheduledJob:
        def change(job: ScheduledJob | None) -> ScheduledJob:
            if job is None:
                raise JobStateError(f"there is no job {job_id} in this team")
            return rule(job)

        _, after = await self._change_record(None, ScheduledJob, _job_id(team, job_id), change)
        assert after is not None
        return after

    # -- memberships --------------------------------------------------------------------

    async def set_membership(self, team: TeamKey, user_id: str, role: Role | None) -> None:
        """Record a person's role in a team, or with None that they left it; call with every change to Team.members."""

        def change(current: Membership | None) -> Membership | None:
            return Membership.changed(current, user_id, team.team_id, role)

        await self._change_record(team.tenant, Membership, user_id, change)

    async def teams_of(self, tenant: TenantKey, user_id: str) -> list[tuple[TeamKey, Role]]:
        """The teams a person belongs to in this tenant, with their role, by team id."""
        found = await self._get_record(tenant, Membership, user_id)
        teams = sorted(found.teams.items()) if found is not None else []
        return [(TeamKey(tenant=tenant, team_id=team_id), role) for team_id, role in teams]

    async def set_former(self, team: TeamKey, user_id: str, former: bool) -> None:
        """Record that a person left a team (True), or that nothing of theirs is kept there any more (False)."""

        def change(current: PastMemberships | None) -> PastMemberships | None:
            return PastMemberships.changed(current, user_id, team.team_id, former)

        await self._change_record(team.tenant, PastMemberships, user_id, change)

    async def former_teams_of(self, tenant: TenantKey, user_id: str) -> list[TeamKey]:
        """The teams a person has left in this tenant, by team id."""
        found = await self._get_record(tenant, PastMemberships, user_id)
        return [TeamKey(tenant=tenant, team_id=team_id) for team_id in (found.teams if found is not None else ())]

    async def forget_person_records(self, tenant: TenantKey, user_id: str) -> None:
        """Remove the tenant-wide records kept under a person's id: their memberships, the groups they left, and where
        their actions are (an erasure, once every group has been dealt with)."""
        for kind in (Membership, PastMemberships, ActionSpaces):
            await self._change_record(tenant, kind, user_id, lambda _current: None)

    # -- where a person's actions are ----------------------------------------------------

    async def add_action_space(self, team: TeamKey, user_id: str) -> None:
        """Note that the person owns an action in `team`; a space already noted writes nothing."""
        await self._change_record(
            team.tenant, ActionSpaces, user_id, lambda current: ActionSpaces.with_space(current, user_id, team.team_id)
        )

    async def action_spaces(self, tenant: TenantKey, user_id: str) -> list[TeamKey]:
        """Every partition in this tenant where the person has owned an action, in the order they were noted."""
        found = await self._get_record(tenant, ActionSpaces, user_id)
        return [TeamKey(tenant=tenant, team_id=team_id) for team_id in (found.spaces if found else ())]

    # -- inbound deduplication ----------------------------------------------------------

    async def claim_delivery(
        self, tenant: TenantKey, key: str, now: datetime, ttl: timedelta, *, owner: str | None = None
    ) -> bool:
        """True if this delivery is new (or its earlier claim expired) and the caller should process it.

        Of concurrent claims of one key exactly one gets True; the claim survives a restart, so a
        retry after a crash is still caught. Expired claims are pruned at most once per `ttl`.
        `owner` (an `owner_tag`) names whose turn it is, for `forget_deliveries`.
        """
        if ttl <= timedelta(0):
            raise ValueError("a delivery claim needs a positive ttl")
        record_id = delivery_id(key)
        before, after = await self._change_record(
            tenant, Delivery, record_id, lambda current: Delivery.claimed(current, record_id, now, ttl, owner)
        )
        await self._prune_deliveries(tenant, now, ttl)
        return after != before

    async def forget_deliveries(self, tenant: TenantKey, owner: str, *, keep: timedelta) -> int:
        """Remove a person's claims, except those made within `keep` of their newest (the turn asking for it, which
        must still catch its own redelivery); returns how many went."""
        theirs = await self._find_records(tenant, Delivery, owner=owner)
        newest = max((claim.expires_at for claim in theirs), default=None)
        gone = [claim for claim in theirs if newest is not None and claim.expires_at < newest - keep]
        for claim in gone:
            await self._change_record(tenant, Delivery, claim.doc_id, lambda _current: None)
        return len(gone)

    async def release_delivery(self, tenant: TenantKey, key: str) -> None:
        """Forget a claim whose processing failed, so the platform's retry is processed after all."""
        await self._change_record(tenant, Delivery, delivery_id(key), lambda _current: None)

    async def _prune_deliveries(self, tenant: TenantKey, now: datetime, ttl: timedelta) -> None:
        """Remove expired claims, at most once per `ttl` per tenant, so the index holds about one ttl's worth."""
        if now < self._next_prune.get(tenant, now):
            return
        self._next_prune[tenant] = now + ttl
        expired = [d.doc_id for d in await self._find_records(tenant, Delivery) if d.is_expired(now)]
        await asyncio.gather(*(self._change_record(tenant, Delivery, i, _unless_renewed(now)) for i in expired))


def _job_id(team: TeamKey, job_id: str) -> str:
    """Job ids are unique within a team; the global table keys them by tenant and team too."""
    return json.dumps([team.tenant.platform, team.tenant.tenant_id, team.team_id, job_id], ensure_ascii=False)


def _if_present(rule: Callable[[ScheduledJob], ScheduledJob]) -> Callable[[ScheduledJob | None], ScheduledJob | None]:
    """A job rule that leaves a missing job missing."""
    return lambda job: None if job is None else rule(job)


def _unless_renewed(now: datetime) -> Callable[[Delivery | None], Delivery | None]:
    """Removes an expired claim, but keeps one that a new delivery renewed since it was listed."""
    return lambda current: None if current is None or current.is_expired(now) else current
