"""Adaptive Card rendering: payloads round-trip, only Adaptive Cards 1.5 is used, and cards fit Teams' size limit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.render import render
from adapters.text import render_text
from adapters.teams.cards import (
    ADAPTIVE_CARD_CONTENT_TYPE,
    BUTTON_PADDING,
    CHARACTER_WIDTH,
    ELLIPSIS,
    ROW_WIDTH,
    MAX_CARD_BYTES,
    NON_BLANK,
    SCHEMA,
    TEXT_INPUT_ID,
    card_attachment,
    plain,
    render_card,
    utf16_size,
)
from bot.framework import Level
from bot.intents import (
    AddEvidence,
    Intent,
    NextSection,
    Rate,
    ShowMenu,
    SkipEvidence,
    TakeIdea,
    parse,
)
from bot.models import NOT_SURE
from bot.views import Button, Card, Fact, Notice, TextInput
from tests.builders import SAMPLE_ASSESSMENT, bare, sample_card

JsonObject = dict[str, Any]

_ELEMENT = {"type", "fallback", "height", "separator", "spacing", "id", "isVisible", "requires"}
_INPUT = _ELEMENT | {"errorMessage", "isRequired", "label"}
_ACTION = {"type", "title", "iconUrl", "id", "style", "fallback", "tooltip", "isEnabled", "mode", "requires"}
PROPERTIES_IN_1_5 = {
    "AdaptiveCard": {
        "type", "version", "refresh", "authentication", "body", "actions", "selectAction", "fallbackText",
        "backgroundImage", "minHeight", "rtl", "speak", "lang", "verticalContentAlignment", "$schema",
    },
    "TextBlock": _ELEMENT | {
        "text", "color", "fontType", "horizontalAlignment", "isSubtle", "maxLines", "size", "weight", "wrap", "style",
    },
    "FactSet": _ELEMENT | {"facts"},
    "ActionSet": _ELEMENT | {"actions"},
    "Input.Text": _INPUT | {"isMultiline", "maxLength", "placeholder", "regex", "style", "inlineAction", "value"},
    "Action.Submit": _ACTION | {"data", "associatedInputs"},
}
"""Every type Reflect renders, with its properties as listed in the Adaptive Cards 1.5.0 JSON schema."""
FACT_PROPERTIES = {"type", "title", "value"}
ENUMS_IN_1_5 = {
    ("TextBlock", "weight"): {"default", "lighter", "bolder"},
    ("TextBlock", "size"): {"default", "small", "medium", "large", "extralarge"},
    ("TextBlock", "style"): {"default", "heading"},
    ("Action.Submit", "associatedInputs"): {"auto", "none"},
}

ASSESSMENT = SAMPLE_ASSESSMENT


def _all_intents(card: Card) -> list[Intent]:
    submit = [card.text_input.submit] if card.text_input else []
    return [button.intent for button in (*card.choices, *submit, *card.actions)]


def _submit_actions(content: JsonObject) -> list[JsonObject]:
    body_actions = [action for element in content["body"] if element["type"] == "ActionSet" for action in element["actions"]]
    return body_actions + content.get("actions", [])


def _clicked(action: JsonObject, inputs: dict[str, str]) -> JsonObject:
    """What Teams sends as activity.value: the action's data, plus the card's inputs unless it opts out."""
    if action.get("associatedInputs", "auto").lower() == "none":
        return dict(action["data"])
    return {**action["data"], **inputs}


def _objects(node: object, path: str = "") -> Iterator[tuple[str, JsonObject]]:
    """Every JSON object in the card except inside button data, which is ours and not Adaptive Card schema."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            if key != "data":
                yield from _objects(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _objects(item, f"{path}/{index}")


def test_every_button_submits_a_payload_that_parses_back_to_its_intent() -> None:
    card = sample_card("Add evidence")
    submitted = [bare(parse(action["data"])) for action in _submit_actions(render_card(card))]
    assert sorted(map(repr, submitted)) == sorted(map(repr, _all_intents(card)))


def test_text_box_submit_with_the_typed_text_merged_in_parses_as_evidence() -> None:
    content = render_card(sample_card("Add evidence"))
    (box,) = [element for element in content["body"] if element["type"] == "Input.Text"]
    (submit,) = [action for action in _submit_actions(content) if "associatedInputs" not in action]
    value = _clicked(submit, {box["id"]: "Minutes of the March community panel"})
    assert box["id"] == TEXT_INPUT_ID == "text"
    assert bare(parse(value)) == AddEvidence(assessment=ASSESSMENT, section="4c", text="Minutes of the March community panel")


def test_other_buttons_still_parse_when_the_text_box_holds_text() -> None:
    content = render_card(sample_card("Add evidence"))
    for action in _submit_actions(content):
        parse(_clicked(action, {TEXT_INPUT_ID: "half-typed evidence"}))


def test_card_is_version_1_5_and_uses_only_1_5_types_properties_and_values() -> None:
    content = render_card(sample_card("Add evidence"))
    assert content["version"] == "1.5"
    assert content["$schema"] == SCHEMA
    for path, obj in _objects(content):
        if re.search(r"/facts/\d+$", path):
            assert set(obj) <= FACT_PROPERTIES, path
            continue
        kind = obj.get("type")
        assert kind in PROPERTIES_IN_1_5, f"{path}: {kind}"
        assert set(obj) <= PROPERTIES_IN_1_5[kind], f"{path}: {set(obj) - PROPERTIES_IN_1_5[kind]}"
        for (enum_type, prop), allowed in ENUMS_IN_1_5.items():
            if kind == enum_type and prop in obj:
                assert obj[prop].lower() in allowed, f"{path}/{prop}: {obj[prop]}"


def _row_titles(rows: list[JsonObject]) -> list[list[str]]:
    return [[action["title"] for action in row["actions"]] for row in rows]


def test_reading_order_is_heading_progress_lines_facts_choices_then_text_box_then_other_buttons() -> None:
    card = sample_card("Add evidence")
    body = render_card(card)["body"]
    assert [element["type"] for element in body] == [
        "TextBlock", "TextBlock", "TextBlock", "TextBlock", "FactSet", "ActionSet", "ActionSet", "Input.Text",
        "ActionSet", "ActionSet",
    ]
    heading, progress, *lines = body[:4]
    assert heading == {
        "type": "TextBlock", "text": card.title, "style": "heading", "weight": "bolder", "size": "medium", "wrap": True,
    }
    assert progress == {"type": "TextBlock", "text": card.progress, "isSubtle": True, "size": "small", "wrap": True}
    assert [line["text"] for line in lines] == list(card.lines)
    assert all(line["wrap"] for line in lines)
    assert body[4]["facts"] == [{"title": "Last answer", "value": "Developing"}, {"title": "Evidence", "value": "None yet"}]
    assert _row_titles(body[5:7]) == [["Emerging", "Developing", "Maturing"], ["Thriving", "Not sure"]]


def test_a_plain_card_is_a_heading_and_its_lines_with_no_empty_containers() -> None:
    content = render_card(Card(title="Your actions", lines=("Nothing is due this week.",)))
    assert [element["text"] for element in content["body"]] == ["Your actions", "Nothing is due this week."]
    assert content["body"][0]["style"] == "heading"
    assert "actions" not in content


def test_the_text_box_button_leads_then_primary_buttons_and_no_button_is_styled() -> None:
    content = render_card(sample_card("Add evidence"))
    assert _row_titles(content["body"][8:]) == [["Add evidence", "Next section"], ["Skip evidence", "Menu"]]
    assert "actions" not in content
    assert all("style" not in action for action in _submit_actions(content))


def _choices(*labels: str) -> Card:
    return Card(title="Pick one", choices=tuple(Button(label=label, intent=ShowMenu()) for label in labels))


def test_no_row_of_buttons_holds_more_than_six_however_short_the_labels() -> None:
    rows = render_card(_choices(*(str(number) for number in range(1, 15))))["body"][1:]
    assert [len(row["actions"]) for row in rows] == [6, 6, 2]
    assert [action["title"] for row in rows for action in row["actions"]] == [str(n) for n in range(1, 15)]


def test_rows_fill_only_as_far_as_a_phone_screen_allows() -> None:
    rows = render_card(_choices("Start an assessment", "Resume", "My actions", "Help"))["body"][1:]
    assert _row_titles(rows) == [["Start an assessment", "Resume"], ["My actions", "Help"]]
    for row in rows:
        titles = [action["title"] for action in row["actions"]]
        assert BUTTON_PADDING * len(titles) + CHARACTER_WIDTH * len("".join(titles)) + 8 * (len(titles) - 1) <= ROW_WIDTH


def test_a_label_too_long_to_share_a_row_gets_a_row_of_its_own() -> None:
    rows = render_card(_choices("Looking back at past work", "Planning new work"))["body"][1:]
    assert _row_titles(rows) == [["Looking back at past work"], ["Planning new work"]]


def test_the_card_action_bar_is_never_used_as_hosts_show_it_as_one_row() -> None:
    content = render_card(sample_card())
    assert "actions" not in content
    assert {action["title"] for action in _submit_actions(content)} >= {"Skip evidence", "Menu", "Next section"}


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("**Urgent** [click](https://example.org)", r"\*\*Urgent\*\* \[click\](https://example.org)"),
        ("<at>Bob</at> & _you_", r"\<at\>Bob\</at\> \& \_you\_"),
        ("`code` ~~gone~~ back\\slash", r"\`code\` \~\~gone\~\~ back\\slash"),
        ("1. first\n2) second\n- bullet\n+ plus\n# heading\n===", "1\\. first\n2\\) second\n\\- bullet\n\\+ plus\n\\# heading\n\\==="),
        ("A plain sentence, 3.5 times - no change.", "A plain sentence, 3.5 times - no change."),
    ],
)
def test_plain_escapes_every_markdown_marker_teams_would_format(typed: str, shown: str) -> None:
    assert plain(typed) == shown


