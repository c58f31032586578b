"""Adaptive Card 1.5 rendering for Teams: a pure function of a Card, kept inside Teams' message size limit.

Teams renders Adaptive Cards up to version 1.5 only, ignores positive/destructive button styles
(platform facts T22) and rejects messages above about 100 KB measured as UTF-16, recommending 80 KB (T20).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from botbuilder.schema import Attachment

from adapters.text import fact_text, person_name, primary_first, render_text
from bot import messages as say
from bot.intents import payload
from bot.views import Button, Card, Fact, Item, Picker, TextInput

ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
MAX_CARD_BYTES = 80 * 1024
TEXT_INPUT_ID = "text"
PEOPLE = "graph.microsoft.com/users"
PEOPLE_NEARBY = "graph.microsoft.com/users?scope=currentContext"
"""Organisation-wide search is offered only in a personal chat; elsewhere the picker lists the conversation's people."""
ELLIPSIS = "…"
NON_BLANK = r"[\s\S]*\S[\s\S]*"
"""Matches with or without anchoring, so every renderer refuses a blank answer before it is sent."""

ROW_WIDTH = 328
"""A 360 px phone screen less the card's padding: every row of buttons must fit it."""
BUTTON_PADDING, CHARACTER_WIDTH, BUTTON_GAP = 26, 7.5, 8
MAX_ROW_BUTTONS = 6
"""Hosts show at most six actions in one set and hide the rest."""
_MARKDOWN_ANYWHERE = re.compile(r"[\\`*_\[\]<>~&]")
"""Emphasis, code, links, strike-through, tags (so <at>mentions</at>) and entities."""
_MARKDOWN_LINE_START = re.compile(r"^([ \t]*\d*)([#+=.)-])", re.MULTILINE)
"""Headings (also underlined ones), bullets and numbered items; a lone `.` or `)` at a line start is escaped too,
which is harmless."""

JsonObject = dict[str, Any]


def utf16_size(obj: object) -> int:
    """Teams counts a message in UTF-16 bytes, where an emoji costs twice what a CJK character does."""
    return len(json.dumps(obj, ensure_ascii=False).encode("utf-16-le", "surrogatepass"))


def render_card(card: Card) -> JsonObject:
    """Views bound each field's length but not how many lines a card has, so the longest lines give way first.

    Lines longer than a common cap end in an ellipsis, with the cap as high as still fits in
    MAX_CARD_BYTES; a card that cannot fit even then raises ValueError rather than reach Teams as a 413.
    """
    content = _adaptive_card(card)
    if utf16_size(content) <= MAX_CARD_BYTES:
        return content
    fitted: JsonObject | None = None
    low, high = 1, max((len(line) for line in card.lines), default=1) - 1
    while low <= high:
        cap = (low + high) // 2
        candidate = _adaptive_card(_trim_lines(card, cap))
        if utf16_size(candidate) <= MAX_CARD_BYTES:
            fitted, low = candidate, cap + 1
        else:
            high = cap - 1
    if fitted is None:
        raise ValueError(
            f"card {card.ref!r} is {utf16_size(content)} bytes as UTF-16 and cannot be trimmed "
            f"to Teams' {MAX_CARD_BYTES}-byte limit"
        )
    return fitted


def card_attachment(card: Card) -> Attachment:
    """The activity attachment that carries a rendered card to Teams."""
    return Attachment(content_type=ADAPTIVE_CARD_CONTENT_TYPE, content=render_card(card))


def _trim_lines(card: Card, cap: int) -> Card:
    lines = tuple(line if len(line) <= cap else line[: cap - 1].rstrip() + ELLIPSIS for line in card.lines)
    return card.model_copy(update={"lines": lines})


def _adaptive_card(card: Card) -> JsonObject:
    """Body order is reading order for screen readers: heading, progress, text, facts, choices, input, other buttons.

    Every button sits in the body, in rows that fit a phone, rather than in the card's own action bar, which
    hosts lay out in one row of at most six.
    """
    body: list[JsonObject] = [
        {"type": "TextBlock", "text": plain(card.title), "style": "heading", "weight": "bolder", "size": "medium", "wrap": True}
    ]
    if card.progress:
        body.append({"type": "TextBlock", "text": plain(card.progress), "isSubtle": True, "size": "small", "wrap": True})
    body.extend({"type": "TextBlock", "text": _paragraphs(plain(line)), "wrap": True} for line in card.lines)
    if card.facts:
        body.append({"type": "FactSet", "facts": [_fact(fact, card.notify) for fact in card.facts]})
    body.extend(_button_rows([_submit(button) for button in primary_first(card.choices)]))
    for item in card.items:
        body.extend(_item(item))
    others = [_submit(button) for button in primary_first(card.actions)]
    if card.text_input is not None:
        body.append(_text_box(card.text_input, label=card.text_input.label or say.TEXT_BOX))
        others.insert(0, _submit(card.text_input.submit, sends_text=True))
    if card.picker is not None:
        body.append(_picker(card.picker))
        others.insert(0, _submit(card.picker.submit, sends_text=True))
    body.extend(_button_rows(others))
    content: JsonObject = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "fallbackText": render_text(card, hint=False)[0],
        "body": body,
    }
    if card.notify and any(fact.who for fact in card.facts):
        content["msteams"] = {"entities": _mentions(card.facts)}
    return content


