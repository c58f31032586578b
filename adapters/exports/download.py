"""Reflect's own download endpoint for Teams export links.

GET shows a small page with a Download button and changes nothing, because link scanners and chat previews fetch
links on their own; POST (the button) uses the link up and sends the file. Every refusal is a short page with a
4xx status: an altered link, an expired one, one already used, or one whose person may no longer export this.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from html import escape

from aiohttp import web

from adapters.exports.links import LINK_TTL, ExportLinks, Link, LinkRefused
from adapters.exports.service import Exporter
from bot.errors import Refusal
from bot.exports import FORMAT_NAMES
from bot.services.exports import space_of
from bot.store import Store

log = logging.getLogger("reflect.exports")
PAGES = {
    "altered": (403, "This link doesn't work", "The link is incomplete or has been changed. Ask Reflect for a new export."),
    "expired": (410, "This link has expired", "Export links work for 10 minutes. Ask Reflect for a new export."),
    "used": (410, "This link has already been used",
             "Each export link works once. If you didn't open it yourself, tell your Reflect lead, and ask for a new export."),
    "failed": (503, "The file couldn't be made", "Nothing was changed. Please try again in a minute."),
}
SECURITY_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"}


def page(title: str, text: str, *, status: int, form: bool = False) -> web.Response:
    button = '<form method="post"><button type="submit">Download</button></form>' if form else ""
    body = (f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            '<meta name="viewport" content="width=device-width"></head><body style="font-family:sans-serif;max-width:36em">'
            f"<h1>{escape(title)}</h1><p>{escape(text)}</p>{button}</body></html>")
    return web.Response(text=body, status=status, content_type="text/html", headers=SECURITY_HEADERS)


def refused(why: str) -> web.Response:
    status, title, text = PAGES[why]
    return page(title, text, status=status)


class ExportDownloads:
    """GET /exports/{token} asks; POST /exports/{token} downloads, once."""

    def __init__(self, links: ExportLinks, exporter: Exporter, store: Store, clock: Callable[[], datetime]) -> None:
        self._links, self._exporter, self._store, self._clock = links, exporter, store, clock

    async def ask(self, request: web.Request) -> web.Response:
        try:
            link = self._links.read(request.match_info["token"])
        except LinkRefused as refusal:
            return refused(refusal.why)
        name = FORMAT_NAMES[link.request.format]
        return page(f"Your {name} export", "This link works once. Download the file now.", status=200, form=True)

    async def download(self, request: web.Request) -> web.Response:
        try:
            link = self._links.read(request.match_info["token"])
        except LinkRefused as refusal:
            log.info("export link refused: %s", refusal.why)
            return refused(refusal.why)
        tenant = space_of(link.request).tenant
        if not await self._store.claim_delivery(tenant, link.claim, self._clock(), 2 * LINK_TTL):
            log.info("export link refused: used")
            return refused("used")
        return await self._file(link)

    async def _file(self, link: Link) -> web.Response:
        try:
            made = await self._exporter.make(link.request)
        except Refusal as refusal:
            log.info("export link refused: %s", type(refusal).__name__)
            return page("You can't download this export", refusal.message, status=403)
        except Exception as failed:  # the edge's last line: a fault becomes a 503 page, never a 500 with a traceback
            log.error("export failed: %s", type(failed).__name__)
            await self._store.release_delivery(space_of(link.request).tenant, link.claim)
            return refused("failed")
        headers = {
            **SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{made.filename}"',
            "Content-Security-Policy": "sandbox",
        }
        return web.Response(body=made.content, content_type=made.mime.split(";")[0], headers=headers)
