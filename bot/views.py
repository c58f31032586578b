"""Channel-neutral views: what a flow wants to show, before any channel decides how.

Renderers (Adaptive Cards for Teams, Block Kit for Slack, numbered text for the console)
turn these into messages; flows never see a channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Literal

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
    label: Label | None = None
    """What the box asks for, in a few words; the card's heading above it already asks the question."""


class Item(_View):
    """One entry of a list that has buttons of its own (an action and its changes): a heading, a text, its buttons."""

    heading: Annotated[str, Field(min_length=1, max_length=150)]
    text: Annotated[str, Field(min_length=1, max_length=300)]
    buttons: tuple[Button, ...] = ()


class Picker(_View):
    """A date or a person to choose; the choice is merged into `submit`'s payload under the key `kind`.

    A person is anyone in the organisation, or with `nearby` only someone in this conversation (Teams offers
    organisation-wide search only in a personal chat). `earliest` is a hint to the client: the server checks anyway.
    """

    kind: Literal["date", "person"]
    label: Annotated[str, Field(min_length=1, max_length=60)]
    submit: Button
    required: Annotated[str, Field(min_length=1, max_length=120)]
    """What the client says when the picker is left empty."""
    earliest: date | None = None
    value: date | None = None
    nearby: bool = False
    people: tuple[tuple[Label, str], ...] = ()
    """People offered before any search, as (label, the channel's id for them): Teams lists them above its results."""


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
    items: tuple[Item, ...] = ()
    text_input: TextInput | None = None
    picker: Picker | None = None
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
    shared_where_asked: bool = False
    """The file may be posted where it was asked for: a group's export once its results are shared with the members.
    Anything else goes to the person alone, even when asked for in a channel."""


View = Card | Notice | FileOffer


def primary_first(buttons: Sequence[Button]) -> tuple[Button, ...]:
    """Teams cannot style a button, so every channel marks the suggested step by putting it first."""
    return tuple(sorted(buttons, key=lambda button: not button.primary))


def numbered(card: Card) -> tuple[Button, ...]:
    """A card's buttons in the order every channel's text numbers them: main choices, each list entry's, the others."""
    listed = (button for item in card.items for button in item.buttons)
    return (*primary_first(card.choices), *listed, *primary_first(card.actions))


class DataFile(_View):
    """A file for the person who asked (their data), delivered as each channel can: an upload into their direct
    message (Slack), a file-consent card whose accepted upload is made afresh (Teams), printed text (console).

    Not a `View`: it is sent beside a turn's views, never as a card, and never proactively.
    """

    name: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._-]+$")]
    media_type: Annotated[str, Field(min_length=1, max_length=100)]
    text: str
    caption: Annotated[str, Field(min_length=1, max_length=300)]
    kind: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z_]+$")]
    """What the file is (`my_data_json`), so a channel that uploads later (Teams, on consent) can make it again."""
