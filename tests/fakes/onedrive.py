"""A fake OneDrive upload session on 127.0.0.1: the URL Teams hands a bot in a file-consent invoke takes one PUT."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from tests.fakes.loopback import LoopbackServer


@dataclass(frozen=True)
class Upload:
    """One PUT as it arrived: which upload session, its Content-Range, and the bytes."""

    session: str
    content_range: str | None
    content: bytes


class FakeOneDrive(LoopbackServer):
    """Accepts PUT /upload/{session}; `uploads` lists what arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.uploads: list[Upload] = []

    def add_routes(self, app: web.Application) -> None:
        app.router.add_put("/upload/{session}", self._put)

    def upload_url(self, session: str) -> str:
        return f"{self.origin}/upload/{session}"

    async def _put(self, request: web.Request) -> web.Response:
        self.uploads.append(Upload(request.match_info["session"], request.headers.get("Content-Range"), await request.read()))
        return web.json_response({"id": request.match_info["session"]}, status=201)
