"""Block Kit rendering: button values round-trip, and every Slack limit holds at the limit and one past it."""

from __future__ import annotations

import html
import json
from typing import Any

import pytest
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View as SlackView

from adapters.text import render_text
from adapters.slack.blocks import (
    BUTTON_ACTION_PREFIX,
    BUTTON_TEXT_MAX,
    BUTTON_VALUE_MAX,
    ELLIPSIS,
    FALLBACK_TEXT_MAX,
    FIELD_TEXT_MAX,
    MESSAGE_MAX_BLOCKS,
    MESSAGE_TEXT_BUDGET,
    MODAL_CALLBACK_ID,
    PRIVATE_METADATA_MAX,
    SECTION_TEXT_MAX,
    SHORTENED,
    SURFACE_MAX_BLOCKS,
    TEXT_ACTION_ID,
    button_payload,
    home_view,
    message_blocks,
    modal_text,
    modal_view,
    text_spec,
)
from bot.intents import (
    AddEvidence,
    Intent,
    NextSection,
    ShowMenu,
    ShowPhases,
    SkipEvidence,
    TakeIdea,
    parse,
    payload,
)
from bot.views import Button, Card, Fact, Notice, TextInput
from tests.builders import SAMPLE_ASSESSMENT, bare, sample_card

JsonObject = dict[str, Any]

ASSESSMENT = SAMPLE_ASSESSMENT
REF = "section:a-0123456789abcdef:4c"
EMOJI_CJK = "😀健康👩‍⚕️地域"
"""Surrogate pairs in UTF-16, a ZWJ sequence and CJK: each counts as one or more code points."""


def _valid(blocks: list[JsonObject]) -> list[JsonObject]:
    """slack_sdk parses each block back into its model, revalidates it and serialises it unchanged."""
    assert [block.to_dict() for block in Block.parse_all(blocks)] == blocks
    return blocks


def _render(card: Card | Notice) -> tuple[str, list[JsonObject]]:
    text, blocks = message_blocks(card)
    assert 0 < len(text) <= FALLBACK_TEXT_MAX
    assert len(blocks) <= MESSAGE_MAX_BLOCKS
    return text, _valid(blocks)


def _buttons(blocks: list[JsonObject]) -> list[JsonObject]:
    return [element for block in blocks if block["type"] == "actions" for element in block["elements"]]


def _intent_buttons(blocks: list[JsonObject]) -> list[JsonObject]:
    return [button for button in _buttons(blocks) if button["action_id"].startswith(BUTTON_ACTION_PREFIX)]


def _text_button(blocks: list[JsonObject]) -> JsonObject:
    (button,) = [button for button in _buttons(blocks) if button["action_id"] == TEXT_ACTION_ID]
    return button


def _sections(blocks: list[JsonObject]) -> list[str]:
    return [block["text"]["text"] for block in blocks if block["type"] == "section" and "text" in block]


def _lines_card(count: int) -> Card:
    return Card(title="Lines", lines=tuple(f"Line {number}" for number in range(count)), ref="lines")


def _submission(spec: JsonObject, typed: str) -> JsonObject:
    """The `view` of a view_submission payload for the modal, shaped as Slack sends it."""
    view = modal_view(spec, private_metadata="{}")
    return {**view, "state": {"values": {"text": {"text": {"type": "plain_text_input", "value": typed}}}}}


def test_every_button_value_parses_back_to_its_intent_in_primary_first_order() -> None:
    card = sample_card()
    buttons = _intent_buttons(_render(card)[1])
    expected: list[Intent] = [
        *(button.intent for button in card.choices),
        NextSection(assessment=ASSESSMENT, section="4c"),
        SkipEvidence(assessment=ASSESSMENT, section="4c"),
        ShowMenu(),
    ]
    assert [bare(parse(json.loads(button["value"]))) for button in buttons] == expected
    assert [bare(parse(button_payload(button))) for button in buttons] == expected
    assert [button["text"]["text"] for button in buttons] == [
        "Emerging", "Developing", "Maturing", "Thriving", "Not sure", "Next section", "Skip evidence", "Menu",
    ]


