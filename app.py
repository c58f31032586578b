"""Composition root: build everything here, nothing at import time.

`python app.py` serves the bot; `python app.py chat` runs the same bot in this terminal.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import secrets
import sys
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from functools import partial

import aiohttp
from aiohttp import web
from botframework.connector.auth import ServiceClientCredentialsFactory
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler, AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.console.adapter import ConsoleAdapter, stdin_lines
from adapters.log_hygiene import install_log_hygiene
from adapters.teams.mentions import StripMention
from adapters.render import render
from adapters.conversation_refs import RememberConversations
from adapters.deliveries import HandleOnce
from adapters.installation import Installations, TeamsInstallations
from adapters.time_zones import LearnTimeZones
from adapters.http import (
    FRAMEWORK,
    DOWNLOADS,
    EXPORTER,
    SCHEDULER,
    SETTINGS,
    SLACK,
    SLACK_OUTBOUND,
    STORE,
    TEAMS,
    TEAMS_OUTBOUND,
    add_export_routes,
    add_routes,
    add_teams_routes,
)
from adapters.exports.download import ExportDownloads
from adapters.exports.links import ExportLinks
from adapters.exports.service import Exporter
from adapters.teams.files import TeamsFiles
from adapters.scheduler import RatePacer, Scheduler, scheduler_id
from adapters.slack.adapter import SlackAdapter
from adapters.slack.ingress import SlackIngress
from adapters.slack.outbound import SlackOutbound
from adapters.teams.endpoint import TeamsEndpoint, service_url_allowed
from adapters.teams.file_consent import FileConsent
from adapters.teams.outbound import TeamsOutbound
from adapters.store.tinydb import TinyDBStore
from bot.errors import ConfigError
from bot.config import Settings, load_settings
from bot.errors import FrameworkError
from bot.framework import Framework, load_framework
from bot.jobs import JobRunner
from bot.keys import Platform
from bot.outbound import Outbound
from adapters.pipeline import ReflectBot
from dialogs.jobs import HANDLERS
from bot.errors import StoreError
from bot.store import Store

Clock = Callable[[], datetime]
YOUNG_COLLECTION_EVERY = 10_000
"""Allocations between young-generation collections once serving (CPython's default is 700); see tune_collector."""
SLACK_WEB = web.AppKey("slack_web", AsyncWebClient)
log = logging.getLogger("reflect")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    store: Store | None = None,
    credentials_factory: ServiceClientCredentialsFactory | None = None,
) -> web.Application:
    """Validate the framework, wire store, bot and routes; the store opens and closes with the app.

    `credentials_factory` replaces the outbound Microsoft Entra token source (tests only).
    """
    app = web.Application()
    framework = load_framework(settings.framework_path)
    store = store if store is not None else default_store(settings)
    now = clock or _utc_now
    installations = Installations(store, now, timedelta(days=settings.purge_after_days))
    bot = ReflectBot(store, framework, clock=now, render=render)
    app[SETTINGS], app[FRAMEWORK], app[STORE] = settings, framework, store
    app.cleanup_ctx.append(_store_lifecycle)
    add_routes(app)
    app[EXPORTER] = Exporter(store, framework, now, settings.time_zone, workers=settings.export_workers)
    app.on_cleanup.append(_close_exporter)
    if settings.teams_enabled:
        consent = FileConsent(store, now, local_mode=settings.local_mode)
        teams = TeamsEndpoint(
            settings, bot, credentials_factory=credentials_factory, on_turn_error=bot.on_turn_error, clock=now,
            invokes=(consent,),
        )
        teams.adapter.use(HandleOnce(store, now))
        teams.adapter.use(StripMention())
        teams.adapter.use(TeamsInstallations(installations))
        teams.adapter.use(RememberConversations(store, now))
        teams.adapter.use(LearnTimeZones(store, now))
        app[TEAMS] = teams
        app[TEAMS_OUTBOUND] = _teams_outbound(settings, teams, now)
        _teams_exports(app, settings, teams, now)
        app.on_cleanup.append(_close_teams)
        add_teams_routes(app)
    if settings.slack_bot_token is not None and settings.slack_signing_secret is not None:
        token = settings.slack_bot_token.get_secret_value()
        client = AsyncWebClient(
            token=token,
            base_url=settings.slack_api_url,
            retry_handlers=[AsyncConnectionErrorRetryHandler(), AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
        )
        adapter = SlackAdapter(client, bot, clock=now, on_turn_error=bot.on_turn_error, files=app[EXPORTER])
        adapter.use(HandleOnce(store, now))
        adapter.use(RememberConversations(store, now))
        adapter.use(LearnTimeZones(store, now))
        slack = SlackIngress(settings.slack_signing_secret.get_secret_value(), installations.slack(adapter.handle))
        slack.add_routes(app)
        app[SLACK] = slack
        app[SLACK_OUTBOUND] = SlackOutbound(AsyncWebClient(token=token, base_url=settings.slack_api_url), clock=now)
        app.on_shutdown.append(_drain_slack)
        app[SLACK_WEB] = client
        app.cleanup_ctx.append(_shared_slack_session)
    app[SCHEDULER] = _scheduler(app, now)
    app.cleanup_ctx.append(app[SCHEDULER].lifecycle)
    return app


def default_store(settings: Settings) -> Store:
    """TinyDB in the data folder, or PostgreSQL when REFLECT_DATABASE_URL is set (psycopg is imported only then)."""
    if settings.database_url is None:
        return TinyDBStore(
            settings.data_dir,
            max_teams=settings.store_max_teams,
            max_bytes=settings.store_max_mb * 1024 * 1024,
            warm_teams=settings.store_warm_teams,
        )
    try:
        from adapters.store.postgres.store import PostgresStore
    except ImportError:
        raise ConfigError("REFLECT_DATABASE_URL needs the postgres extra: pip install 'reflect-bot[postgres]'") from None
    return PostgresStore(settings.database_url.get_secret_value(), pool_size=settings.database_pool_size)


def _scheduler(app: web.Application, clock: Clock) -> Scheduler:
    """The job loop over this app's store and outbound channels; it stops before the store closes.

    The pacer reads the app's clock too, so a test that moves the clock past a Retry-After never waits for it.
    """
    outbounds: dict[Platform, Outbound] = {}
    if TEAMS_OUTBOUND in app:
        outbounds["teams"] = app[TEAMS_OUTBOUND]
    if SLACK_OUTBOUND in app:
        outbounds["slack"] = app[SLACK_OUTBOUND]
    pacer = RatePacer(monotonic=lambda: clock().timestamp())
    runner = JobRunner(
        app[STORE], outbounds, HANDLERS, framework=app[FRAMEWORK], clock=clock, owner=scheduler_id(), pacer=pacer,
        calendar=app[SETTINGS].working_calendar,
    )
    return Scheduler(app[STORE], runner, clock, pacer=pacer)


def _teams_exports(app: web.Application, settings: Settings, teams: TeamsEndpoint, clock: Clock) -> None:
    """Download links served here, signed with REFLECT_EXPORT_SECRET (a random key per process when unset, so links
    then work only on the instance that made them), and the file-consent flow."""
    secret = settings.export_secret.get_secret_value().encode() if settings.export_secret else secrets.token_bytes(32)
    links = ExportLinks(secret, clock)
    app[DOWNLOADS] = ExportDownloads(links, app[EXPORTER], app[STORE], clock)
    add_export_routes(app)
    teams.deliver_files(
        TeamsFiles(app[EXPORTER], links, app[STORE], clock, base_url=settings.export_base_url, local_mode=settings.local_mode)
    )


async def _close_exporter(app: web.Application) -> None:
    await app[EXPORTER].close()


def _teams_outbound(settings: Settings, teams: TeamsEndpoint, clock: Clock) -> TeamsOutbound:
    """Proactive sends reuse the endpoint's authentication, so they carry the same app id and token source."""
    return TeamsOutbound(
        teams.adapter.bot_framework_authentication,
        bot_app_id=settings.microsoft_app_id or "",
        render=render,
        clock=clock,
        service_url_allowed=partial(service_url_allowed, settings),
    )


async def _close_teams(app: web.Application) -> None:
    await app[TEAMS].close()


async def _drain_slack(app: web.Application) -> None:
    """Finish every acknowledged Slack request before the store closes."""
    await app[SLACK].drain()


async def _shared_slack_session(app: web.Application) -> AsyncIterator[None]:
    """One HTTP session, so Web API calls reuse connections; closed on cleanup, after shutdown drained the turns.

    No connection cap: calls in flight are bounded by the turns in flight, and a cap would queue replies behind a slow API.
    """
    client = app[SLACK_WEB]
    timeout = aiohttp.ClientTimeout(total=client.timeout)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
        client.session = session
        yield


async def _store_lifecycle(app: web.Application) -> AsyncIterator[None]:
    store = app[STORE]
    await store.open()
    yield
    await store.close()


async def chat(settings: Settings, framework: Framework) -> None:
    """The console channel: the same bot and store, with cards as numbered choices."""
    async with default_store(settings) as store:
        bot = ReflectBot(store, framework, clock=_utc_now, render=render)
        print("Reflect console. Type a number to choose, type text to answer, 'help' for commands, 'quit' to leave.\n")
        await ConsoleAdapter("console-user", sys.stdout, on_turn_error=bot.on_turn_error).run(bot, stdin_lines())


CHATTY_LIBRARIES = ("slack_sdk", "msrest", "msal", "urllib3", "botbuilder", "botframework", "requests_oauthlib")


def configure_logging(level: str) -> None:
    """DEBUG is for Reflect's own loggers only: libraries log request bodies, which hold people's answers.

    Every line goes through the log hygiene filters: escaped control characters, no quoted request headers.
    """
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    install_log_hygiene(logging.getLogger().handlers)
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.getLevelName(level), logging.INFO))


