"""Reminders over HTTP: take an action in a chat, then let the scheduler run each due job at its own time.

The clock is moved straight to the next job's time (never slept through), so a test reads when each reminder
actually went out, in UTC, against the local times it expects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from adapters.http import SCHEDULER, STORE
from bot.jobs import Outcome
from bot.models import ScheduledJob
from tests.harness import RunningBot, Sent, TeamsChat
from tests.manual_clock import ManualClock
from tests.slack_harness import RunningSlackBot

LONDON = ZoneInfo("Europe/London")
FAR = datetime(2100, 1, 1, tzinfo=UTC)


def london(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON).astimezone(UTC)


@dataclass(frozen=True)
class Ran:
    """One scheduler pass: when it ran, which kinds of job it ran, and how each ended."""

    at: datetime
    kinds: tuple[str, ...]
    outcomes: tuple[Outcome, ...]


async def next_job(bot: RunningBot | RunningSlackBot) -> ScheduledJob | None:
    due = await bot.app[STORE].due_jobs(FAR, limit=1)
    return due[0] if due else None


async def run_jobs(bot: RunningBot | RunningSlackBot, clock: ManualClock, *, until: datetime) -> list[Ran]:
    """Move the clock to each job's time in turn, up to `until`, and run the scheduler there."""
    passes: list[Ran] = []
    while (job := await next_job(bot)) is not None and job.ready_at is not None and job.ready_at <= until:
        clock.set(max(clock(), job.ready_at))
        kinds = tuple(j.kind for j in await bot.app[STORE].due_jobs(clock(), limit=200))
        passes.append(Ran(clock(), kinds, tuple(await bot.app[SCHEDULER].run_now())))
    return passes


def sent_times(passes: list[Ran], kind: str = "reminder") -> list[datetime]:
    return [p.at for p in passes if kind in p.kinds and "sent" in p.outcomes]


async def take_an_action(chat: TeamsChat) -> None:
    """Start an assessment in a personal chat, rate 4a and take its first idea: a quick win due in 14 days."""
    (subject,) = await chat.say("start")
    (focus,) = await chat.tap(subject, "Whole system")
    (footprint,) = await chat.tap(focus, "Strategic")
    (stance,) = await chat.tap(footprint, "Place")
    (phases,) = await chat.tap(stance, "Planning new work")
    (card,) = await chat.tap(phases, "Prepare · 0/3")
    (evidence,) = await chat.tap(card, "Developing")
    (ideas,) = await chat.tap(evidence, "No evidence now")
    await chat.tap(ideas, "Add idea 1")


def reminders_to(bot: RunningBot, conversation: str) -> list[Sent]:
    """Every card the bot sent into a conversation outside a turn's replies too (the scheduler's sends)."""
    return [
        Sent(r.reply["id"], r.body)
        for r in bot.connector.requests
        if r.kind == "send" and r.status == 200 and r.reply and r.body["conversation"]["id"] == conversation
        and (Sent(r.reply["id"], r.body).title or "").startswith(("Coming up", "Due today", "Overdue"))
    ]


def days(n: int) -> timedelta:
    return timedelta(days=n)
