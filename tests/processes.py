"""Reflect in processes of its own on one PostgreSQL database, for the many-instance and start-up tests.

One place starts an instance on a free loopback port, waits until it answers `/healthz` and stops it, so every test
that needs real processes starts them the same way. Each instance's log goes to a file beside its data folder, for
reading after a failure.
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

REPO = Path(__file__).resolve().parent.parent
HEALTHY_WITHIN_SECONDS = 120.0
"""Start-up can take long on a loaded machine; the bound only guards against a hung test."""


@dataclass
class Instance:
    process: subprocess.Popen[bytes]
    url: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(args: list[str], database_url: str, data_dir: Path) -> Instance:
    """`python <args>` from the repository, in local mode on its own port, using the database at `database_url`."""
    port = free_port()
    env = {
        **os.environ, "REFLECT_LOCAL_MODE": "true", "REFLECT_PORT": str(port), "REFLECT_DATA_DIR": str(data_dir),
        "REFLECT_DATABASE_URL": database_url, "REFLECT_LOG_LEVEL": "WARNING",
    }
    with (data_dir.parent / f"{data_dir.name}.log").open("wb") as log:
        process = subprocess.Popen([sys.executable, *args], cwd=REPO, env=env, stderr=log)
    return Instance(process, f"http://127.0.0.1:{port}")


async def until_healthy(session: aiohttp.ClientSession, instance: Instance) -> None:
    deadline = asyncio.get_running_loop().time() + HEALTHY_WITHIN_SECONDS
    while asyncio.get_running_loop().time() < deadline:
        assert instance.process.poll() is None, "an instance stopped during start-up"
        try:
            async with session.get(f"{instance.url}/healthz") as reply:
                if reply.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.05)
    raise AssertionError("an instance never became healthy")


@asynccontextmanager
async def serving(started: list[Instance]) -> AsyncIterator[list[Instance]]:
    """The instances once all are healthy (started together, so their migrations race), stopped with SIGTERM at the
    end; one killed earlier stays dead."""
    try:
        async with aiohttp.ClientSession() as session:
            await asyncio.gather(*(until_healthy(session, instance) for instance in started))
        yield started
    finally:
        for instance in started:
            if instance.process.poll() is None:
                instance.process.send_signal(signal.SIGTERM)
        for instance in started:
            instance.process.wait(timeout=30)
