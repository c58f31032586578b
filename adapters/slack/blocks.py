"""Block Kit rendering for Slack: pure functions of a view, kept inside Slack's limits.

Every block is built with slack_sdk's models and serialised with `.to_dict()`, whose validators raise on
a breached per-field limit (platform facts S10), so a bad payload fails here instead of at Slack. The
limits slack_sdk does not check (50 blocks in a message, 100 in a Home tab, 2000 characters in a section
field, about 13k characters of block text in all, S11) are kept by shortening a card's lines and facts,
never its buttons: a card that lost a button could no longer be answered.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from itertools import count
from typing import Any, Literal

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    UserSelectElement,
)
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from slack_sdk.models.views import View as SlackView

from adapters.text import primary_first, render_text
from bot.intents import payload
from bot.views import Button, Card, Fact, Item, Picker, TextInput, View

BUTTON_ACTION_PREFIX = "reflect:"
TEXT_ACTION_ID = "reflect-text"
MODAL_CALLBACK_ID = "reflect-text"
MODAL_INPUT_ID = "text"
"""Both the block_id and the action_id of the modal's one input, so its value sits at values.text.text."""
MESSAGE_MAX_BLOCKS = 50
SURFACE_MAX_BLOCKS = 100
SECTION_TEXT_MAX = 3000
FIELD_TEXT_MAX = 2000
FIELDS_PER_SECTION = 10
HEADER_TEXT_MAX = 150
BUTTONS_PER_ACTIONS = 25
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
FALLBACK_TEXT_MAX = 3000
MESSAGE_TEXT_BUDGET = 10000  # summed block text; Slack has failed with msg_blocks_too_long from about 11.3k (S11)
"""Sum of all block text; Slack answers msg_blocks_too_long near 13k although each block is within its limit (S11)."""
MODAL_TITLE_MAX = 24
MODAL_LABEL_MAX = 2000
PRIVATE_METADATA_MAX = 3000
MODAL_PLACEHOLDER_MAX = 150
MODAL_INPUT_MAX = 3000
MODAL_SUBMIT = "Save"
MODAL_CLOSE = "Cancel"
SHORTENED = "Shortened to fit Slack."
ELLIPSIS = "…"

JsonObject = dict[str, Any]
Part = str | tuple[str, ...]
"""A body section before it is built: one line's text, or up to ten fact fields."""

_PARTIAL_ENTITY = re.compile(r"&[a-z]*$")
_EMPHASIS = re.compile(r"([*_~`])")
WORD_JOINER = "\u200b"
"""Slack has no escape for its emphasis markers; a zero-width space after each one stops it pairing them, invisibly."""
_SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,30}")


def message_blocks(view: View) -> tuple[str, list[JsonObject]]:
    """Blocks for the message, plus the `text` Slack shows in notifications and reads to screen readers."""
    if not isinstance(view, Card):
        text = render_text(view, hint=False)[0]
        return _mrkdwn(text, FALLBACK_TEXT_MAX), [SectionBlock(text=PlainTextObject(text=text)).to_dict()]
    return _mrkdwn(render_text(view, hint=False)[0], FALLBACK_TEXT_MAX), _card_blocks(view, MESSAGE_MAX_BLOCKS)


def home_view(card: Card) -> JsonObject:
    """The App Home tab for views.publish: the message rendering, with the 100 blocks a surface allows."""
    return SlackView(type="home", blocks=_card_blocks(card, SURFACE_MAX_BLOCKS)).to_dict()


def modal_view(spec: dict[str, Any], private_metadata: str) -> JsonObject:
    """A views.open modal for a text button's spec; private_metadata carries what the submission must act on."""
    if len(private_metadata) > PRIVATE_METADATA_MAX:
        raise ValueError(
            f"private_metadata is {len(private_metadata)} characters, "
            f"over Slack's {PRIVATE_METADATA_MAX}-character limit"
        )
    return SlackView(
        type="modal",
        callback_id=MODAL_CALLBACK_ID,
        title=PlainTextObject(text=spec["title"]),
        submit=PlainTextObject(text=MODAL_SUBMIT),
        close=PlainTextObject(text=MODAL_CLOSE),
        blocks=[InputBlock(block_id=MODAL_INPUT_ID, label=PlainTextObject(text=spec["label"]), element=_modal_input(spec))],
        private_metadata=private_metadata,
    ).to_dict()


