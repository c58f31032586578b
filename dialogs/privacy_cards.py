"""The card for `forget me`: what erasure does, and the one-time button that does it."""

from __future__ import annotations

from bot import messages as say
from bot.intents import ForgetMe, ShowMenu
from bot.views import Button, Card


def forget_card() -> Card:
    """What `forget me` will do, and the one button that does it (a one-time nonce, so a second tap does nothing)."""
    return Card(
        title=say.FORGET_TITLE,
        lines=say.FORGET_LINES,
        choices=(Button(label=say.FORGET_YES, intent=ForgetMe()), Button(label=say.FORGET_NO, intent=ShowMenu(), primary=True)),
        ref="forget",
    )