def test_user_text_anywhere_on_a_card_is_escaped_but_buttons_and_fallback_stay_as_typed() -> None:
    typed = "**Urgent** <at>Bob</at>"
    card = Card(
        title=typed, progress=typed, lines=(typed,), facts=(Fact(label=typed, value=typed),),
        choices=(Button(label=typed, intent=ShowMenu()),),
    )
    content = render_card(card)
    escaped = plain(typed)
    assert [element.get("text") for element in content["body"][:3]] == [escaped] * 3
    assert content["body"][3]["facts"] == [{"title": escaped, "value": escaped}]
    assert content["body"][4]["actions"][0]["title"] == typed
    assert content["fallbackText"].startswith(typed)


def test_the_required_text_box_says_what_is_missing() -> None:
    (box,) = [element for element in render_card(sample_card())["body"] if element["type"] == "Input.Text"]
    assert box["isRequired"] is True
    assert box["errorMessage"] == "Please type something here first."


def test_fallback_text_is_the_plain_text_rendering_without_typing_hints() -> None:
    card = sample_card("Add evidence")
    fallback = render_card(card)["fallbackText"]
    assert fallback == render_text(card, hint=False)[0]
    assert fallback.startswith(card.title)
    assert "pick a number" not in fallback
    assert "speak" not in render_card(card)