def test_action_ids_are_unique_and_numbered_across_the_message() -> None:
    buttons = _buttons(_render(sample_card())[1])
    action_ids = [button["action_id"] for button in buttons]
    assert len(set(action_ids)) == len(action_ids)
    numbered = [f"reflect:{number}" for number in range(8)]
    assert action_ids == [*numbered[:5], TEXT_ACTION_ID, *numbered[5:]]


def test_only_primary_buttons_are_styled_primary() -> None:
    buttons = _intent_buttons(_render(sample_card())[1])
    assert [button.get("style") for button in buttons] == [None] * 5 + ["primary", None, None]


def test_reading_order_is_heading_progress_lines_facts_choices_text_button_then_actions() -> None:
    card = sample_card()
    blocks = _render(card)[1]
    assert [block["type"] for block in blocks] == [
        "header", "context", "section", "section", "section", "actions", "actions", "actions",
    ]
    assert blocks[0]["text"] == {"type": "plain_text", "text": card.title}
    assert blocks[1]["elements"] == [{"type": "plain_text", "text": card.progress}]
    assert _sections(blocks) == list(card.lines)
    assert [field["text"] for field in blocks[4]["fields"]] == ["*Last answer*\nDeveloping", "*Evidence*\nNone yet"]
    assert all(field["type"] == "mrkdwn" for field in blocks[4]["fields"])
    assert blocks[6]["elements"] == [_text_button(blocks)]


def test_text_button_opens_a_modal_whose_submission_parses_as_the_submit_intent(fixed_nonce: str) -> None:
    card = sample_card()
    button = _text_button(_render(card)[1])
    spec = text_spec(button)
    assert spec is not None
    assert button["text"]["text"] == "Save evidence"
    assert spec == {
        "submit": {"v": 1, "intent": "evidence", "assessment": ASSESSMENT, "section": "4c", "n": fixed_nonce},
        "title": "4c Working with" + ELLIPSIS,
        "label": card.title,
        "placeholder": "What shows this? A document, a meeting, a change",
        "max_length": 2000,
    }
    assert button["value"] == json.dumps(spec, ensure_ascii=False, separators=(",", ":"))
    view = _submission(spec, "Minutes of the March community panel")
    typed = modal_text(view)
    assert parse({**spec["submit"], "text": typed}) == AddEvidence(
        assessment=ASSESSMENT, section="4c", text="Minutes of the March community panel", n=fixed_nonce
    )


def test_modal_is_a_multiline_input_named_by_the_question_with_the_given_metadata() -> None:
    spec = text_spec(_text_button(_render(sample_card())[1]))
    assert spec is not None
    view = modal_view(spec, private_metadata='{"channel":"D1"}')
    assert SlackView(**view).to_dict() == view
    assert view["type"] == "modal"
    assert view["callback_id"] == MODAL_CALLBACK_ID
    assert view["submit"]["text"] == "Save"
    assert view["close"]["text"] == "Cancel"
    assert view["private_metadata"] == '{"channel":"D1"}'
    (box,) = view["blocks"]
    assert box["block_id"] == "text"
    assert box["label"]["text"] == spec["label"]
    assert box["element"] == {
        "type": "plain_text_input",
        "action_id": "text",
        "multiline": True,
        "max_length": 2000,
        "placeholder": {"type": "plain_text", "text": spec["placeholder"]},
    }


def test_modal_leaves_out_an_empty_placeholder() -> None:
    card = sample_card().model_copy(
        update={"text_input": TextInput(placeholder="", max_length=120, submit=Button(label="Save", intent=ShowMenu()))}
    )
    spec = text_spec(_text_button(_render(card)[1]))
    assert spec is not None
    assert "placeholder" not in modal_view(spec, "")["blocks"][0]["element"]