def main(argv: list[str]) -> int:
    """Start-up problems end in one line on stderr and exit code 2, never a traceback."""
    try:
        settings = load_settings()
        configure_logging(settings.log_level)
        if argv[1:] == ["chat"]:
            logging.getLogger().setLevel(logging.WARNING)
            asyncio.run(chat(settings, load_framework(settings.framework_path)))
            return 0
        app = create_app(settings)
    except (ConfigError, FrameworkError, StoreError) as exc:
        return _refuse(str(exc))
    mode = "local mode, no authentication" if settings.local_mode else "production"
    data = settings.data_dir if settings.database_url is None else "PostgreSQL"
    log.info("Reflect on http://%s:%s/api/messages (%s; data in %s)", settings.host, settings.port, mode, data)
    tune_collector()
    try:
        web.run_app(app, host=settings.host, port=settings.port, print=None)
    except StoreError as exc:
        return _refuse(str(exc))
    except OSError as exc:
        return _refuse(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror}")
    return 0


def tune_collector() -> None:
    """Keep the cyclic garbage collector's pauses off the event loop's 5 ms budget, once start-up is done.

    The start-up heap (modules, the framework, pydantic's schemas: about 57,000 objects) is never garbage, yet every
    full collection walked it; frozen, it is skipped. Collecting the young generation every 10,000 allocations instead
    of 700 lets a digest's short-lived objects die by reference counting before a collection promotes them. Measured
    with `bench/digest.py --compare` (docs/performance.md): the longest pause went from 37-48 ms to 3-4 ms.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, *gc.get_threshold()[1:])


def _refuse(reason: str) -> int:
    print(f"Reflect cannot start: {reason}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
