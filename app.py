"""Composition root: build everything here, nothing at import time.

`python app.py` serves the bot on the settings' host and port.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator

from aiohttp import web

from adapters.routes import FRAMEWORK, SETTINGS, STORE, add_routes
from adapters.tinydb_store import TinyDBStore
from bot.config import ConfigError, Settings, load_settings
from bot.framework import FrameworkError, load_framework
from bot.store import Store, StoreError

log = logging.getLogger("reflect")


def create_app(settings: Settings, *, store: Store | None = None) -> web.Application:
    """Validate the framework, wire the store and routes; the store opens and closes with the app."""
    app = web.Application()
    app[SETTINGS] = settings
    app[FRAMEWORK] = load_framework(settings.framework_path)
    app[STORE] = store if store is not None else TinyDBStore(settings.data_dir)
    app.cleanup_ctx.append(_store_lifecycle)
    add_routes(app)
    return app


async def _store_lifecycle(app: web.Application) -> AsyncIterator[None]:
    store = app[STORE]
    await store.open()
    yield
    await store.close()


def main() -> int:
    """Start-up problems end in one line on stderr and exit code 2, never a traceback."""
    try:
        settings = load_settings()
        logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
        app = create_app(settings)
    except (ConfigError, FrameworkError) as exc:
        return _refuse(str(exc))
    log.info("Reflect listening on http://%s:%s (data in %s)", settings.host, settings.port, settings.data_dir)
    try:
        web.run_app(app, host=settings.host, port=settings.port, print=None)
    except StoreError as exc:
        return _refuse(str(exc))
    except OSError as exc:
        return _refuse(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror}")
    return 0


def _refuse(reason: str) -> int:
    print(f"Reflect cannot start: {reason}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