def test_modal_text_is_none_when_the_submission_carries_no_value() -> None:
    assert modal_text({"state": {"values": {}}}) is None
    assert modal_text({}) is None


def test_only_reflect_actions_yield_payloads_or_specs() -> None:
    blocks = _render(sample_card())[1]
    first, text = _intent_buttons(blocks)[0], _text_button(blocks)
    assert button_payload(text) is None
    assert text_spec(first) is None
    assert button_payload({"action_id": "other-app", "value": first["value"]}) is None
    assert button_payload({"action_id": "reflect:0", "value": "not json"}) is None
    assert button_payload({"action_id": "reflect:0", "value": "[1]"}) is None
    assert button_payload({"action_id": "reflect:0"}) is None


def test_a_notice_is_one_plain_text_section_and_its_escaped_text_is_the_fallback() -> None:
    text, blocks = _render(Notice(text="Saved <!channel> & done"))
    assert blocks == [{"type": "section", "text": {"type": "plain_text", "text": "Saved <!channel> & done"}}]
    assert text == "Saved &lt;!channel&gt; &amp; done"


def test_card_fallback_is_the_plain_text_rendering_escaped_and_within_its_limit() -> None:
    card = sample_card()
    assert _render(card)[0] == render_text(card, hint=False)[0]
    long_card = Card(title="Long", lines=tuple("<x> & " * 166 for _ in range(12)))
    text = _render(long_card)[0]
    assert FALLBACK_TEXT_MAX - len("&amp;") <= len(text) <= FALLBACK_TEXT_MAX
    assert text.startswith("Long\n\n&lt;x&gt; &amp;")
    assert text.endswith(ELLIPSIS)
    assert render_text(long_card, hint=False)[0].startswith(html.unescape(text[: -len(ELLIPSIS)]))
    assert "<" not in text


def test_fields_escape_markup_so_typed_text_cannot_mention_or_link() -> None:
    card = Card(title="Facts", facts=(Fact(label="<b>", value="<@U123> & <https://x.example|y>"),))
    (field,) = _render(card)[1][1]["fields"]
    assert field["text"] == "*&lt;b&gt;*\n&lt;@U123&gt; &amp; &lt;https://x.example|y&gt;"


def test_a_plain_card_is_a_header_and_its_lines_with_no_empty_blocks() -> None:
    blocks = _render(Card(title="Your actions", lines=("Nothing is due this week.", "  ")))[1]
    assert [block["type"] for block in blocks] == ["header", "section"]


def test_fifty_blocks_fit_and_the_fifty_first_is_shortened_with_a_marker() -> None:
    at_limit = _render(_lines_card(MESSAGE_MAX_BLOCKS - 1))[1]
    assert len(at_limit) == MESSAGE_MAX_BLOCKS
    assert SHORTENED not in json.dumps(at_limit)
    over = _render(_lines_card(MESSAGE_MAX_BLOCKS))[1]
    assert len(over) == MESSAGE_MAX_BLOCKS
    assert over[-1] == {"type": "context", "elements": [{"type": "plain_text", "text": SHORTENED}]}
    assert _sections(over) == [f"Line {number}" for number in range(MESSAGE_MAX_BLOCKS - 2)]


def test_a_card_with_many_lines_and_facts_keeps_its_heading_progress_and_every_button() -> None:
    card = sample_card().model_copy(
        update={
            "lines": tuple(f"Line {number}" for number in range(80)),
            "facts": tuple(Fact(label=f"Fact {number}", value="value") for number in range(30)),
        }
    )
    blocks = _render(card)[1]
    assert len(blocks) == MESSAGE_MAX_BLOCKS
    assert [block["type"] for block in blocks[:2]] == ["header", "context"]
    assert [block["type"] for block in blocks[-4:]] == ["actions", "actions", "actions", "context"]
    assert [bare(parse(button_payload(button))) for button in _intent_buttons(blocks)] == [
        bare(parse(button_payload(button))) for button in _intent_buttons(_render(sample_card())[1])
    ]
    assert _sections(blocks) == [f"Line {number}" for number in range(MESSAGE_MAX_BLOCKS - 6)]


