"""Headless Chromium (Debian's package, never a downloaded browser) driven over the DevTools protocol on loopback.

It opens tests/renderer/page.html, which loads the official `adaptivecards` renderer from node_modules, and
asks it to render and inspect cards; it can also photograph the card on the page.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, Any

import aiohttp

HERE = Path(__file__).resolve().parent
PAGE = HERE / "page.html"
HOST_CONFIG = HERE / "teams" / "host-config.json"
RENDERER = HERE / "node_modules" / "adaptivecards" / "dist" / "adaptivecards.min.js"
MARKDOWN = HERE / "node_modules" / "markdown-it" / "dist" / "browser" / "markdown-it.umd.min.js"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-extensions",
    "--no-default-browser-check",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
    "--hide-scrollbars",
)
"""No network but loopback: background services off, and every host name but localhost resolves to nothing."""
START_ATTEMPTS = 600
START_PAUSE = 0.05

JsonObject = dict[str, Any]


class RendererUnavailable(Exception):
    """Chromium or the npm packages are missing on this machine."""


def missing() -> str | None:
    """Why the real renderer cannot run here, or None when it can."""
    if chromium_path() is None:
        return "Debian's chromium is not installed (apt-get install -y chromium fonts-dejavu-core)"
    if not (RENDERER.is_file() and MARKDOWN.is_file()):
        return "the renderer's npm packages are not installed (Node.js, then `npm ci` in tests/renderer)"
    return None


def problems_in(report: JsonObject) -> list[str]:
    """Everything in one card's report that a person would miss or trip over, as sentences."""
    return [
        *report["warnings"],
        *report["overflow"],
        *report["cut"],
        *(f"text formatted as markdown: {tag}" for tag in report["markdown"]),
    ]


def chromium_path() -> str | None:
    return shutil.which(os.environ.get("CHROMIUM", "chromium"))


class Page:
    """One tab of the browser, spoken to with DevTools protocol commands over a websocket."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self._socket = socket
        self._ids = itertools.count(1)

    async def command(self, method: str, **params: Any) -> JsonObject:
        """Send one command and return its result; events that arrive meanwhile are not needed and are dropped."""
        number = next(self._ids)
        await self._socket.send_json({"id": number, "method": method, "params": params})
        async for message in self._socket:
            reply = json.loads(message.data)
            if reply.get("id") == number:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply["result"])
        raise RuntimeError(f"{method}: the browser closed the connection")

    async def evaluate(self, expression: str) -> Any:
        """Run JavaScript in the page and return its JSON value; a thrown error fails loudly."""
        result = await self.command("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def call(self, function: str, *arguments: Any) -> Any:
        return await self.evaluate(f"{function}(...{json.dumps(list(arguments))})")

    async def open_renderer(self, viewport_width: int) -> None:
        await self.command(
            "Emulation.setDeviceMetricsOverride", width=viewport_width, height=800, deviceScaleFactor=1, mobile=False
        )
        await self.command("Page.navigate", url=PAGE.as_uri())
        await self.evaluate(
            "new Promise(done => document.readyState === 'complete' ? done(true) : addEventListener('load', () => done(true)))"
        )
        await self.call("setUp", json.loads(HOST_CONFIG.read_text(encoding="utf-8")))

    async def screenshot(self, box: JsonObject) -> bytes:
        clip = {**{key: box[key] for key in ("x", "y", "width", "height")}, "scale": 1}
        shot = await self.command("Page.captureScreenshot", format="png", clip=clip, captureBeyondViewport=True)
        return base64.b64decode(shot["data"])


@asynccontextmanager
async def chromium_page() -> AsyncIterator[Page]:
    """A fresh headless Chromium with a throwaway profile; closed, and its profile removed, on the way out."""
    executable = chromium_path()
    if executable is None or missing():
        raise RendererUnavailable(missing())
    with tempfile.TemporaryDirectory(prefix="reflect-chromium-") as profile, tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
        )
        try:
            port = await _devtools_port(Path(profile), process, log)
            async with aiohttp.ClientSession() as session:
                async with session.get(f"http://127.0.0.1:{port}/json/list") as listing:
                    targets = await listing.json()
                address = next(target["webSocketDebuggerUrl"] for target in targets if target["type"] == "page")
                async with session.ws_connect(address, max_msg_size=0) as socket:
                    yield Page(socket)
        finally:
            process.terminate()
            process.wait(timeout=30)


async def _devtools_port(profile: Path, process: subprocess.Popen[bytes], log: IO[bytes]) -> int:
    """Chromium writes the port it chose to DevToolsActivePort once it listens."""
    marker = profile / "DevToolsActivePort"
    for _ in range(START_ATTEMPTS):
        if marker.is_file() and marker.read_text().strip():
            return int(marker.read_text().split()[0])
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"chromium exited with {process.returncode}: {log.read().decode(errors='replace')[-2000:]}")
        await asyncio.sleep(START_PAUSE)
    raise RuntimeError("chromium did not open its DevTools port")
