"""When Reflect is removed from a Slack workspace or a Teams scope: its jobs stop at once, and its data is purged
after a grace period, unless Reflect is installed again first.

A removal is recorded as an `Uninstalled` marker in the tenant's installation space, with a `purge` job due when the
grace period ends. The scope is the whole tenant (`*`, a Slack workspace) or one partition (a Teams team, group chat
or person's own space, which a Teams removal names). Any later sign of the app in that scope (an install event, or
any request from it) removes the marker and cancels the purge. The purge logs ids and counts only.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import ClassVar

from pydantic import AwareDatetime

from bot.keys import TeamKey, TenantKey
from bot.models import Document, Id, ScheduledJob, Team
from bot.store import Store

WHOLE_TENANT = "*"
INSTALL_SPACE = "reflect:installation"
PURGE_PREFIX = "purge:"
log = logging.getLogger("reflect.uninstall")


class Uninstalled(Document):
    """Reflect was removed from this scope at `since`; its data goes at `purge_at` unless it is installed again."""

    table: ClassVar[str] = "uninstalled"
    scope: Id
    since: AwareDatetime
    purge_at: AwareDatetime

    @property
    def doc_id(self) -> str:
        return self.scope


def install_space(tenant: TenantKey) -> TeamKey:
    """Where a tenant's uninstall markers and purge jobs live; a name no channel, team or person id can take."""
    return TeamKey(tenant, INSTALL_SPACE)


def _in_scope(job: ScheduledJob, scope: str) -> bool:
    return job.kind != "purge" and (scope == WHOLE_TENANT or job.team.team_id == scope)


async def stop_jobs(store: Store, tenant: TenantKey, scope: str) -> int:
    """Cancel every job of the scope that has not started sending; returns how many were stopped."""
    stopped = 0
    for job in await store.jobs_of(tenant, None if scope == WHOLE_TENANT else scope):
        if _in_scope(job, scope) and job.status in ("pending", "claimed"):
            after = await store.cancel_job(job.team, job.id)
            stopped += after is not None and after.status == "cancelled"
    return stopped


async def removed(store: Store, tenant: TenantKey, scope: str, now: datetime, grace: timedelta) -> Uninstalled:
    """Stop the scope's jobs and schedule its purge; a repeated removal keeps the first one's date."""
    space = install_space(tenant)
    marker = await store.update(
        space, Uninstalled, scope, lambda current: current or Uninstalled(scope=scope, since=now, purge_at=now + grace)
    )
    stopped = await stop_jobs(store, tenant, scope)
    job = await store.add_job(
        ScheduledJob(id=PURGE_PREFIX + scope, team=space, kind="purge", due_at=marker.purge_at, payload={"scope": scope})
    )
    if job.status != "pending":
        await store.reschedule_job(space, job.id, marker.purge_at)
    log.info("removed from %s tenant %s scope %s: %d jobs stopped, purge due %s",
             tenant.platform, tenant.tenant_id, scope, stopped, marker.purge_at.isoformat())
    return marker


async def seen(store: Store, tenant: TenantKey, scope: str) -> bool:
    """The app is present in `scope` (or, for `*`, anywhere in the tenant): a pending purge that covers it is cancelled.

    One read of the tenant's installation space per call; True when a purge was cancelled.
    """
    space = install_space(tenant)
    pending = [m for m in await store.find(space, Uninstalled) if scope == WHOLE_TENANT or m.scope in (scope, WHOLE_TENANT)]
    for marker in pending:
        await store.cancel_job(space, PURGE_PREFIX + marker.scope)
        await store.delete(space, Uninstalled, marker.scope)
        log.info("reinstalled in %s tenant %s scope %s: purge cancelled", tenant.platform, tenant.tenant_id, marker.scope)
    return bool(pending)


async def _forget_team(store: Store, team: TeamKey) -> int:
    """A team partition, its members' index entries and a linked channel's own space; returns documents removed."""
    group = await store.get(team, Team, team.team_id)
    extra = 0
    if group is not None:
        for member in (*group.members, *group.former):
            await store.set_membership(team, member.user_id, None)
        channel = group.channel_conversation_id
        if channel is not None and channel != team.team_id:
            extra = await store.drop_team(TeamKey(team.tenant, channel))
    return extra + await store.drop_team(team)


async def purge(store: Store, purge_job: ScheduledJob, now: datetime) -> None:
    """Delete the scope's data and jobs if its marker still stands and is due (a reinstall removed it otherwise)."""
    tenant, scope = purge_job.team.tenant, purge_job.payload.get("scope", "")
    marker = await store.get(purge_job.team, Uninstalled, scope)
    if marker is None or marker.purge_at > now:
        return
    jobs = [job for job in await store.jobs_of(tenant) if _in_scope(job, scope) and job.status != "sending"]
    for job in jobs:
        await store.remove_job(job.team, job.id)
    if scope == WHOLE_TENANT:
        documents = await store.drop_tenant(tenant)
    else:
        documents = await _forget_team(store, TeamKey(tenant, scope))
        await store.delete(purge_job.team, Uninstalled, scope)
    log.info("purged %s tenant %s scope %s: %d documents, %d jobs", tenant.platform, tenant.tenant_id, scope, documents, len(jobs))