def test_a_3000_character_line_fits_one_section_and_3001_continues_in_a_second() -> None:
    at_limit = Card.model_construct(title="Long", lines=("x" * SECTION_TEXT_MAX,))
    assert _sections(_render(at_limit)[1]) == ["x" * SECTION_TEXT_MAX]
    over = Card.model_construct(title="Long", lines=("x" * (SECTION_TEXT_MAX + 1),))
    assert _sections(_render(over)[1]) == ["x" * SECTION_TEXT_MAX, "x"]


def test_a_long_line_is_split_at_a_space_when_one_is_near() -> None:
    line = " ".join(["word"] * 700)
    sections = _sections(_render(Card.model_construct(title="Words", lines=(line,)))[1])
    assert all(len(section) <= SECTION_TEXT_MAX for section in sections)
    assert all(section.endswith("word") for section in sections)
    assert len(sections) == 2
    assert " ".join(sections) == line


def test_a_75_character_button_label_is_kept_and_76_is_cut_with_an_ellipsis() -> None:
    labels = ["x" * BUTTON_TEXT_MAX, "y" * (BUTTON_TEXT_MAX + 1)]
    card = Card.model_construct(
        title="Labels",
        choices=tuple(Button.model_construct(label=label, intent=ShowMenu(), primary=False) for label in labels),
    )
    assert [button["text"]["text"] for button in _buttons(_render(card)[1])] == [
        "x" * BUTTON_TEXT_MAX, "y" * (BUTTON_TEXT_MAX - 1) + ELLIPSIS,
    ]


def _card_with_value_length(length: int) -> Card:
    """ShowPhases' JSON grows one character per character of its id; the views' own Id limit is bypassed."""
    overhead = len(json.dumps(payload(ShowPhases(assessment="a")), separators=(",", ":"))) - 1
    intent = ShowPhases.model_construct(assessment="a" * (length - overhead))
    button = Button.model_construct(label="Go", intent=intent, primary=False)
    return Card.model_construct(title="Value", choices=(button,), ref="value")


def test_a_2000_character_button_value_is_sent_and_2001_is_refused_naming_the_card() -> None:
    (button,) = _buttons(_render(_card_with_value_length(BUTTON_VALUE_MAX))[1])
    assert len(button["value"]) == BUTTON_VALUE_MAX
    with pytest.raises(ValueError, match="card 'value'.*2001 characters"):
        message_blocks(_card_with_value_length(BUTTON_VALUE_MAX + 1))


def test_ten_facts_share_one_section_and_eleven_need_two() -> None:
    def facts(count: int) -> Card:
        return Card(title="Facts", facts=tuple(Fact(label=f"L{number}", value="v") for number in range(count)))

    assert [len(block["fields"]) for block in _render(facts(10))[1] if "fields" in block] == [10]
    assert [len(block["fields"]) for block in _render(facts(11))[1] if "fields" in block] == [10, 1]


def test_a_field_is_cut_to_2000_characters_without_splitting_an_escaped_character() -> None:
    card = Card.model_construct(title="Facts", facts=(Fact.model_construct(label="Notes", value="&" * 1000),))
    (field,) = _render(card)[1][1]["fields"]
    assert len(field["text"]) <= FIELD_TEXT_MAX
    assert field["text"].startswith("*Notes*\n&amp;")
    assert field["text"].endswith("&amp;" + ELLIPSIS)


def _budget_card(total: int) -> Card:
    """A header and 1000-character lines whose text adds up to exactly `total`."""
    title = "Budget"
    count, rest = divmod(total - len(title), 1000)
    lines = ["z" * 1000] * count + (["z" * rest] if rest else [])
    return Card(title=title, lines=tuple(lines))