def test_text_box_is_named_without_repeating_the_heading_multiline_bounded_and_refuses_blank_answers() -> None:
    card = sample_card("Add evidence")
    (box,) = [element for element in render_card(card)["body"] if element["type"] == "Input.Text"]
    assert box["label"] == "Your answer" != card.title
    assert text_box_label(card.model_copy(update={"text_input": card.text_input.model_copy(update={"label": "Your evidence"})})) == "Your evidence"
    assert box["placeholder"] == "What shows this? A document, a meeting, a change"
    assert box["isMultiline"] is True
    assert box["maxLength"] == 2000
    assert box["isRequired"] is True
    for accepted in ("x", "  two\nlines  "):
        assert re.fullmatch(box["regex"], accepted) and re.search(box["regex"], accepted)
    for refused in ("", "   ", "\n\t "):
        assert not re.fullmatch(box["regex"], refused) and not re.search(box["regex"], refused)
    assert box["regex"] == NON_BLANK


def text_box_label(card: Card) -> str:
    (box,) = [element for element in render_card(card)["body"] if element["type"] == "Input.Text"]
    return str(box["label"])


def test_card_attachment_carries_the_rendered_card_as_an_adaptive_card(fixed_nonce: str) -> None:
    card = sample_card("Add evidence")
    attachment = card_attachment(card)
    assert attachment.content_type == ADAPTIVE_CARD_CONTENT_TYPE == "application/vnd.microsoft.card.adaptive"
    assert attachment.content == render_card(card)


