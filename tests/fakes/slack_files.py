"""Slack's external file upload for the fake Web API: files.getUploadURLExternal, the upload URL (on the fake's own
loopback port), and files.completeUploadExternal, which is what slack_sdk's `files_upload_v2` calls in that order.

Kept apart from slack_api.py so other fakes can plug it in the same way: `methods()` joins the fake's method table
and `upload` serves the upload URL's route.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

UPLOAD_PATH = "/upload/{file_id}"


@dataclass(frozen=True)
class SharedFile:
    """A file as it arrived: its name and bytes, and the conversation and comment it was shared with."""

    file_id: str
    filename: str
    content: bytes
    channel: str | None = None
    initial_comment: str | None = None
    thread_ts: str | None = None


class SlackFiles:
    """The three steps of an external upload; `shared` lists files once completed into a conversation."""

    def __init__(self, base_url: Callable[[], str]) -> None:
        self._base_url = base_url
        self._ids = itertools.count(1)
        self._pending: dict[str, dict[str, Any]] = {}
        self.shared: list[SharedFile] = []

    def methods(self) -> dict[str, tuple[tuple[str, ...], Callable[[dict[str, Any]], dict[str, Any]]]]:
        return {
            "files.getUploadURLExternal": (("filename", "length"), self._upload_url),
            "files.completeUploadExternal": (("files",), self._complete),
        }

    def _upload_url(self, body: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._ids):08d}"
        self._pending[file_id] = {"filename": body["filename"], "length": int(body["length"]), "content": None}
        return {"ok": True, "file_id": file_id, "upload_url": f"{self._base_url()}/upload/{file_id}"}

    async def upload(self, request: web.Request) -> web.Response:
        """The upload URL: Slack answers 200 with a short text body; an unknown file id is a 404."""
        pending = self._pending.get(request.match_info["file_id"])
        if pending is None:
            return web.Response(status=404, text="not found")
        pending["content"] = await request.read()
        return web.Response(text="OK - " + str(len(pending["content"])))

    def _complete(self, body: dict[str, Any]) -> dict[str, Any]:
        files = json.loads(body["files"]) if isinstance(body["files"], str) else body["files"]
        done = []
        for entry in files:
            pending = self._pending.pop(str(entry.get("id")), None)
            if pending is None or pending["content"] is None or len(pending["content"]) != pending["length"]:
                return {"ok": False, "error": "file_not_found"}
            shared = SharedFile(
                str(entry["id"]), pending["filename"], pending["content"], body.get("channel_id"), body.get("initial_comment"),
                body.get("thread_ts"),
            )
            self.shared.append(shared)
            done.append({"id": shared.file_id, "name": shared.filename, "title": entry.get("title")})
        return {"ok": True, "files": done}