def _text_size(blocks: list[JsonObject]) -> int:
    return sum(len(block["text"]["text"]) for block in blocks if "text" in block) + sum(
        len(element["text"])
        for block in blocks
        for element in block.get("elements", [])
        if element["type"] == "plain_text"
    )


def test_block_text_at_the_budget_is_sent_whole_and_one_more_is_shortened() -> None:
    at_limit = _render(_budget_card(MESSAGE_TEXT_BUDGET))[1]
    assert _text_size(at_limit) == MESSAGE_TEXT_BUDGET
    assert at_limit[-1]["type"] == "section"
    over = _render(_budget_card(MESSAGE_TEXT_BUDGET + 1))[1]
    assert _text_size(over) <= MESSAGE_TEXT_BUDGET
    assert over[-1]["elements"][0]["text"] == SHORTENED
    *whole, cut = _sections(over)
    full_lines = (MESSAGE_TEXT_BUDGET - len("Budget") - len(SHORTENED)) // 1000
    assert whole == ["z" * 1000] * full_lines
    assert cut.endswith(ELLIPSIS)
    assert len(cut) == MESSAGE_TEXT_BUDGET - len("Budget") - full_lines * 1000 - len(SHORTENED)


def test_facts_over_the_text_budget_keep_only_the_whole_fields_that_fit() -> None:
    card = Card(
        title="Facts",
        lines=("z" * 1000,) * 9,
        facts=tuple(Fact(label=f"F{number}", value="v" * 290) for number in range(12)),
    )
    blocks = _render(card)[1]
    room = MESSAGE_TEXT_BUDGET - len("Facts") - 9 * 1000 - len(SHORTENED)
    field = len("*F0*\n") + 290
    (facts,) = [block["fields"] for block in blocks if "fields" in block]
    assert [item["text"] for item in facts] == [f"*F{number}*\n" + "v" * 290 for number in range(room // field)]
    assert blocks[-1]["elements"][0]["text"] == SHORTENED
    assert _text_size(blocks) + sum(len(item["text"]) for item in facts) <= MESSAGE_TEXT_BUDGET


def test_a_text_button_whose_submit_intent_alone_exceeds_2000_characters_is_refused() -> None:
    intent = ShowPhases.model_construct(assessment="a" * 2000)
    submit = Button.model_construct(label="Save", intent=intent, primary=False)
    card = Card.model_construct(
        title="Evidence", text_input=TextInput.model_construct(placeholder="", max_length=10, submit=submit), ref="big"
    )
    with pytest.raises(ValueError, match="card 'big': the text button's value"):
        message_blocks(card)


def test_a_card_whose_buttons_alone_exceed_the_block_limit_is_refused() -> None:
    buttons = tuple(Button(label="B", intent=ShowMenu()) for _ in range(25 * MESSAGE_MAX_BLOCKS))
    with pytest.raises(ValueError, match="card 'buttons'"):
        message_blocks(Card(title="Buttons", choices=buttons, ref="buttons"))


def test_a_150_character_title_is_a_header_and_151_a_bold_section() -> None:
    assert _render(Card(title="t" * 150))[1][0] == {"type": "header", "text": {"type": "plain_text", "text": "t" * 150}}
    assert _render(Card.model_construct(title="<" * 151))[1][0] == {
        "type": "section", "text": {"type": "mrkdwn", "text": "*" + "&lt;" * 151 + "*"},
    }


def test_a_24_character_title_is_the_modal_title_and_25_is_cut() -> None:
    def spec(title: str) -> JsonObject:
        card = sample_card().model_copy(update={"title": title})
        found = text_spec(_text_button(_render(card)[1]))
        assert found is not None
        return found

    assert modal_view(spec("t" * 24), "")["title"]["text"] == "t" * 24
    assert spec("u" * 25)["title"] == "u" * 23 + ELLIPSIS
    with pytest.raises(SlackObjectFormationError, match="title"):
        modal_view({**spec("v"), "title": "v" * 25}, "")


def test_the_text_button_label_gives_way_so_its_value_stays_within_2000_characters() -> None:
    card = Card.model_construct(
        title="q" * 2500,
        text_input=TextInput(placeholder="Why?", max_length=500, submit=Button(label="Save", intent=ShowMenu())),
    )
    button = _text_button(_render(card)[1])
    spec = text_spec(button)
    assert spec is not None
    assert len(button["value"]) == BUTTON_VALUE_MAX
    assert spec["label"] == "q" * (len(spec["label"]) - 1) + ELLIPSIS
    assert _valid([{"type": "actions", "elements": [button]}])
    modal_view(spec, "")


def test_private_metadata_of_3000_characters_is_kept_and_3001_refused() -> None:
    spec = text_spec(_text_button(_render(sample_card())[1]))
    assert spec is not None
    assert modal_view(spec, "m" * PRIVATE_METADATA_MAX)["private_metadata"] == "m" * PRIVATE_METADATA_MAX
    with pytest.raises(ValueError, match="3001 characters"):
        modal_view(spec, "m" * (PRIVATE_METADATA_MAX + 1))


def test_home_view_holds_100_blocks_and_shortens_the_101st() -> None:
    at_limit = home_view(_lines_card(SURFACE_MAX_BLOCKS - 1))
    assert SlackView(**at_limit).to_dict() == at_limit
    assert at_limit["type"] == "home"
    assert len(at_limit["blocks"]) == SURFACE_MAX_BLOCKS
    assert SHORTENED not in json.dumps(at_limit)
    over = home_view(_lines_card(SURFACE_MAX_BLOCKS))
    assert SlackView(**over).to_dict() == over
    assert len(over["blocks"]) == SURFACE_MAX_BLOCKS
    assert over["blocks"][-1]["elements"][0]["text"] == SHORTENED


def test_home_view_renders_like_a_message(fixed_nonce: str) -> None:
    card = sample_card()
    assert home_view(card)["blocks"] == message_blocks(card)[1]


def _emoji_cjk(length: int) -> str:
    return (EMOJI_CJK * (length // len(EMOJI_CJK) + 1))[:length]


def test_emoji_and_cjk_text_render_within_limits_and_round_trip() -> None:
    card = Card(
        title=_emoji_cjk(150),
        progress=_emoji_cjk(120),
        lines=tuple(_emoji_cjk(1000) for _ in range(3)),
        facts=tuple(Fact(label=_emoji_cjk(60), value=_emoji_cjk(300)) for _ in range(4)),
        choices=tuple(
            Button(label=_emoji_cjk(60), intent=TakeIdea(assessment=_emoji_cjk(256), section="4c", idea=idea))
            for idea in range(4)
        ),
        text_input=TextInput(
            placeholder=_emoji_cjk(120),
            max_length=2000,
            submit=Button(label=_emoji_cjk(60), intent=AddEvidence(assessment=_emoji_cjk(256), section="4c")),
        ),
        ref=_emoji_cjk(40),
    )
    text, blocks = _render(card)
    assert blocks[0]["text"]["text"] == card.title
    assert _sections(blocks) == list(card.lines)
    parsed = [bare(parse(button_payload(button))) for button in _intent_buttons(blocks)]
    assert parsed == [button.intent for button in card.choices]
    spec = text_spec(_text_button(blocks))
    assert spec is not None
    assert spec["title"] == _emoji_cjk(23) + ELLIPSIS
    view = _submission(spec, "証拠 ✅")
    assert SlackView(**modal_view(spec, "")).to_dict() == modal_view(spec, "")
    assert bare(parse({**spec["submit"], "text": modal_text(view)})) == AddEvidence(
        assessment=_emoji_cjk(256), section="4c", text="証拠 ✅"
    )
    assert text.startswith(card.title)
