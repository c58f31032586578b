"""What every flow's cards share: shortened labels and the look of a card once it has been answered."""

from __future__ import annotations

import math
from collections.abc import Sequence

from bot import messages as say
from bot.framework import Level
from bot.views import Card

LABEL_MAX = 60


def shorten(text: str, limit: int = LABEL_MAX) -> str:
    """Cut at `limit` with an ellipsis, so a long title never breaks a channel's field limit."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def answered(card: Card, recorded: str) -> Card:
    """The card as it should look once answered: what was recorded, and nothing left to tap."""
    return card.model_copy(
        update={"lines": (*card.lines, recorded), "choices": (), "items": (), "text_input": None, "picker": None, "actions": ()}
    )


BAR_WIDTH = 10


def level_label(value: float | None) -> str:
    """A group level as people read it: a level's name, or the two it falls between when the median is a half."""
    if value is None:
        return say.NO_LEVEL
    low, high = Level(math.floor(value)), Level(math.ceil(value))
    return low.label if low is high else say.BETWEEN.format(low=low.label, high=high.label)


def bar(share: float, width: int = BAR_WIDTH) -> str:
    """A compact progress bar that reads on a phone: filled blocks for the share done, light ones for the rest."""
    filled = round(max(0.0, min(share, 1.0)) * width)
    return "▓" * filled + "░" * (width - filled)


def cycle_moves(moves: Sequence[tuple[str, float, float]], cycle: int, listed: int = 12) -> tuple[str, ...]:
    """One line naming each section whose group result moved since the last cycle (`Moved since cycle 1: 1a
    Emerging → Developing, …`), the first `listed` of them; nothing in a first cycle or when nothing moved."""
    if cycle < 2 or not moves:
        return ()
    named = [say.CYCLE_MOVE.format(code=code, before=level_label(a), after=level_label(b)) for code, a, b in moves[:listed]]
    more = [say.CYCLE_MOVES_MORE.format(count=len(moves) - listed)] if len(moves) > listed else []
    return (say.CYCLE_MOVES.format(cycle=cycle - 1, moves=", ".join([*named, *more])),)


def movement(before: float | None, after: float | None) -> str:
    """' (Emerging → Developing)' when a level moved since the last cycle; nothing when it did not, or is unknown."""
    if before is None or after is None or before == after:
        return ""
    return say.MOVEMENT.format(before=level_label(before), after=level_label(after))
