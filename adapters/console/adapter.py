"""The console channel: chat with Reflect in a terminal through the same turn pipeline as Teams and Slack.

The bot sends console replies as views (see adapters/render.py); this adapter renders them as
numbered text and turns a typed number back into the same `activity.value` a Teams card click carries.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from itertools import count
from typing import Any, TextIO

from botbuilder.core import Bot, BotAdapter, TurnContext
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationAccount,
    ConversationReference,
    ResourceResponse,
)
from adapters.render import views_in
from adapters.text import render_text
from bot.intents import payload
from bot.views import Card, View

CHANNEL_ID = "console"
TENANT_ID = "local"
BOT_ID = "reflect"
QUIT = "quit"
UPDATED = "(updated) "


def _utc_now() -> datetime:
    return datetime.now(UTC)


class ConsoleAdapter(BotAdapter):
    """One local user in a terminal: typed numbers arrive as card clicks, exactly as Teams would send them."""

    def __init__(
        self,
        user: str,
        out: TextIO,
        *,
        clock: Callable[[], datetime] = _utc_now,
        on_turn_error: Callable[[TurnContext, Exception], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(on_turn_error)
        self._out = out
        self._clock = clock
        self._user = ChannelAccount(id=user, name=user, role="user")
        self._bot = ChannelAccount(id=BOT_ID, name="Reflect", role="bot")
        self._conversation = ConversationAccount(
            id=f"console:{user}", tenant_id=TENANT_ID, conversation_type="personal", is_group=False
        )
        self._ids = count(1)
        self._numbered: dict[str, dict[str, object]] = {}
        self._numbered_on: str | None = None
        """The id of the message whose numbers are in effect, so a click on it can update it in place."""

    async def run(self, bot: Bot, lines: AsyncIterable[str]) -> None:
        """Adds the user and the bot first, as the Emulator does, then runs one turn per typed line until EOF or `quit`."""
        await self._turn(bot, self._incoming(ActivityTypes.conversation_update, members_added=[self._user, self._bot]))
        async for line in lines:
            typed = line.strip()
            if typed.lower() == QUIT:
                return
            if typed:
                await self._turn(bot, self._typed(typed))

    async def send_activities(self, context: TurnContext, activities: list[Activity]) -> list[ResourceResponse]:
        """Writes each reply and gives it an id, so the bot can update it in place as it would in Teams."""
        responses = []
        for activity in activities:
            activity.id = f"out-{next(self._ids)}"
            if activity.type == ActivityTypes.message:
                self._write(activity, prefix="")
            responses.append(ResourceResponse(id=activity.id))
        return responses

    async def update_activity(self, context: TurnContext, activity: Activity) -> ResourceResponse:
        """A terminal cannot rewrite earlier output, so the updated card is printed again, marked as such."""
        self._write(activity, prefix=UPDATED)
        return ResourceResponse(id=activity.id)

    async def delete_activity(self, context: TurnContext, reference: ConversationReference) -> None:
        """A terminal cannot take back what it printed; the message simply stays on screen."""

    async def _turn(self, bot: Bot, activity: Activity) -> None:
        await self.run_pipeline(TurnContext(self, activity), bot.on_turn)

    def _typed(self, typed: str) -> Activity:
        """A listed number is a click; anything else is typed text, as in a Teams chat.

        Text meant for a card's text box reaches the bot as plain text too: the bot knows which
        answer it is waiting for, and commands such as `help` keep working mid-card.
        """
        value = self._numbered.get(typed)
        if value is not None:
            return self._incoming(ActivityTypes.message, value=value, reply_to_id=self._numbered_on)
        return self._incoming(ActivityTypes.message, text=typed)

    def _incoming(self, kind: str, **fields: Any) -> Activity:
        return Activity(
            type=kind,
            id=f"in-{next(self._ids)}",
            timestamp=self._clock(),
            channel_id=CHANNEL_ID,
            service_url="",
            from_property=self._user,
            recipient=self._bot,
            conversation=self._conversation,
            **fields,
        )

    def _write(self, activity: Activity, *, prefix: str) -> None:
        texts = [self._render(view, activity.id) for view in views_in(activity)] or ([activity.text] if activity.text else [])
        for text in texts:
            self._out.write(f"{prefix}{text}\n\n")
        self._out.flush()

    def _render(self, view: View, shown_as: str | None) -> str:
        """The last card that offered buttons or a text box decides what the next typed line means.

        Payloads are made as the card is shown, as in Teams, so typing a number twice is the same tap twice.
        """
        text, buttons = render_text(view)
        if isinstance(view, Card) and (buttons or view.text_input is not None):
            self._numbered = {str(number): payload(button.intent) for number, button in enumerate(buttons, start=1)}
            self._numbered_on = shown_as
        return text


async def stdin_lines(stream: TextIO | None = None) -> AsyncIterator[str]:
    """Reads in a daemon thread, so a blocked terminal read never stalls the event loop or holds up exit."""
    source = sys.stdin if stream is None else stream
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str] = asyncio.Queue()

    def deliver(line: str) -> bool:
        """False once the loop has closed: the chat is over and nobody is reading."""
        try:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        except RuntimeError:
            return False
        return True

    def pump() -> None:
        for line in iter(source.readline, ""):
            if not deliver(line):
                return
        deliver("")

    threading.Thread(target=pump, name="console-stdin", daemon=True).start()
    while line := await queue.get():
        yield line