def _button_rows(actions: Sequence[JsonObject]) -> list[JsonObject]:
    """One ActionSet per row, each row filled while it still fits a phone, so a long group becomes a short list."""
    rows: list[list[JsonObject]] = []
    for action in actions:
        if rows and len(rows[-1]) < MAX_ROW_BUTTONS and _row_width([*rows[-1], action]) <= ROW_WIDTH:
            rows[-1].append(action)
        else:
            rows.append([action])
    return [{"type": "ActionSet", "actions": row} for row in rows]


def _row_width(row: Sequence[JsonObject]) -> float:
    """Estimated pixels a row of buttons needs, from label lengths, erring wide (measured in tests/renderer)."""
    labels = sum(BUTTON_PADDING + CHARACTER_WIDTH * len(action["title"]) for action in row)
    return labels + BUTTON_GAP * (len(row) - 1)


def plain(text: str) -> str:
    """Text shown as typed: Teams reads TextBlock and fact text as markdown, so its markers are escaped."""
    escaped = _MARKDOWN_ANYWHERE.sub(r"\\\g<0>", text)
    return _MARKDOWN_LINE_START.sub(r"\1\\\2", escaped)


def _paragraphs(line: str) -> str:
    """Teams' card markdown runs single line breaks together; a blank line between keeps each on its own line."""
    return "\n\n".join(part for part in line.split("\n"))


def _mention_text(fact: Fact) -> str:
    assert fact.who is not None
    return f"<at>{person_name(fact.who)}</at>"


def _fact(fact: Fact, notify: bool) -> JsonObject:
    """With `notify`, the person a fact names is @mentioned (a tag here, an entity on the card); else only named.

    Everything else is escaped as typed, so only Reflect's own tag can ever mention anyone.
    """
    value = f"{_mention_text(fact)} {plain(fact.value)}" if notify and fact.who else plain(fact_text(fact))
    return {"title": plain(fact.label), "value": value}


def _mentions(facts: tuple[Fact, ...]) -> list[JsonObject]:
    """One mention entity per person, matching the `<at>` tags in the facts, as Teams requires."""
    people = {fact.who.user_id: fact for fact in facts if fact.who is not None}
    return [
        {"type": "mention", "text": _mention_text(fact), "mentioned": {"id": user_id, "name": person_name(fact.who)}}
        for user_id, fact in people.items()
        if fact.who is not None
    ]


def _submit(button: Button, *, sends_text: bool = False) -> JsonObject:
    """Only the input's own button gathers it: merged into any other intent it would be rejected."""
    action: JsonObject = {"type": "Action.Submit", "title": button.label, "data": payload(button.intent)}
    if not sends_text:
        action["associatedInputs"] = "none"
    return action


def _item(item: Item) -> list[JsonObject]:
    """A list entry: its heading, its text as typed, then its own rows of buttons, apart from every other entry's."""
    heading = {"type": "TextBlock", "text": plain(item.heading), "weight": "bolder", "wrap": True, "spacing": "medium"}
    text = {"type": "TextBlock", "text": plain(item.text), "wrap": True, "spacing": "none"}
    return [heading, text, *_button_rows([_submit(button) for button in item.buttons])]


def _picker(picker: Picker) -> JsonObject:
    """A date input or a people picker, required, with its id the key its value is merged into the payload under.

    Teams does not enforce a date input's `min`, and some clients post the day before the one chosen: the bot checks
    the date and says it back in words.
    """
    field: JsonObject = {"id": picker.kind, "label": picker.label, "isRequired": True, "errorMessage": picker.required}
    if picker.kind == "date":
        field["type"] = "Input.Date"
        if picker.earliest is not None:
            field["min"] = picker.earliest.isoformat()
        if picker.value is not None:
            field["value"] = picker.value.isoformat()
        return field
    dataset = PEOPLE_NEARBY if picker.nearby else PEOPLE
    choices = [{"title": label, "value": value} for label, value in picker.people]
    return {**field, "type": "Input.ChoiceSet", "choices": choices, "choices.data": {"type": "Data.Query", "dataset": dataset}}


def _text_box(text_input: TextInput, *, label: str) -> JsonObject:
    """Named in a few words for screen readers (the heading above already asks the question, so the label does not
    repeat it); required and non-blank, as an empty `text` fails parsing, with a message saying what is missing."""
    box: JsonObject = {
        "type": "Input.Text",
        "id": TEXT_INPUT_ID,
        "label": label,
        "isMultiline": True,
        "maxLength": text_input.max_length,
        "isRequired": True,
        "regex": NON_BLANK,
        "errorMessage": say.TEXT_REQUIRED,
    }
    if text_input.placeholder:
        box["placeholder"] = text_input.placeholder
    return box
