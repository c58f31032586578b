"""An aiohttp app on a free 127.0.0.1 port for the life of an `async with` block: what every fake server shares.

The fakes (Bot Connector, Slack Web API, OneDrive uploads) and the benchmarks' lean servers differ only in their
routes, so each names its routes in `add_routes` and this class serves them.
"""

from __future__ import annotations

from types import TracebackType
from typing import ClassVar, Self

from aiohttp import web


class LoopbackServer:
    quiet: ClassVar[bool] = False
    """No access log (the benchmarks' servers, where logging every request would cost more than serving it)."""

    def __init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self._port = 0

    def add_routes(self, app: web.Application) -> None:
        raise NotImplementedError

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:<port>`, once started."""
        return f"http://127.0.0.1:{self._port}"

    async def __aenter__(self) -> Self:
        app = web.Application()
        self.add_routes(app)
        self._runner = web.AppRunner(app, access_log=None) if self.quiet else web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = self._runner.addresses[0][1]
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