def _modal_input(spec: dict[str, Any]) -> PlainTextInputElement | DatePickerElement | UserSelectElement:
    """A text box, a date picker or a users_select, as the button's spec asks."""
    kind = spec.get("input", "text")
    if kind == "date":
        return DatePickerElement(action_id=MODAL_INPUT_ID, initial_date=spec.get("initial"))
    if kind == "person":
        return UserSelectElement(action_id=MODAL_INPUT_ID)
    return PlainTextInputElement(
        action_id=MODAL_INPUT_ID,
        multiline=True,
        max_length=spec["max_length"],
        placeholder=PlainTextObject(text=spec["placeholder"]) if spec.get("placeholder") else None,
    )


def modal_text(view: JsonObject) -> str | None:
    """The answer from a view_submission's `view`: typed text, a picked date or a picked user; None when absent, so
    the intent's own check refuses it."""
    value: object = view
    for key in ("state", "values", MODAL_INPUT_ID, MODAL_INPUT_ID):
        value = value.get(key) if isinstance(value, dict) else None
    if not isinstance(value, dict):
        return None
    found = next((value[key] for key in ("value", "selected_date", "selected_user") if key in value), None)
    return found if isinstance(found, str) else None


def button_payload(action: JsonObject) -> JsonObject | None:
    """The intent JSON of one of Reflect's buttons; None for any other action, which must not start a turn."""
    if not str(action.get("action_id", "")).startswith(BUTTON_ACTION_PREFIX):
        return None
    return _json_object(action.get("value"))


class _TextSpec(BaseModel):
    """What `_text_button` writes into its value, within the limits of the modal it becomes."""

    model_config = ConfigDict(extra="forbid", strict=True)

    submit: dict[str, Any]
    title: str = Field(min_length=1, max_length=MODAL_TITLE_MAX)
    label: str = Field(min_length=1, max_length=MODAL_LABEL_MAX)
    placeholder: str | None = Field(default=None, max_length=MODAL_PLACEHOLDER_MAX)
    max_length: int = Field(ge=1, le=MODAL_INPUT_MAX)
    input: Literal["text", "date", "person"] = "text"
    """What the modal asks for; its answer is merged into the submit intent under this name."""
    initial: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")


def text_spec(action: JsonObject) -> JsonObject | None:
    """What the text button's modal needs (submit intent, title, label, placeholder, max_length); None otherwise."""
    if action.get("action_id") != TEXT_ACTION_ID:
        return None
    spec = _json_object(action.get("value"))
    try:
        _TextSpec.model_validate(spec)
    except ValidationError:
        return None
    return spec


def _json_object(value: object) -> JsonObject | None:
    """A value that is not a JSON object was not written by this module."""
    if not isinstance(value, str):
        return None
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _card_blocks(card: Card, max_blocks: int) -> list[JsonObject]:
    """Reading order, as in Teams: heading, progress, lines, facts, choices, text button, secondary actions."""
    numbers = count()
    head: list[Block] = [_title(card.title)]
    if card.progress:
        head.append(ContextBlock(elements=[PlainTextObject(text=card.progress)]))
    tail: list[Block] = [*_actions(card.choices, numbers, card.ref)]
    for item in card.items:
        tail.extend(_item(item, numbers, card.ref))
    if card.text_input is not None:
        tail.append(ActionsBlock(elements=[_text_button(card, card.text_input)]))
    if card.picker is not None:
        tail.append(ActionsBlock(elements=[_picker_button(card, card.picker)]))
    tail.extend(_actions(card.actions, numbers, card.ref))
    parts: list[Part] = [*(part for line in card.lines for part in _split(line, SECTION_TEXT_MAX))]
    parts.extend(_fact_groups(card.facts))
    return _fit(card, [block.to_dict() for block in head], parts, [block.to_dict() for block in tail], max_blocks)


def _fit(
    card: Card, head: list[JsonObject], parts: list[Part], tail: list[JsonObject], max_blocks: int
) -> list[JsonObject]:
    """Lines and facts give way from the end, keeping whole sections while they fit and shortening the last one."""
    fixed = _text_size([*head, *tail])
    if len(head) + len(parts) + len(tail) <= max_blocks and fixed + sum(map(_size, parts)) <= MESSAGE_TEXT_BUDGET:
        return [*head, *(_section(part) for part in parts), *tail]
    room = max_blocks - len(head) - len(tail) - 1
    budget = MESSAGE_TEXT_BUDGET - fixed - len(SHORTENED)
    if room < 0 or budget < 0:
        raise ValueError(
            f"card {card.ref!r} needs {len(head) + len(tail)} blocks and {fixed} characters for its heading and "
            f"buttons alone, over Slack's {max_blocks} blocks or {MESSAGE_TEXT_BUDGET} characters"
        )
    kept: list[Part] = []
    for part in parts[:room]:
        if _size(part) > budget:
            kept.extend(_shortened(part, budget))
            break
        kept.append(part)
        budget -= _size(part)
    marker = ContextBlock(elements=[PlainTextObject(text=SHORTENED)]).to_dict()
    return [*head, *(_section(part) for part in kept), *tail, marker]


