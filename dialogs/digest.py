"""The channel digest: measuring a group, `digest` on demand, and leads setting or stopping the weekly schedule.

The digest itself is posted outside the turn, by a job (dialogs/group_jobs.py), so asking for one and the weekly
one take the same path: headline, thread, and the leads' private list. Diagram: digest.mmd.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot import messages as say
from bot.framework import Framework
from bot.keys import AssessmentKey, TeamKey
from bot.models import Assessment, DigestPost, DigestSchedule, ScheduledJob, Team
from bot.services import calibration, digest_schedule, groups, shared
from bot.services.digest import Digest, Period, compute_in_parts
from bot.store import Store
from bot.views import Notice
from dialogs.flow import FlowContext, FlowResult, leads_to
from dialogs.where import here

_SCHEDULE = re.compile(r"^(?P<day>[a-z]+)\s+(?:at\s+)?(?P<hour>[0-2]?\d)[:.]?(?P<minute>[0-5]\d)$")


@dataclass(frozen=True)
class Measured:
    """A digest and the period it was measured over, which a post keeps so that its refreshes measure the same."""

    digest: Digest
    period: Period


def local_now(team: Team, now: datetime) -> datetime:
    """The group's wall-clock time: its date decides what is overdue, its hour reads as 'updated at'."""
    return now.astimezone(ZoneInfo(team.time_zone))


def _period(post: DigestPost | None, assessment: Assessment, last_cycle: dict[str, float], *, kept: bool) -> Period:
    """A new digest counts from the last one (or the assessment's start); a refresh counts as its post did."""
    if post is None or post.assessment_id != assessment.id:
        return Period(since=assessment.created_at, baseline={}, last_cycle=last_cycle, first=True)
    if kept:
        return Period(since=post.since, baseline=post.baseline, last_cycle=last_cycle, first=post.first)
    return Period(since=post.posted_at, baseline=post.levels, last_cycle=last_cycle)


async def measured(
    store: Store, framework: Framework, space: TeamKey, team: Team, now: datetime, *, kept: bool = False
) -> Measured:
    """The group's digest now, over a new period or (`kept`) over the latest post's own period."""
    assessment = await shared.require_current(store, space, team)
    held = await shared.holdings(store, AssessmentKey(space, assessment.id), assessment)
    last = await calibration.last_cycle(store, framework, space, team, assessment)
    post = await store.get(space, DigestPost, digest_schedule.LATEST)
    period = _period(post, assessment, last, kept=kept)
    return Measured(await compute_in_parts(framework, team, held, period, now, local_now(team, now).date()), period)


async def measure(store: Store, framework: Framework, space: TeamKey, team: Team, now: datetime) -> Digest:
    """The group's digest as `status` and the participation view show it."""
    return (await measured(store, framework, space, team, now)).digest


@leads_to()
async def digest_now(ctx: FlowContext) -> FlowResult:
    """`digest`: any member asks for the digest now; it is posted in the group's channel, headline and thread."""
    space, team = await here(ctx)
    groups.require_member(team, ctx.user_id)
    await shared.require_current(ctx.store, space, team)
    if team.channel_conversation_id is None:
        return FlowResult(views=(Notice(text=say.DIGEST_NO_CHANNEL),))
    job = ScheduledJob(
        id=f"asked:{ctx.now:%Y%m%dT%H%M%S}:{ctx.user_id}", team=space, kind="digest", due_at=ctx.now,
        payload={"asked_by": ctx.user_id},
    )
    await ctx.store.add_job(job)
    return FlowResult(views=(Notice(text=say.DIGEST_COMING),))


def parse_schedule(text: str, current: DigestSchedule) -> DigestSchedule | None:
    """`monday 09:00`, `fri 14.30`, `tuesday at 8:15`; `off` stops the current one and `on` restarts it. Else None."""
    typed = " ".join(text.casefold().split())
    if typed in ("off", "on"):
        return current.model_copy(update={"enabled": typed == "on"})
    match = _SCHEDULE.match(typed)
    days = [day for day in say.WEEKDAYS if match and len(match["day"]) >= 3 and day.casefold().startswith(match["day"])]
    if match is None or len(days) != 1 or int(match["hour"]) > 23:
        return None
    return DigestSchedule(weekday=say.WEEKDAYS.index(days[0]), at=time(int(match["hour"]), int(match["minute"])))


@leads_to()
async def schedule(ctx: FlowContext, text: str) -> FlowResult:
    """`digest monday 09:00` or `digest off`: leads only; the next weekly digest follows the new schedule."""
    space, team = await here(ctx)
    wanted = parse_schedule(text, team.digest)
    if wanted is None:
        return FlowResult(views=(Notice(text=say.SCHEDULE_HOW),))
    team = await groups.set_schedule(ctx.store, space, ctx.user_id, wanted, ctx.now)
    await digest_schedule.schedule_weekly(ctx.store, space, team, ctx.now)
    if not wanted.enabled:
        return FlowResult(views=(Notice(text=say.SCHEDULE_OFF),))
    when = say.SCHEDULE_SET.format(day=say.WEEKDAYS[wanted.weekday], time=f"{wanted.at:%H:%M}", zone=team.time_zone)
    return FlowResult(views=(Notice(text=when),))
