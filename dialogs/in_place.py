"""One channel call per tap: what a turn does to the card that was tapped, and what it sends as new messages.

A tap that records something and moves on (a rating, evidence, a scope answer) turns the tapped card into the next
card, under a line saying what was recorded; a tap that stays on its card refreshes it. Either way the turn's
notices become lines of that card instead of messages of their own, so the chat keeps one message per step and the
channel is called once (issue 10). A typed turn has no tapped card: what it shows is sent, the next card still under
what was recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.views import Card, Notice, View
from dialogs.flow import FlowResult


@dataclass(frozen=True)
class Delivery:
    """The tapped card's new content (None: leave it as it is) and the views to send as new messages, in order."""

    update: View | None
    sends: tuple[View, ...]


def moved_on(recorded: str, notices: tuple[str, ...], card: Card) -> Card:
    """The next card, headed by what the tap recorded and the turn's notices, so the step before stays readable."""
    return card.model_copy(update={"lines": (recorded, *notices, *card.lines)})


def with_notices(card: Card, notices: tuple[str, ...]) -> Card:
    """The refreshed card with the turn's notices first, where the person who tapped is looking."""
    return card.model_copy(update={"lines": (*notices, *card.lines)}) if notices else card


def delivery(result: FlowResult, *, tapped: bool) -> Delivery:
    """How a turn's result reaches the channel: one update of the tapped card where it can, then the rest as sends.

    Typed, a step that records and moves on still comes as one message: the next card under what was recorded.
    """
    count = next((n for n, view in enumerate(result.views) if not isinstance(view, Notice)), len(result.views))
    notices = tuple(view.text for view in result.views[:count] if isinstance(view, Notice))
    rest = result.views[count:]
    if result.recorded is not None and rest and isinstance(rest[0], Card):
        next_card = moved_on(result.recorded, notices, rest[0])
        return Delivery(next_card, rest[1:]) if tapped else Delivery(None, (next_card, *rest[1:]))
    if not tapped:
        return Delivery(None, result.views)
    if isinstance(result.replace, Card):
        return Delivery(with_notices(result.replace, notices), rest)
    return Delivery(result.replace, result.views)
