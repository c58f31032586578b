"""Edge stall benchmark: the worst inputs found for issue 8, and how long each holds the event loop.

Run with `.venv/bin/python bench/edges.py`. Figures go in docs/performance.md.

Why: one request must never freeze every conversation. Each row posts one hostile body to the whole app in local
mode (everything on 127.0.0.1, one event loop) while a ticker on the same loop measures its longest gap: that gap is
the stall every other conversation would have seen. The first rows time the pure functions on their worst inputs,
with the mention regex as it was before issue 8 for comparison. The last row holds a Bot Framework key fetch for
two seconds (production mode, local key server) and shows the loop kept ticking.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402

from adapters.http_body import MAX_BODY_BYTES, json_structure  # noqa: E402
from adapters.teams.mentions import _TRAILING_AT_TAG  # noqa: E402
from app import create_app  # noqa: E402
from bot.config import Settings  # noqa: E402
from tests import builders  # noqa: E402
from tests.fakes.connector import FakeConnector, StaticTokenCredentialsFactory  # noqa: E402
from tests.fakes.jwks import JwksServer  # noqa: E402
from tests.harness import local_settings, serve_locally  # noqa: E402

OLD_TRAILING_AT_TAG = re.compile(r"<at(?:\s[^>]*)?>(?P<name>[^<]*)</at>\s*$", re.IGNORECASE)
MENTION_FLOOD = "<at " * 16_000
OLD_REGEX_FLOOD = "<at " * 4_000
APP_ID = "6b4a3c1e-0000-4000-8000-00000000be9c"


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return (time.perf_counter() - started) * 1000


def _one_mib(unit: bytes, prefix: bytes = b"[", suffix: bytes = b"]") -> bytes:
    """A JSON-ish body just under the body limit, built from repeats of `unit`."""
    return prefix + unit * ((MAX_BODY_BYTES - len(prefix) - len(suffix)) // len(unit)) + suffix


def _parse_ms(body: bytes) -> float:
    started = time.perf_counter()
    try:
        json.loads(body)
    except (ValueError, RecursionError):
        pass
    return (time.perf_counter() - started) * 1000


BODIES: dict[str, bytes] = {
    "1 MiB: depth-9 peaks (most scan work)": _one_mib(b"[" * 9 + b"0" + b"]" * 9 + b","),
    "1 MiB: alternating empty lists (most parse work)": _one_mib(b"[],"),
    "1 MiB: 1,000,000 open brackets": b"[" * MAX_BODY_BYTES,
    "1 MiB: empty strings": _one_mib(b'"",'),
    "1 MiB: 9,999 arrays of numbers (accepted shape)": b'{"v":[' + b",".join([b"[" + b"1," * 50 + b"1]"] * 9_998) + b"]}",
}


def pure_rows() -> list[tuple[str, float]]:
    rows = [
        ("mention regex before issue 8, 16 KiB of '<at '", _timed(lambda: OLD_TRAILING_AT_TAG.search(OLD_REGEX_FLOOD))),
        ("mention regex now, 16 KiB of '<at '", _timed(lambda: _TRAILING_AT_TAG.search(OLD_REGEX_FLOOD))),
        ("mention regex now, 62 KiB of '<at '", _timed(lambda: _TRAILING_AT_TAG.search(MENTION_FLOOD))),
    ]
    for name, body in BODIES.items():
        rows.append((f"json.loads alone, {name}", _parse_ms(body)))
        rows.append((f"structure pre-scan, {name}", _timed(lambda body=body: json_structure(body))))
    return rows


class LoopLag:
    """The longest gap between ticks of a 1 ms timer on this loop: how long anything else would have waited."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            self.worst = max(self.worst, now - last - 0.001)
            last = now

    async def measure(self, work: Awaitable[Any]) -> tuple[Any, float]:
        """Run `work` with the ticker going, and give the ticker a moment after it so the last gap is counted."""
        self.worst = 0.0
        self._task = asyncio.create_task(self._tick())
        await asyncio.sleep(0.01)
        try:
            result = await work
            await asyncio.sleep(0.01)
        finally:
            self._task.cancel()
        return result, self.worst * 1000


async def _post(session: aiohttp.ClientSession, url: str, body: bytes, headers: dict[str, str] | None = None) -> int:
    async with session.post(url, data=body, headers={"Content-Type": "application/json", **(headers or {})}) as reply:
        await reply.read()
        return reply.status


async def http_rows() -> list[tuple[str, int, float, float]]:
    rows = []
    lag = LoopLag()
    with tempfile.TemporaryDirectory() as folder:
        async with FakeConnector() as connector:
            app = create_app(local_settings(Path(folder) / "data"))
            async with serve_locally(app) as base, aiohttp.ClientSession() as session:
                url = f"{base}/api/messages"
                flood = json.dumps(builders.message(connector.url, MENTION_FLOOD, entities=[builders.mention()])).encode()
                cases = {"62 KiB of '<at ' with a mention entity": flood, **BODIES}
                for name, body in cases.items():
                    started = time.perf_counter()
                    status, worst = await lag.measure(_post(session, url, body))
                    rows.append((name, status, (time.perf_counter() - started) * 1000, worst))
    return rows


async def key_fetch_row() -> tuple[str, int, float, float]:
    lag = LoopLag()
    with tempfile.TemporaryDirectory() as folder, JwksServer() as jwks:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, REFLECT_DATA_DIR=Path(folder) / "data", MICROSOFT_APP_ID=APP_ID,
            MICROSOFT_APP_PASSWORD="bench", MICROSOFT_APP_TENANT_ID="bench", REFLECT_SERVICE_URL_ALLOWLIST="127.0.0.1",
            REFLECT_BOT_OPENID_METADATA_URL=jwks.metadata_url,
        )
        async with FakeConnector() as connector:
            app = create_app(settings, credentials_factory=StaticTokenCredentialsFactory(APP_ID, "bench"))
            async with serve_locally(app) as base, aiohttp.ClientSession() as session:
                token = jwks.mint(audience=APP_ID, service_url=connector.url)
                body = json.dumps(builders.message(connector.url, "hi")).encode()
                jwks.hold()
                asyncio.get_running_loop().call_later(2.0, jwks.release)
                started = time.perf_counter()
                status, worst = await lag.measure(_post(session, f"{base}/api/messages", body, {"Authorization": f"Bearer {token}"}))
    return ("key server answering after 2 s (production mode)", status, (time.perf_counter() - started) * 1000, worst)


async def main() -> None:
    print("| function, worst input | ms |")
    print("|---|---|")
    for name, ms in pure_rows():
        print(f"| {name} | {ms:.1f} |")
    print()
    print("| request to /api/messages | status | answer ms | longest loop stall ms |")
    print("|---|---|---|---|")
    for name, status, answer, worst in [*await http_rows(), await key_fetch_row()]:
        print(f"| {name} | {status} | {answer:.1f} | {worst:.1f} |")


if __name__ == "__main__":
    asyncio.run(main())