def test_utf16_size_counts_emoji_as_two_code_units_and_cjk_as_one() -> None:
    assert utf16_size("a") == 2 * 3
    assert utf16_size("健") == 2 * 3
    assert utf16_size("😀") == 2 * 4
    assert utf16_size({"k": "😀健"}) == 2 * len('{"k": "') + 2 * 3 + 2 * len('"}')


EMOJI_CJK = "😀健康👩‍⚕️地域"
"""Mixed text at its worst in UTF-16: surrogate pairs, a ZWJ sequence and CJK."""


def _text(length: int) -> str:
    return (EMOJI_CJK * (length // len(EMOJI_CJK) + 1))[:length]


def _button(intent: Intent) -> Button:
    return Button(label=_text(60), intent=intent)


def _card_at_field_limits(lines: int, facts: int) -> Card:
    """Every string at its views maximum and every id at the 256-character `Id` maximum."""
    assessment = _text(256)
    return Card(
        title=_text(150),
        progress=_text(120),
        lines=tuple(_text(1000) for _ in range(lines)),
        facts=tuple(Fact(label=_text(60), value=_text(300)) for _ in range(facts)),
        choices=tuple(_button(Rate(assessment=assessment, section="4c", level=level)) for level in (*Level, NOT_SURE)),
        text_input=TextInput(
            placeholder=_text(120), max_length=2000, submit=_button(AddEvidence(assessment=assessment, section="4c"))
        ),
        actions=(
            *(_button(TakeIdea(assessment=assessment, section="4c", idea=idea)) for idea in range(4)),
            _button(SkipEvidence(assessment=assessment, section="4c")),
            _button(NextSection(assessment=assessment, section="4c")),
        ),
        ref=_text(40),
    )


def test_a_card_with_every_field_at_its_limit_fits_untrimmed_with_five_lines_and_eight_facts() -> None:
    """Views bound lengths but not counts, so no largest card exists: this one is generous, and needs no trimming."""
    card = _card_at_field_limits(lines=5, facts=8)
    content = render_card(card)
    assert utf16_size(content) <= MAX_CARD_BYTES
    assert [element["text"] for element in content["body"][2:7]] == list(card.lines)
    assert content["fallbackText"] == render_text(card, hint=False)[0]


def test_an_oversized_card_trims_only_its_longest_lines_with_an_ellipsis_to_fit() -> None:
    card = _card_at_field_limits(lines=30, facts=8)
    card = card.model_copy(update={"lines": ("A short line stays whole.", *card.lines)})
    content = render_card(card)
    texts = [element["text"] for element in content["body"][2:33]]
    assert utf16_size(content) <= MAX_CARD_BYTES
    assert texts[0] == "A short line stays whole."
    assert all(text.endswith(ELLIPSIS) for text in texts[1:])
    assert len({len(text) for text in texts[1:]}) == 1
    assert all(card.lines[1].startswith(text[:-1]) for text in texts[1:])
    assert content["body"][0]["text"] == card.title
    for action in _submit_actions(content):
        parse(action["data"])


def test_a_card_that_cannot_fit_even_with_its_lines_trimmed_is_refused() -> None:
    card = _card_at_field_limits(lines=3, facts=100)
    with pytest.raises(ValueError, match="cannot be trimmed"):
        render_card(card)


def test_a_teams_card_message_carries_its_title_as_the_notification_summary(fixed_nonce: str) -> None:
    card = sample_card()
    activity = render(card, "msteams")
    assert activity.summary == card.title
    assert activity.attachments[0].content == render_card(card)
    assert render(Notice(text="Saved."), "msteams").summary is None
