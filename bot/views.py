"""Channel-neutral views: what a flow wants to show, before any channel decides how.

Renderers (Adaptive Cards for Teams, Block Kit for Slack, numbered text for the console)
turn these into messages; flows never see a channel.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from bot.exports import ExportRequest
from bot.intents import Intent
from bot.models import Person

Label = Annotated[str, Field(min_length=1, max_length=60)]


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Button(_View):
    """One tap. `primary` marks the suggested next step."""

    label: Label
    intent: Intent
    primary: bool = False


class Fact(_View):
    """A label and its value; `who` names a person the value is about, shown before it in each channel's own way."""

    label: Annotated[str, Field(min_length=1, max_length=60)]
    value: Annotated[str, Field(min_length=1, max_length=300)]
    who: Person | None = None


class TextInput(_View):
    """A free-text box; its text is merged into `submit`'s payload under the key `text`."""

    placeholder: Annotated[str, Field(max_length=120)]
    max_length: Annotated[int, Field(ge=1, le=2000)]
    submit: Button


class Card(_View):
    """A prompt or summary: title, progress, text, facts, main choices and secondary actions.

    `ref` names what the card is about (for example "section:a-1:4c") so that a channel can
    update the card in place after it is answered.
    """

    title: Annotated[str, Field(min_length=1, max_length=150)]
    progress: Annotated[str, Field(max_length=120)] | None = None
    lines: tuple[Annotated[str, Field(max_length=1000)], ...] = ()
    facts: tuple[Fact, ...] = ()
    choices: tuple[Button, ...] = ()
    text_input: TextInput | None = None
    actions: tuple[Button, ...] = ()
    ref: str | None = None
    notify: bool = False
    """@mention the people the facts name (a channel digest's owners); otherwise they are only named."""


class Notice(_View):
    """A short plain message: an acknowledgement or a polite refusal."""

    text: Annotated[str, Field(min_length=1, max_length=1000)]


class FileOffer(_View):
    """A file made for one person: the channel makes it (off the event loop) and delivers it its own way."""

    request: ExportRequest
    subject: Annotated[str, Field(min_length=1, max_length=120)]


View = Card | Notice | FileOffer
