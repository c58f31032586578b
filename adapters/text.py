"""The plain-text renderer: numbered choices that every channel shares.

The console shows it as the whole message, Teams as a card's fallback text and Slack as the
notification text, so a person who cannot see a card can still answer by typing a number.
"""

from __future__ import annotations

from bot.models import Person
from bot import messages as say
from bot.exports import FORMAT_NAMES
from bot.views import Button, Fact, FileOffer, Notice, View, numbered, primary_first

__all__ = ["fact_text", "person_name", "primary_first", "render_text"]

TEXT_HINT = "Type your answer, or pick a number."
TEXT_ONLY_HINT = "Type your answer."


def render_text(view: View, *, hint: bool = True) -> tuple[str, list[Button]]:
    """Numbered plain text, so a terminal user picks a button by typing its number."""
    if isinstance(view, Notice):
        return view.text, []
    if isinstance(view, FileOffer):
        return say.EXPORT_CONSOLE.format(format=FORMAT_NAMES[view.request.format]), []
    buttons = list(numbered(view))
    lines = [f"{number}. {button.label}" for number, button in enumerate(buttons, start=1)]
    choices, rest = len(view.choices), len(buttons) - len(view.actions)
    items, start = [], choices
    for item in view.items:
        items.append("\n".join([item.heading, item.text, *(["   ".join(lines[start : start + len(item.buttons)])] if item.buttons else [])]))
        start += len(item.buttons)
    blocks = [
        view.title if not view.progress else f"{view.title}\n[{view.progress}]",
        "\n".join(view.lines),
        "\n".join(f"{fact.label}: {fact_text(fact)}" for fact in view.facts),
        *(("\n".join(lines),) if not view.items else ("\n".join(lines[:choices]), *items, "\n".join(lines[rest:]))),
    ]
    if hint and view.picker is not None:
        blocks.append(view.picker.label)
    if hint and view.text_input is not None:
        blocks.append("\n".join(filter(None, [view.text_input.placeholder, TEXT_HINT if buttons else TEXT_ONLY_HINT])))
    return "\n\n".join(block for block in blocks if block), buttons


def person_name(person: Person) -> str:
    """A person as plain text: their display name, or their id when the channel gave no name."""
    return person.name or person.user_id


def fact_text(fact: Fact) -> str:
    """A fact's value, after the name of the person it is about."""
    return fact.value if fact.who is None else f"{person_name(fact.who)} · {fact.value}"
