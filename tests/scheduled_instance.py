"""A Reflect instance for the many-instance scheduling tests: app.py's app, with a clock the test can move forward.

Scheduled messages respect working time, so the clock starts at START (a working Tuesday morning in London) and
runs at real speed from ORIGIN, a wall-clock moment the test gives every instance, so all of them agree on the
time. Each SIGUSR1 moves it JUMP forward: leases run out without the test waiting five minutes.

Usage: python -m tests.scheduled_instance ORIGIN, with app.py's environment (REFLECT_DATABASE_URL, REFLECT_PORT…).
"""

from __future__ import annotations

import signal
import sys
import time
from datetime import UTC, datetime, timedelta

from aiohttp import web

from app import create_app, tune_collector
from bot.config import load_settings

START = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
JUMP = timedelta(minutes=6)
"""Longer than the scheduler's five-minute lease (bot/jobs.py)."""


class JumpingClock:
    """START plus the real time elapsed since ORIGIN, plus JUMP for every SIGUSR1 received."""

    def __init__(self, origin: float) -> None:
        self._origin = origin
        self._jumped = timedelta(0)

    def __call__(self) -> datetime:
        return START + timedelta(seconds=time.time() - self._origin) + self._jumped

    def jump(self, *_signal: object) -> None:
        self._jumped += JUMP


def main(origin: float) -> None:
    settings = load_settings()
    clock = JumpingClock(origin)
    signal.signal(signal.SIGUSR1, clock.jump)
    app = create_app(settings, clock=clock)
    tune_collector()
    web.run_app(app, host=settings.host, port=settings.port, print=None)


if __name__ == "__main__":
    main(float(sys.argv[1]))
