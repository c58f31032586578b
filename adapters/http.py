"""aiohttp routes and typed app state; handlers hold no logic of their own."""

from __future__ import annotations

from aiohttp import web

from adapters.exports.download import ExportDownloads
from adapters.exports.service import Exporter
from adapters.scheduler import Scheduler
from adapters.slack.ingress import SlackIngress
from adapters.teams.endpoint import TeamsEndpoint
from bot.config import Settings
from bot.framework import Framework
from bot.outbound import Outbound
from bot.store import Store

SETTINGS = web.AppKey("settings", Settings)
FRAMEWORK = web.AppKey("framework", Framework)
STORE = web.AppKey("store", Store)
TEAMS = web.AppKey("teams", TeamsEndpoint)
SLACK = web.AppKey("slack", SlackIngress)
TEAMS_OUTBOUND = web.AppKey("teams_outbound", Outbound)
SLACK_OUTBOUND = web.AppKey("slack_outbound", Outbound)
SCHEDULER = web.AppKey("scheduler", Scheduler)
EXPORTER = web.AppKey("exporter", Exporter)
DOWNLOADS = web.AppKey("downloads", ExportDownloads)


async def healthz(request: web.Request) -> web.Response:
    """Liveness, the loaded framework's shape (a wrong FRAMEWORK_PATH is easy to spot) and the store's own checks.

    A store that cannot serve (a database unreachable, or at another schema version) makes it a 503,
    so a load balancer stops sending turns to this instance.
    """
    framework = request.app[FRAMEWORK]
    health = await request.app[STORE].health()
    body: dict[str, object] = {
        "status": "ok" if health.ok else "unavailable",
        "phases": len(framework.phases),
        "sections": len(framework.sections),
    }
    if health.checks:
        body["store"] = health.checks
    return web.json_response(body, status=200 if health.ok else 503)


async def teams_messages(request: web.Request) -> web.Response:
    return await request.app[TEAMS].handle(request)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)


def add_teams_routes(app: web.Application) -> None:
    app.router.add_post("/api/messages", teams_messages)


async def export_page(request: web.Request) -> web.Response:
    return await request.app[DOWNLOADS].ask(request)


async def export_download(request: web.Request) -> web.Response:
    return await request.app[DOWNLOADS].download(request)


def add_export_routes(app: web.Application) -> None:
    """Teams download links: GET shows the page, POST (its button) downloads once."""
    app.router.add_get("/exports/{token}", export_page)
    app.router.add_post("/exports/{token}", export_download)
