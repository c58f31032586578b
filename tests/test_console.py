"""The console channel: numbered text, and typed lines that reach the bot exactly as Teams clicks would."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount, ConversationReference

from adapters.console.adapter import UPDATED, ConsoleAdapter, stdin_lines
from adapters.render import VIEW_CONTENT_TYPE, view_attachment
from adapters.text import render_text
from bot.framework import Level
from bot.intents import AddEvidence, NextSection, Rate, ShowMenu, payload
from bot.exports import ExportRequest
from bot.views import Button, Card, Fact, FileOffer, Notice, TextInput, View

ASSESSMENT = "a-0123456789abcdef"
NOW = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
EMERGING = Button(label="Emerging", intent=Rate(assessment=ASSESSMENT, section="4c", level=Level.EMERGING))
DEVELOPING = Button(label="Developing", intent=Rate(assessment=ASSESSMENT, section="4c", level=Level.DEVELOPING))
ADD_EVIDENCE = Button(label="Add evidence", intent=AddEvidence(assessment=ASSESSMENT, section="4c"))
RATING_CARD = Card(
    title="4c Working with communities",
    progress="Engage: section 2 of 3",
    choices=(EMERGING, DEVELOPING),
    text_input=TextInput(placeholder="What shows this?", max_length=2000, submit=ADD_EVIDENCE),
)
WELCOME = Notice(text="Welcome to Reflect.")

Reply = Callable[[TurnContext], Awaitable[None]]


def _reply_with(view: View) -> Reply:
    async def reply(turn_context: TurnContext) -> None:
        await turn_context.send_activity(Activity(attachments=[view_attachment(view)]))

    return reply


class RecordingBot(ActivityHandler):
    """Records what reaches the bot, welcomes new members, and answers each message with `reply`."""

    def __init__(self, reply: Reply = _reply_with(RATING_CARD)) -> None:
        self.received: list[Activity] = []
        self.reference: ConversationReference | None = None
        self._reply = reply

    async def on_turn(self, turn_context: TurnContext) -> None:
        self.received.append(turn_context.activity)
        self.reference = TurnContext.get_conversation_reference(turn_context.activity)
        await super().on_turn(turn_context)

    async def on_members_added_activity(self, members_added: list[ChannelAccount], turn_context: TurnContext) -> None:
        await _reply_with(WELCOME)(turn_context)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await self._reply(turn_context)


async def _lines(*lines: str) -> AsyncIterator[str]:
    for line in lines:
        yield line


async def _chat(bot: RecordingBot, *lines: str) -> str:
    out = io.StringIO()
    await ConsoleAdapter("ada", out, clock=lambda: NOW).run(bot, _lines(*lines))
    return out.getvalue()


def test_render_text_numbers_choices_then_actions_with_the_suggested_step_first() -> None:
    card = Card(
        title="4c Working with communities",
        progress="Engage: section 2 of 3",
        lines=("How well do you plan engagement?", "Pick the level that fits best."),
        facts=(Fact(label="Last answer", value="Developing"),),
        choices=(EMERGING, DEVELOPING),
        text_input=TextInput(placeholder="What shows this?", max_length=2000, submit=ADD_EVIDENCE),
        actions=(
            Button(label="Menu", intent=ShowMenu()),
            Button(label="Next section", intent=NextSection(assessment=ASSESSMENT, section="4c"), primary=True),
        ),
    )
    text, buttons = render_text(card)
    assert text == (
        "4c Working with communities\n[Engage: section 2 of 3]\n\n"
        "How well do you plan engagement?\nPick the level that fits best.\n\n"
        "Last answer: Developing\n\n"
        "1. Emerging\n2. Developing\n3. Next section\n4. Menu\n\n"
        "What shows this?\nType your answer, or pick a number."
    )
    assert [button.label for button in buttons] == ["Emerging", "Developing", "Next section", "Menu"]


def test_render_text_of_a_notice_is_its_text_with_nothing_to_pick() -> None:
    assert render_text(WELCOME) == ("Welcome to Reflect.", [])


def test_a_file_offer_in_the_console_says_files_arrive_in_teams_or_slack() -> None:
    offer = FileOffer(subject="Whole system", request=ExportRequest(
        format="xlsx", platform="console", tenant_id="local", space="user:ada", assessment_id=ASSESSMENT, user_id="ada",
    ))
    assert render_text(offer) == ("Your Excel export is ready to send, but files can only be delivered in Teams or Slack.", [])


def test_render_text_of_a_text_box_alone_asks_only_for_typing() -> None:
    card = Card(title="What are you assessing?", text_input=TextInput(placeholder="", max_length=120, submit=ADD_EVIDENCE))
    assert render_text(card) == ("What are you assessing?\n\nType your answer.", [])
    assert render_text(card, hint=False) == ("What are you assessing?", [])


def test_view_attachment_carries_the_view_as_json() -> None:
    attachment = view_attachment(RATING_CARD)
    assert attachment.content_type == VIEW_CONTENT_TYPE == "application/vnd.reflect.view+json"
    assert Card.model_validate(attachment.content) == RATING_CARD


async def test_welcome_comes_first_then_numbers_are_clicks_and_free_text_is_text(fixed_nonce: str) -> None:
    bot = RecordingBot()
    out = await _chat(bot, "hello\n", "2\n", "We ran a workshop in March\n", "quit\n", "never read\n")

    welcome, hello, picked, typed = bot.received
    assert welcome.type == ActivityTypes.conversation_update
    assert [member.id for member in welcome.members_added] == ["ada", "reflect"]
    assert (hello.text, hello.value) == ("hello", None)
    assert picked.text is None
    assert picked.value == payload(DEVELOPING.intent)
    assert (typed.text, typed.value) == ("We ran a workshop in March", None)
    assert out.startswith("Welcome to Reflect.\n\n4c Working with communities\n[Engage: section 2 of 3]\n\n1. Emerging\n")


async def test_every_turn_comes_from_the_local_user_in_one_console_conversation() -> None:
    bot = RecordingBot()
    await _chat(bot, "hello")
    for activity in bot.received:
        assert activity.channel_id == "console"
        assert activity.service_url == ""
        assert activity.from_property.id == "ada"
        assert activity.recipient.id == "reflect"
        assert activity.conversation.id == "console:ada"
        assert activity.conversation.tenant_id == "local"
        assert activity.timestamp == NOW
    assert len({activity.id for activity in bot.received}) == len(bot.received)


async def test_end_of_input_ends_the_chat_and_blank_lines_are_ignored() -> None:
    bot = RecordingBot()
    await _chat(bot, "\n", "   \n", "hello\n")
    assert [activity.text for activity in bot.received] == [None, "hello"]


async def test_a_number_outside_the_list_is_plain_text(fixed_nonce: str) -> None:
    no_card = RecordingBot(reply=_reply_with(Notice(text="Saved.")))
    with_card = RecordingBot()
    await _chat(no_card, "hi\n", "7\n")
    await _chat(with_card, "hi\n", "3\n", "1\n")

    assert (no_card.received[2].text, no_card.received[2].value) == ("7", None)
    assert (with_card.received[2].text, with_card.received[2].value) == ("3", None)
    assert with_card.received[3].value == payload(EMERGING.intent)


async def test_typed_text_stays_text_and_a_notice_keeps_the_card_buttons(fixed_nonce: str) -> None:
    replies = iter([RATING_CARD, Notice(text="Saved.")])

    async def reply(turn_context: TurnContext) -> None:
        await _reply_with(next(replies, Notice(text="Saved.")))(turn_context)

    bot = RecordingBot(reply=reply)
    await _chat(bot, "hi\n", "our evidence\n", "then this\n", "1\n")
    assert (bot.received[2].text, bot.received[2].value) == ("our evidence", None)
    assert (bot.received[3].text, bot.received[3].value) == ("then this", None)
    assert bot.received[4].value == payload(EMERGING.intent)


async def test_a_number_typed_twice_on_one_card_is_the_same_tap_and_a_card_shown_again_brings_new_taps() -> None:
    replies = iter([RATING_CARD, Notice(text="Saved."), RATING_CARD])

    async def reply(turn_context: TurnContext) -> None:
        await _reply_with(next(replies, Notice(text="Saved.")))(turn_context)

    bot = RecordingBot(reply=reply)
    await _chat(bot, "hi\n", "1\n", "1\n", "1\n")

    first, repeated, on_the_new_card = (activity.value for activity in bot.received[2:])
    assert repeated == first and first["intent"] == "rate" and len(first["n"]) == 16
    assert on_the_new_card["n"] != first["n"]


async def test_plain_text_replies_are_written_as_they_are() -> None:
    async def reply(turn_context: TurnContext) -> None:
        await turn_context.send_activity("Plain words.")
        await turn_context.send_activity(Activity(type=ActivityTypes.typing))

    out = await _chat(RecordingBot(reply=reply), "hi\n")
    assert out == "Welcome to Reflect.\n\nPlain words.\n\n"


async def test_an_updated_card_is_printed_again_marked_as_updated() -> None:
    answered = Card(title="4c Working with communities", lines=("You chose Developing.",))

    async def reply(turn_context: TurnContext) -> None:
        sent = await turn_context.send_activity(Activity(attachments=[view_attachment(RATING_CARD)]))
        await turn_context.update_activity(Activity(id=sent.id, attachments=[view_attachment(answered)]))
        await turn_context.delete_activity(sent.id)

    out = await _chat(RecordingBot(reply=reply), "hi\n")
    assert out.endswith(f"{UPDATED}4c Working with communities\n\nYou chose Developing.\n\n")


async def test_a_proactive_message_reaches_the_terminal() -> None:
    bot = RecordingBot()
    out = io.StringIO()
    adapter = ConsoleAdapter("ada", out, clock=lambda: NOW)
    await adapter.run(bot, _lines())
    assert bot.reference is not None

    await adapter.continue_conversation(bot.reference, _reply_with(Notice(text="Reminder: 4c is due.")))
    assert out.getvalue().endswith("Reminder: 4c is due.\n\n")


async def test_stdin_lines_yields_each_line_until_end_of_input() -> None:
    assert [line async for line in stdin_lines(io.StringIO("2\nour evidence\nquit"))] == ["2\n", "our evidence\n", "quit"]
