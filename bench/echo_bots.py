"""The two echo bots bench/turns.py measures Reflect against, each served in its own process like `python app.py`.

`python bench/echo_bots.py stock` serves botbuilder's echo sample as published (`CloudAdapter`, which builds new
Connector and token clients on every turn). `python bench/echo_bots.py reuse` serves the same echo behind Reflect's
own `TeamsEndpoint`: the same request checks and the same kept clients as Reflect, so the gap to it is what Reflect's
own work costs. Both read REFLECT_HOST, REFLECT_PORT and REFLECT_LOG_LEVEL as Reflect does and log the same way.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import web  # noqa: E402
from botbuilder.core import ActivityHandler, MessageFactory, TurnContext  # noqa: E402
from botbuilder.integration.aiohttp import (  # noqa: E402
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
    aiohttp_error_middleware,
)

from adapters.teams.endpoint import TeamsEndpoint  # noqa: E402
from app import configure_logging  # noqa: E402
from bot.config import Settings, load_settings  # noqa: E402


class EchoBot(ActivityHandler):
    """The sample's bot: say the text back."""

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(MessageFactory.text(f"Echo: {turn_context.activity.text}"))


class SampleConfig:
    """The sample's configuration: no app id, so no authentication, as Reflect's local mode."""

    APP_ID = ""
    APP_PASSWORD = ""
    APP_TYPE = "MultiTenant"
    APP_TENANTID = ""


async def healthz(request: web.Request) -> web.Response:
    """bench/turns.py waits for this before it starts timing."""
    return web.json_response({"status": "ok"})


def stock_app() -> web.Application:
    """botbuilder-samples 02.echo-bot: `adapter.process` behind aiohttp's error middleware."""
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(SampleConfig()))
    bot = EchoBot()

    async def messages(request: web.Request) -> web.Response:
        return await adapter.process(request, bot)

    app = web.Application(middlewares=[aiohttp_error_middleware])
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    return app


def reuse_app(settings: Settings) -> web.Application:
    """The echo behind Reflect's endpoint: request checks, serviceUrl allow-list and kept Connector clients."""
    endpoint = TeamsEndpoint(settings, EchoBot())

    async def close(app: web.Application) -> None:
        await endpoint.close()

    app = web.Application()
    app.router.add_post("/api/messages", endpoint.handle)
    app.router.add_get("/healthz", healthz)
    app.on_cleanup.append(close)
    return app


def main(kind: str) -> None:
    settings = load_settings()
    configure_logging(settings.log_level)
    app = stock_app() if kind == "stock" else reuse_app(settings)
    web.run_app(app, host=settings.host, port=settings.port, print=None)


if __name__ == "__main__":
    if sys.argv[1:] not in (["stock"], ["reuse"]):
        sys.exit("usage: echo_bots.py stock|reuse")
    main(sys.argv[1])
