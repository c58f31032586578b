"""Typing works like tapping: a choice's label or its number, typed as a message, does what the button does.

The last card shown in a conversation leaves its buttons (in the order its text numbers them) and its text box in
the conversation state, which lives in the store, so this works after a restart and on any instance, in Teams,
Slack and the console alike. Typed choices carry no nonce, as typed commands carry none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from bot import messages as say
from bot.conversation_refs import personal_space
from bot.errors import InvalidInput
from bot.intents import INTENT, Intent, parse
from bot.keys import TenantKey
from bot.models import ConversationRef, ConversationState, ShownChoice
from bot.store import Store
from bot.views import Card, numbered
from dialogs.flow import FlowContext, FlowResult

_NUMBER = re.compile(r"^\d{1,3}$")
_TRAILING = ".!?"


@dataclass(frozen=True)
class Typed:
    """An intent typed rather than tapped; `into_box` when the text filled the last card's text box."""

    intent: Intent
    into_box: bool


def _json(intent: Intent) -> dict[str, object]:
    return INTENT.dump_python(intent, mode="json", exclude_none=True)


def _last_card(result: FlowResult) -> Card | None:
    """The card the person now looks at: the last one sent, else the tapped card refreshed with buttons still on it."""
    sent = [view for view in result.views if isinstance(view, Card)]
    if sent:
        return sent[-1]
    if isinstance(result.replace, Card) and (result.replace.choices or result.replace.actions or result.replace.text_input):
        return result.replace
    return None


def remembered(ctx: FlowContext, result: FlowResult, *, box_filled: bool = False) -> FlowResult:
    """The result with the conversation state noting the last card's choices; unchanged when no card was shown.

    Once typed text has filled a card's box, that box takes no more chat messages (the card refreshed after it keeps
    its buttons), so a later 'thanks' is never taken for, say, an action's new title.
    """
    card = _last_card(result)
    if card is None:
        return result
    base = result.state or ctx.state
    noted = _noting(base, card, ctx.now, box=not (box_filled and card is result.replace))
    return result if noted is base else replace(result, state=noted)


def _noting(state: ConversationState, card: Card, now: datetime, *, box: bool = True) -> ConversationState:
    """The state with this card's choices (and its text box, with `box`); the same object when nothing changes."""
    choices = tuple(ShownChoice(label=button.label, intent=_json(button.intent)) for button in numbered(card))
    text_box = None if card.text_input is None or not box else _json(card.text_input.submit.intent)
    if state.choices == choices and state.text_box == text_box:
        return state
    return state.model_copy(update={"choices": choices, "text_box": text_box, "updated_at": now})


async def shown_without_a_turn(store: Store, tenant: TenantKey, to: ConversationRef, card: Card, now: datetime) -> None:
    """A card sent to a person outside any turn (an invitation) leaves its choices too, so a typed reply works."""
    if to.user_id is None:
        return
    user_id, conversation_id = to.user_id, to.conversation_id

    def note(current: ConversationState | None) -> ConversationState:
        fresh = ConversationState(conversation_id=conversation_id, user_id=user_id, updated_at=now)
        return _noting(current or fresh, card, now)

    await store.update(personal_space(tenant, user_id), ConversationState, f"{conversation_id}/{user_id}", note)


def _plain(text: str) -> str:
    return " ".join(text.split()).rstrip(_TRAILING).casefold()


def choice(state: ConversationState, text: str) -> Intent | None:
    """The intent of the choice typed by label or number; None when the text names none.

    A bare number that matches no choice is refused rather than taken as an answer, such as evidence.
    """
    typed = _plain(text)
    if _NUMBER.match(typed):
        if not state.choices:
            raise InvalidInput(say.NO_CHOICES)
        number = int(typed)
        if not 1 <= number <= len(state.choices):
            count = len(state.choices)
            numbers = say.NUMBERS.get(count) or say.NUMBER_RANGE.format(count=count)
            raise InvalidInput(say.NO_SUCH_CHOICE.format(number=number, numbers=numbers))
        return parse(state.choices[number - 1].intent)
    chosen = next((shown for shown in state.choices if _plain(shown.label) == typed), None)
    return None if chosen is None else parse(chosen.intent)


def text_box(state: ConversationState, text: str) -> Intent | None:
    """The last card's text box filled with the typed message, as if typed into the box and submitted."""
    if state.text_box is None:
        return None
    return parse({**state.text_box, "text": text.strip()})