def _shortened(part: Part, budget: int) -> list[Part]:
    """A line is cut to the budget left; facts keep only the whole fields that fit, as half a fact misleads."""
    if isinstance(part, str):
        return [_clip(part, budget)] if budget > len(ELLIPSIS) else []
    fields: list[str] = []
    for field in part:
        if len(field) > budget:
            break
        fields.append(field)
        budget -= len(field)
    return [tuple(fields)] if fields else []


def _size(part: Part) -> int:
    return len(part) if isinstance(part, str) else sum(map(len, part))


def _text_size(node: object) -> int:
    """Every `text` string in the blocks: Slack's aggregate limit is undocumented (S11), so all of them count."""
    if isinstance(node, dict):
        return sum(
            len(value) if key == "text" and isinstance(value, str) else _text_size(value) for key, value in node.items()
        )
    if isinstance(node, list):
        return sum(map(_text_size, node))
    return 0


def _title(title: str) -> Block:
    """A header holds 150 characters; a longer title still reads as a heading in bold."""
    if len(title) <= HEADER_TEXT_MAX:
        return HeaderBlock(text=PlainTextObject(text=title))
    return SectionBlock(text=MarkdownTextObject(text=f"*{_mrkdwn(title, SECTION_TEXT_MAX - 2)}*"))


def _section(part: Part) -> JsonObject:
    """Lines are plain text, so what people typed can never mention a channel or fake a link."""
    if isinstance(part, str):
        return SectionBlock(text=PlainTextObject(text=part)).to_dict()
    return SectionBlock(fields=[MarkdownTextObject(text=field) for field in part]).to_dict()


