"""Exports in Teams: a signed, single-use download link, and in a personal chat the file-consent flow.

A bot cannot attach a file to a Teams message. In a personal chat it may offer one (a FileConsentCard); when the
person accepts, Teams gives an upload URL in their OneDrive, Reflect uploads the file there and sends a
FileInfoCard. Elsewhere a link would be visible to the whole channel, so exports are sent only in personal chats.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import aiohttp
from botbuilder.core import InvokeResponse, MessageFactory, TurnContext
from botbuilder.schema import Activity, Attachment

from adapters.exports.links import LINK_TTL, ExportLinks, LinkRefused
from adapters.exports.service import ExportedFile, Exporter
from adapters.identity import identify
from adapters.render import render, views_in
from adapters.teams.file_consent import upload_url_allowed
from adapters.teams.cards import ADAPTIVE_CARD_CONTENT_TYPE, SCHEMA, VERSION, plain
from bot import messages as say
from bot.errors import Refusal
from bot.exports import FORMAT_NAMES, ExportRequest
from bot.services.exports import space_of
from bot.store import Store
from bot.views import FileOffer, Notice

CONSENT_CARD = "application/vnd.microsoft.teams.card.file.consent"
INFO_CARD = "application/vnd.microsoft.teams.card.file.info"
UPLOAD_TIMEOUT = aiohttp.ClientTimeout(total=120)
UPLOAD_CHUNK = 10 * 320 * 1024
log = logging.getLogger("reflect.exports")


def _notice(text: str) -> Activity:
    """A sentence in the chat, rendered as every Teams notice is (plain text)."""
    return render(Notice(text=text), "msteams")


class TeamsFiles:
    """Turns a file offer into Teams messages, and answers the file-consent invoke."""

    def __init__(
        self, exporter: Exporter, links: ExportLinks, store: Store, clock: Callable[[], datetime], *,
        base_url: str | None, local_mode: bool,
    ) -> None:
        self._exporter, self._links, self._store, self._clock = exporter, links, store, clock
        self._base_url = None if base_url is None else base_url.rstrip("/")
        self._local_mode = local_mode

    async def expand(self, context: TurnContext, activity: Activity) -> list[Activity]:
        """The activities to send in place of one carrying a file offer (addressed like it); any other as it is."""
        offers = [view for view in views_in(activity) if isinstance(view, FileOffer)]
        if not offers:
            return [activity]
        reference = TurnContext.get_conversation_reference(context.activity)
        return [TurnContext.apply_conversation_reference(sent, reference) for sent in await self._expanded(context, offers[0])]

    async def _expanded(self, context: TurnContext, offer: FileOffer) -> list[Activity]:
        if identify(context.activity).kind != "personal":
            return [_notice(say.EXPORT_PRIVATE_ONLY)]
        try:
            made = await self._exporter.make(offer.request)
        except Refusal as refusal:
            return [_notice(refusal.message)]
        return self._offer(offer, made)

    def _offer(self, offer: FileOffer, made: ExportedFile) -> list[Activity]:
        name = FORMAT_NAMES[offer.request.format]
        lines = [say.EXPORT_LINK_LINE, say.EXPORT_CONSENT_LINE] if self._base_url else [say.EXPORT_CONSENT_LINE]
        body: list[dict[str, Any]] = [
            {"type": "TextBlock", "text": plain(say.EXPORT_LINK_TITLE.format(format=name)), "style": "heading",
             "weight": "bolder", "size": "medium", "wrap": True},
            *({"type": "TextBlock", "text": plain(line), "wrap": True} for line in lines),
        ]
        if self._base_url:
            url = f"{self._base_url}/exports/{self._links.issue(offer.request)}"
            body.append({"type": "ActionSet", "actions": [{"type": "Action.OpenUrl", "title": say.EXPORT_LINK_BUTTON, "url": url}]})
        title = say.EXPORT_LINK_TITLE.format(format=name)
        card = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body,
                "fallbackText": "\n".join([title, *lines])}
        link = MessageFactory.attachment(Attachment(content_type=ADAPTIVE_CARD_CONTENT_TYPE, content=card))
        link.summary = title
        context = {"token": self._links.issue(offer.request)}
        consent = Attachment(content_type=CONSENT_CARD, name=made.filename, content={
            "description": made.title[:200], "sizeInBytes": len(made.content),
            "acceptContext": context, "declineContext": context,
        })
        return [link, MessageFactory.attachment(consent)]

    async def consent(self, context: TurnContext) -> InvokeResponse:
        """The person accepted or declined a file offer; only the person it was made for may do either, once."""
        activity = context.activity
        value = activity.value if isinstance(activity.value, dict) else {}
        token = (value.get("context") or {}).get("token") if isinstance(value.get("context"), dict) else None
        action = value.get("action")
        if not isinstance(token, str) or action not in ("accept", "decline"):
            return InvokeResponse(status=400)
        try:
            link = self._links.read(token)
        except LinkRefused as refusal:
            log.info("file consent refused: %s", refusal.why)
            return await self._refuse(context)
        try:
            who = identify(activity)
        except Refusal:
            return InvokeResponse(status=400)
        if link.request.user_id != who.user_id or space_of(link.request).tenant != who.team.tenant:
            log.info("file consent refused: another person")
            return await self._refuse(context)
        if not await self._store.claim_delivery(who.team.tenant, link.claim, self._clock(), 2 * LINK_TTL):
            return await self._refuse(context)
        if action == "decline":
            await context.send_activity(_notice(say.EXPORT_CONSENT_DECLINED))
            return InvokeResponse(status=200)
        return await self._accept(context, link.request, value.get("uploadInfo"))

    async def _accept(self, context: TurnContext, request: ExportRequest, info: object) -> InvokeResponse:
        """Upload a fresh copy of the file to the person's OneDrive, then show it as a file card."""
        if not isinstance(info, dict) or not isinstance(info.get("uploadUrl"), str):
            return InvokeResponse(status=400)
        if not upload_url_allowed(info["uploadUrl"], local_mode=self._local_mode):
            log.info("file consent refused: upload URL not allowed")
            return InvokeResponse(status=400)
        try:
            made = await self._exporter.make(request)
        except Refusal as refusal:
            await context.send_activity(_notice(refusal.message))
            return InvokeResponse(status=200)
        if not await _upload(info["uploadUrl"], made.content):
            await context.send_activity(_notice(say.EXPORT_FAILED))
            return InvokeResponse(status=200)
        card = Attachment(content_type=INFO_CARD, content_url=str(info.get("contentUrl") or ""),
                          name=str(info.get("name") or made.filename),
                          content={"uniqueId": info.get("uniqueId"), "fileType": info.get("fileType")})
        await context.send_activity(MessageFactory.attachment(card))
        return InvokeResponse(status=200)

    async def _refuse(self, context: TurnContext) -> InvokeResponse:
        await context.send_activity(_notice(say.EXPORT_CONSENT_REFUSED))
        return InvokeResponse(status=403)


async def _upload(url: str, content: bytes) -> bool:
    """PUT the file to the upload session in ranges of UPLOAD_CHUNK (a multiple of 320 KiB, as OneDrive asks); each
    range but the last is answered 202, the last 200 or 201."""
    total = len(content)
    try:
        async with aiohttp.ClientSession(timeout=UPLOAD_TIMEOUT) as session:
            for start in range(0, total, UPLOAD_CHUNK):
                part = content[start : start + UPLOAD_CHUNK]
                headers = {"Content-Range": f"bytes {start}-{start + len(part) - 1}/{total}"}
                async with session.put(url, data=part, headers=headers) as reply:
                    await reply.read()
                    if reply.status not in (200, 201, 202):
                        log.warning("file upload refused: %d", reply.status)
                        return False
    except (aiohttp.ClientError, OSError, TimeoutError) as failed:
        log.warning("file upload failed: %s", type(failed).__name__)
        return False
    return True
