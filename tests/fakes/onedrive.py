"""A fake OneDrive upload session on 127.0.0.1: the URL Teams hands a bot in a file-consent invoke takes one PUT."""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Self

from aiohttp import web


@dataclass(frozen=True)
class Upload:
    """One PUT as it arrived: which upload session, its Content-Range, and the bytes."""

    session: str
    content_range: str | None
    content: bytes


class FakeOneDrive:
    """Accepts PUT /upload/{session}; `uploads` lists what arrived."""

    def __init__(self) -> None:
        self.uploads: list[Upload] = []
        self._runner: web.AppRunner | None = None
        self._port = 0

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_put("/upload/{session}", self._put)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = self._runner.addresses[0][1]
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def upload_url(self, session: str) -> str:
        return f"http://127.0.0.1:{self._port}/upload/{session}"

    async def _put(self, request: web.Request) -> web.Response:
        self.uploads.append(Upload(request.match_info["session"], request.headers.get("Content-Range"), await request.read()))
        return web.json_response({"id": request.match_info["session"]}, status=201)
