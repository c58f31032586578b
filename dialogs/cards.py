"""What every flow's cards share: shortened labels and the look of a card once it has been answered."""

from __future__ import annotations

from bot.views import Card

LABEL_MAX = 60


def shorten(text: str, limit: int = LABEL_MAX) -> str:
    """Cut at `limit` with an ellipsis, so a long title never breaks a channel's field limit."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def answered(card: Card, recorded: str) -> Card:
    """The card as it should look once answered: what was recorded, and nothing left to tap."""
    return card.model_copy(update={"lines": (*card.lines, recorded), "choices": (), "text_input": None, "actions": ()})
