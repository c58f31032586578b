"""Serve a bot in its own process for a benchmark, and read that process's CPU time.

A bot that shares a process with its load generator and fake services is charged for their work and competes with
them for one interpreter lock; here it gets a process of its own, started the way it is deployed (`python app.py`
with environment variables), and the benchmark reads the CPU time the kernel charged to that process.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 30.0
STOP_SECONDS = 30.0
_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def machine_load() -> str:
    """The 1-minute load average against the core count: above the core count, other work competed for the CPUs."""
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def free_port() -> int:
    """A loopback port nobody is listening on now (the bot binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process and all its threads, from /proc (10 ms resolution)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS_PER_SECOND


@dataclass(frozen=True)
class ServedBot:
    """A bot process, where it listens and where it logs."""

    name: str
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def cpu(self) -> float:
        return cpu_seconds(self.process.pid)


def local_env(port: int, data_dir: Path, **extra: str) -> dict[str, str]:
    """Reflect's local mode on a loopback port, logging as in production (INFO, to a file)."""
    keep = {name: value for name, value in os.environ.items() if not name.startswith(("REFLECT_", "MICROSOFT_", "SLACK_"))}
    return {
        **keep,
        "REFLECT_LOCAL_MODE": "true",
        "REFLECT_HOST": "127.0.0.1",
        "REFLECT_PORT": str(port),
        "REFLECT_DATA_DIR": str(data_dir),
        "REFLECT_LOG_LEVEL": "INFO",
        **extra,
    }


@asynccontextmanager
async def served(name: str, script: Path, args: list[str], env: dict[str, str], folder: Path) -> AsyncIterator[ServedBot]:
    """Start `python script args` in `folder` (so no stray .env is read), wait for /healthz, stop it with SIGINT.

    A bot still draining a backlog after STOP_SECONDS is killed: the benchmark has what it measured.
    """
    folder.mkdir(parents=True, exist_ok=True)
    log_path = folder / f"{name}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, str(script), *args], cwd=folder, env=env, stdout=log, stderr=log)
    bot = ServedBot(name, process, f"http://127.0.0.1:{env['REFLECT_PORT']}", log_path)
    try:
        await _wait_until_healthy(bot)
        yield bot
    finally:
        process.send_signal(signal.SIGINT)
        try:
            await asyncio.to_thread(process.wait, STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait)


async def _wait_until_healthy(bot: ServedBot) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(int(STARTUP_SECONDS * 10)):
            if bot.process.poll() is not None:
                raise RuntimeError(f"{bot.name} exited with {bot.process.returncode}; see its log")
            try:
                async with session.get(f"{bot.url}/healthz") as reply:
                    if reply.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{bot.name} did not answer /healthz")
