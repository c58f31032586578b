"""Teams' file-consent flow for `my data`: the person accepts the file card, Teams answers with an upload URL in
their OneDrive, and Reflect uploads the file there and shows it in the chat.

Why this path: a bot cannot attach an arbitrary file to a Teams message, and a data URL in a card is bounded by the
card's size. The consent card carries only which file and its size; on acceptance the file is made again from the
store for the person who accepted (never from anything the card or the invoke carries), so nothing about a person is
held between the offer and the upload. Only personal chats offer the card, and an upload URL must be Microsoft's
(SharePoint/OneDrive over https), or loopback in local mode, so a forged invoke cannot send data elsewhere.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

import aiohttp
from botbuilder.core import InvokeResponse, Middleware, TurnContext
from botbuilder.schema import Activity, ActivityTypes, Attachment
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from adapters.identity import identify
from bot import messages as say
from bot.config import is_loopback_host
from bot.conversation_refs import personal_space
from bot.errors import Refusal
from bot.services import personal_data
from bot.store import Store

FILE_CONSENT = "fileConsent/invoke"
FILE_INFO_TYPE = "application/vnd.microsoft.teams.card.file.info"
UPLOAD_HOSTS = (".sharepoint.com", ".sharepoint.us", ".sharepoint-mil.us", ".sharepoint.de", ".sharepoint.cn")
UPLOAD_TIMEOUT = aiohttp.ClientTimeout(total=60)
Text = Annotated[str, StringConstraints(min_length=1, max_length=2048)]
log = logging.getLogger("reflect.teams.files")


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Context(_Model):
    reflect_file: Literal["my_data_json", "my_data_csv"]


class _UploadInfo(_Model):
    uploadUrl: Text
    contentUrl: Text
    name: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    uniqueId: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    fileType: Annotated[str, StringConstraints(max_length=32)] = ""


class _Consent(_Model):
    type: Literal["fileUpload"]
    action: Literal["accept", "decline"]
    context: _Context
    uploadInfo: _UploadInfo | None = None


def _names_a_data_file(value: object) -> bool:
    """A `my data` offer's consent; an export's consent (its context holds a signed token) is answered further on."""
    context = value.get("context") if isinstance(value, dict) else None
    return not (isinstance(context, dict) and "token" in context and "reflect_file" not in context)


def upload_url_allowed(url: str, *, local_mode: bool) -> bool:
    """Microsoft's OneDrive/SharePoint over https; in local mode, loopback only."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    if host is None or "@" in parts.netloc:
        return False
    if local_mode:
        return is_loopback_host(host) and parts.scheme in ("http", "https")
    return parts.scheme == "https" and host.endswith(UPLOAD_HOSTS)


class FileConsent(Middleware):
    """Answers `fileConsent/invoke`: uploads the accepted file and shows it, or notes the refusal; other turns pass."""

    def __init__(self, store: Store, clock: Callable[[], datetime], *, local_mode: bool) -> None:
        self._store = store
        self._clock = clock
        self._local_mode = local_mode

    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable[None]]) -> None:
        activity = context.activity
        if activity.type != ActivityTypes.invoke or activity.name != FILE_CONSENT or not _names_a_data_file(activity.value):
            await logic()
            return
        status = await self._answer(context)
        await context.send_activity(Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=status)))

    async def _answer(self, context: TurnContext) -> int:
        """200 once handled (uploaded, declined, or refused with a message); 400 for a payload that is not one."""
        try:
            consent = _Consent.model_validate(context.activity.value)
            who = identify(context.activity)
        except (ValidationError, Refusal):
            log.info("file consent refused: malformed invoke")
            return 400
        if who.team != personal_space(who.team.tenant, who.user_id):
            await context.send_activity(say.PRIVATE_CHAT_ONLY)
            return 200
        if consent.action == "decline" or consent.uploadInfo is None:
            await context.send_activity(say.FILE_DECLINED)
            return 200
        if not upload_url_allowed(consent.uploadInfo.uploadUrl, local_mode=self._local_mode):
            log.warning("file consent refused: upload URL host not allowed")
            return 400
        record = await personal_data.collect(self._store, who.team.tenant, who.user_id, self._clock())
        text = personal_data.as_json(record) if consent.context.reflect_file == "my_data_json" else personal_data.as_csv(record)
        if not await _upload(consent.uploadInfo.uploadUrl, text.encode("utf-8")):
            await context.send_activity(say.FILE_UPLOAD_FAILED)
            return 200
        await context.send_activity(_file_info(consent.uploadInfo))
        return 200


async def _upload(url: str, data: bytes) -> bool:
    """One PUT of the whole file, as Teams' upload session expects for small files."""
    headers = {"Content-Length": str(len(data)), "Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"}
    try:
        async with aiohttp.ClientSession(timeout=UPLOAD_TIMEOUT) as session, session.put(url, data=data, headers=headers) as reply:
            await reply.read()
            ok = reply.status in (200, 201)
    except (aiohttp.ClientError, TimeoutError) as error:
        log.warning("file upload failed: %s", type(error).__name__)
        return False
    if not ok:
        log.warning("file upload refused with status %s", reply.status)
    return ok


def _file_info(info: _UploadInfo) -> Activity:
    """The card Teams shows for a file now in the person's OneDrive."""
    attachment = Attachment(
        content_type=FILE_INFO_TYPE, content_url=info.contentUrl, name=info.name,
        content={"uniqueId": info.uniqueId, "fileType": info.fileType},
    )
    return Activity(type=ActivityTypes.message, attachments=[attachment])
