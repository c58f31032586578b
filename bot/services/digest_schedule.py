"""When a group's digest goes out: its weekly occurrence in the group's own wall-clock time, and in-place refreshes.

A weekly digest is one persisted job per occurrence, named by its local date and the schedule it was made for, so
scheduling twice adds nothing and a job made for an old schedule is recognised and dropped when it fires. Answers
arriving after a digest ask for a refresh of its headline at the end of the current five-minute slot, so a burst of
answers costs one update, not one each.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.keys import TeamKey
from bot.models import DigestPost, DigestSchedule, ScheduledJob, Team
from bot.schedules import Weekly
from bot.store import Store

REFRESH_SLOT = timedelta(minutes=5)
LATEST = "latest"
HEADLINE = "headline"


def fingerprint(team: Team) -> str:
    """What a weekly job was scheduled for: weekday, local time and zone."""
    return f"{team.digest.weekday}-{team.digest.at:%H%M}-{team.time_zone}"


def next_weekly(schedule: DigestSchedule, zone: str, after: datetime) -> datetime:
    """The first `weekday` at local `at` strictly after `after`, as a UTC instant (bot/schedules.py's rule).

    Computed on the local calendar for each occurrence, never by adding seven days in UTC, so 09:00 stays 09:00
    across a clock change. Quiet hours, weekends and bank holidays are applied when the job runs.
    """
    found = Weekly(schedule.weekday, schedule.at, ZoneInfo(zone)).next_after(after)
    assert found is not None, "a weekly schedule never ends"
    return found


async def schedule_weekly(store: Store, space: TeamKey, team: Team, now: datetime) -> ScheduledJob | None:
    """Schedule the group's next weekly digest, unless it is switched off or has no channel to post in."""
    if not team.digest.enabled or team.channel_conversation_id is None:
        return None
    due = next_weekly(team.digest, team.time_zone, now)
    local_day = due.astimezone(ZoneInfo(team.time_zone)).date()
    job = ScheduledJob(
        id=f"digest:{local_day.isoformat()}:{fingerprint(team)}",
        team=space,
        kind="digest",
        due_at=due,
        payload={"schedule": fingerprint(team)},
    )
    return await store.add_job(job)


def still_wanted(job: ScheduledJob, team: Team) -> bool:
    """A weekly job fires only if the group still wants a digest on the schedule it was made for."""
    return team.digest.enabled and job.payload.get("schedule") == fingerprint(team)


def _slot(now: datetime) -> datetime:
    minutes = REFRESH_SLOT // timedelta(minutes=1)
    return now.replace(minute=now.minute - now.minute % minutes, second=0, microsecond=0)


async def request_refresh(store: Store, space: TeamKey, assessment_id: str, now: datetime) -> ScheduledJob | None:
    """After an answer, refresh the latest digest of this assessment in place at the end of the current slot."""
    post = await store.get(space, DigestPost, LATEST)
    if post is None or post.assessment_id != assessment_id:
        return None
    slot = _slot(now)
    return await store.add_job(refresh_job(space, post.headline.message_id, f"{slot:%Y%m%dT%H%M}", HEADLINE, slot + REFRESH_SLOT))


def refresh_job(space: TeamKey, headline: str, slot: str, part: str, due: datetime) -> ScheduledJob:
    """One message of a digest to update in place: its headline, or a reply by its place in the thread."""
    return ScheduledJob(
        id=f"refresh:{headline}:{slot}:{part}",
        team=space,
        kind="digest_refresh",
        due_at=due,
        payload={"headline": headline, "slot": slot, "part": part},
    )