def _split(line: str, size: int) -> list[str]:
    """A section holds 3000 characters, so a longer line continues in the next one, broken at a space if one is near."""
    parts: list[str] = []
    rest = line
    while len(rest) > size:
        cut = rest.rfind(" ", size // 2, size + 1)
        cut = cut if cut > 0 else size
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    parts.append(rest)
    return [part for part in parts if part.strip()]


def _fact_groups(facts: Sequence[Fact]) -> Iterator[tuple[str, ...]]:
    """Fields show facts as label and value side by side; a section holds at most ten."""
    fields = [_field(fact) for fact in facts]
    for start in range(0, len(fields), FIELDS_PER_SECTION):
        yield tuple(fields[start : start + FIELDS_PER_SECTION])


def _field(fact: Fact) -> str:
    label = f"*{_mrkdwn(fact.label, FIELD_TEXT_MAX)}*\n" + _who(fact)
    return label + _mrkdwn(fact.value, FIELD_TEXT_MAX - len(label))


def _who(fact: Fact) -> str:
    """Slack shows `<@U…>` as the person's current name, and notifies them only where they are in the conversation.

    Only an id shaped like a Slack user id is written as a mention; anything else is shown as escaped text.
    """
    if fact.who is None:
        return ""
    if _SLACK_USER.fullmatch(fact.who.user_id):
        return f"<@{fact.who.user_id}> "
    return _mrkdwn(fact.who.name or fact.who.user_id, FIELD_TEXT_MAX // 4) + " · "


def _actions(buttons: Sequence[Button], numbers: Iterator[int], ref: str | None) -> Iterator[ActionsBlock]:
    """Primary first, as in every channel; an actions block holds 25 buttons."""
    elements = [_button(button, next(numbers), ref) for button in primary_first(buttons)]
    for start in range(0, len(elements), BUTTONS_PER_ACTIONS):
        yield ActionsBlock(elements=elements[start : start + BUTTONS_PER_ACTIONS])


def _button(button: Button, number: int, ref: str | None) -> ButtonElement:
    """Numbered across the message, as Slack needs unique action_ids; the value is the intent, which cannot be cut."""
    value = _compact(payload(button.intent))
    if len(value) > BUTTON_VALUE_MAX:
        raise ValueError(
            f"card {ref!r}: the {button.label!r} button's value is {len(value)} characters, "
            f"over Slack's {BUTTON_VALUE_MAX}-character limit"
        )
    return ButtonElement(
        text=PlainTextObject(text=_clip(button.label, BUTTON_TEXT_MAX)),
        action_id=f"{BUTTON_ACTION_PREFIX}{number}",
        value=value,
        style="primary" if button.primary else None,
    )


def _item(item: Item, numbers: Iterator[int], ref: str | None) -> Iterator[Block]:
    """A list entry as a fact is shown (its heading in bold, its text as typed), then its own buttons, so a button is
    plainly its entry's."""
    field = f"*{_mrkdwn(item.heading, FIELD_TEXT_MAX // 4)}*\n{_mrkdwn(item.text, FIELD_TEXT_MAX // 2)}"
    yield SectionBlock(fields=[MarkdownTextObject(text=field)])
    yield from _actions(item.buttons, numbers, ref)


def _picker_button(card: Card, picker: Picker) -> ButtonElement:
    """A button that opens a modal with a date picker or a users_select (Slack messages hold neither as an input
    whose value a button can send)."""
    spec: JsonObject = {
        "submit": payload(picker.submit.intent),
        "title": _clip(picker.label, MODAL_TITLE_MAX),
        "label": _clip(card.title, MODAL_LABEL_MAX),
        "max_length": MODAL_INPUT_MAX,
        "input": picker.kind,
    }
    if picker.value is not None:
        spec["initial"] = picker.value.isoformat()
    return ButtonElement(
        text=PlainTextObject(text=_clip(picker.submit.label, BUTTON_TEXT_MAX)),
        action_id=TEXT_ACTION_ID,
        value=_compact(spec),
        style="primary" if picker.submit.primary else None,
    )


def _text_button(card: Card, text_input: TextInput) -> ButtonElement:
    """Slack messages hold no text box, so this button opens a modal, and its value carries everything the modal needs.

    The card title labels the box for screen readers, as in Teams; it is the one part that can be shortened.
    """
    spec: JsonObject = {
        "submit": payload(text_input.submit.intent),
        "title": clip_at_word(card.title, MODAL_TITLE_MAX),
        "label": _clip(card.title, MODAL_LABEL_MAX),
        "placeholder": text_input.placeholder,
        "max_length": text_input.max_length,
    }
    value = _compact(spec)
    while len(value) > BUTTON_VALUE_MAX:
        keep = len(spec["label"]) - (len(value) - BUTTON_VALUE_MAX)
        if keep <= len(ELLIPSIS):
            raise ValueError(
                f"card {card.ref!r}: the text button's value is {len(value)} characters even with its label cut, "
                f"over Slack's {BUTTON_VALUE_MAX}-character limit"
            )
        spec["label"] = _clip(spec["label"], keep)
        value = _compact(spec)
    return ButtonElement(
        text=PlainTextObject(text=_clip(text_input.submit.label, BUTTON_TEXT_MAX)),
        action_id=TEXT_ACTION_ID,
        value=value,
        style="primary" if text_input.submit.primary else None,
    )


def clip_at_word(text: str, limit: int) -> str:
    """A title within `limit`, cut after the last whole word that fits (and its trailing punctuation dropped), so a
    modal reads 'Any evidence for 2a…' rather than 'Any evidence for 2a Exa…'; a single long word is cut as it is."""
    if len(text) <= limit:
        return text
    head = text[: limit - len(ELLIPSIS) + 1]
    cut = head.rfind(" ")
    words = head[:cut] if cut > 0 else head[: limit - len(ELLIPSIS)]
    return words.rstrip(" ,;:.-·") + ELLIPSIS


def _compact(value: object) -> str:
    """Unescaped Unicode, so a CJK or emoji character costs one of the value's 2000 characters, not six or twelve."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


def _mrkdwn(text: str, limit: int) -> str:
    """Slack reads `&`, `<` and `>` as markup in mrkdwn; escaped, typed text cannot ping a channel or fake a link.

    `*`, `_`, `~` and backticks are followed by a zero-width space, so typed `*Urgent*` shows as typed, not bold.
    Cutting never leaves half an entity, which Slack would show as stray text.
    """
    escaped = _EMPHASIS.sub(r"\1" + WORD_JOINER, text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    if len(escaped) <= limit:
        return escaped
    return _PARTIAL_ENTITY.sub("", escaped[: limit - len(ELLIPSIS)]).rstrip() + ELLIPSIS
