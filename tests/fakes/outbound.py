"""An in-process Outbound for tests of the job cycle: records every call and fails on demand."""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass
from datetime import datetime

from bot.errors import DeliveryError
from bot.models import ConversationRef
from bot.outbound import MessageRef, Outbound, direct_ref
from bot.views import View


@dataclass(frozen=True)
class Delivered:
    to: ConversationRef
    view: View
    message_id: str


class RecordingOutbound(Outbound):
    """Sends succeed and are recorded unless a failure is queued; `opened` lists every direct conversation opened."""

    def __init__(self, at: datetime) -> None:
        self.sent: list[Delivered] = []
        self.updated: list[tuple[MessageRef, View]] = []
        self.opened: list[str] = []
        self.replied: list[tuple[str, str]] = []
        self._failures: deque[DeliveryError] = deque()
        self._open_failures: deque[DeliveryError] = deque()
        self._ids = itertools.count(1)
        self._at = at

    def fail_next(self, error: DeliveryError, *, times: int = 1) -> None:
        self._failures.extend(error for _ in range(times))

    def fail_next_open(self, error: DeliveryError) -> None:
        self._open_failures.append(error)

    async def send(self, to: ConversationRef, view: View) -> MessageRef:
        if self._failures:
            raise self._failures.popleft()
        message_id = f"m-{next(self._ids)}"
        self.sent.append(Delivered(to, view, message_id))
        return MessageRef(conversation=to, message_id=message_id)

    async def reply(self, root: MessageRef, view: View) -> MessageRef:
        """Recorded like a send to the root's conversation; `replied` pairs each reply with its root's id."""
        sent = await self.send(root.conversation, view)
        self.replied.append((root.message_id, sent.message_id))
        return sent

    async def update(self, message: MessageRef, view: View) -> None:
        if self._failures:
            raise self._failures.popleft()
        self.updated.append((message, view))

    async def open_direct(self, user_id: str, *, via: ConversationRef) -> ConversationRef:
        if self._open_failures:
            raise self._open_failures.popleft()
        self.opened.append(user_id)
        return direct_ref(via, f"dm-{user_id}", user_id, self._at)
