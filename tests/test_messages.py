"""Wording: counts agree with their nouns, no doubled punctuation, and verbs that fit every channel (the console
cannot be tapped), read both from bot/messages.py itself and from what the bot says over HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from bot import messages as say
from tests.harness import RunningBot, Sent


def _sentences(value: object) -> Iterator[str]:
    """Every string in bot/messages.py, inside tuples and dicts too."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _sentences(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _sentences(item)


MESSAGES = [text for name, value in vars(say).items() if name.isupper() for text in _sentences(value)]


def test_no_message_asks_anyone_to_tap() -> None:
    assert [text for text in MESSAGES if re.search(r"\btap\b", text, re.IGNORECASE)] == []


def test_no_message_doubles_its_punctuation_or_spaces() -> None:
    assert [text for text in MESSAGES if re.search(r"\.\.|[.,;:]\s*[.,;:]|\s[.,;:]|  ", text.replace("…", "x"))] == []


def test_no_template_puts_a_plural_noun_straight_after_a_count() -> None:
    """A count is followed by its noun through `counted`, so it reads '1 new action' and '2 new actions'; 'of N
    members' reads well whatever N is."""
    after_count = re.compile(r"(?<!of )\{\w+\} (new )?(actions|members|leads|answers|notes)\b")
    assert [text for text in MESSAGES if after_count.search(text)] == []


@pytest.mark.parametrize(
    ("number", "forms", "said"),
    [(0, say.NEW_ACTIONS, "0 new actions"), (1, say.NEW_ACTIONS, "1 new action"), (2, say.NEW_ACTIONS, "2 new actions"),
     (1, say.MEMBERS, "1 member"), (3, say.LEADS, "3 leads"), (1, say.ANSWERS, "1 answer")],
)
def test_a_count_agrees_with_its_noun(number: int, forms: tuple[str, str], said: str) -> None:
    assert say.counted(number, forms) == said


@pytest.mark.parametrize(
    ("typed", "ended"),
    [("Map who loses pay.", "Map who loses pay."), ("Ask why?", "Ask why?"), ("Map groups", "Map groups."), ("Wait…", "Wait…")],
)
def test_typed_text_ends_one_sentence_with_one_stop(typed: str, ended: str) -> None:
    assert say.sentence(typed) == ended


def _fallback(sent: Sent) -> str:
    assert sent.card is not None
    return str(sent.card["fallbackText"])


async def test_a_phase_summary_counts_one_new_action_in_the_singular(bot: RunningBot) -> None:
    chat = bot.chat()
    (subject,) = await chat.say("start")
    (focus,) = await chat.tap(subject, "Whole system")
    (footprint,) = await chat.tap(focus, "Strategic")
    (stance,) = await chat.tap(footprint, "Place")
    (phases,) = await chat.tap(stance, "Planning new work")
    (card,) = await chat.tap(phases, "Plan · 0/3")
    added: list[Sent] = []
    for number in range(3):
        (evidence,) = await chat.tap(card, "Emerging")
        (ideas,) = await chat.tap(evidence, "No evidence now")
        if number == 0:
            added = await chat.tap(ideas, "Add idea 1")
        (card,) = await chat.tap(ideas, "Next section")

    assert "3 of 3 sections answered · 0 with evidence · 1 new action" in _fallback(card)
    (ticked,) = added
    notice = ticked.texts()[2]
    assert ticked.updated and notice.startswith("Added to your actions as a quick win, due ")
    assert ".." not in notice and ". (" not in notice and notice.endswith(" You can change it later.")


async def test_the_phase_list_numbers_each_phase_once(bot: RunningBot) -> None:
    chat = bot.chat()
    (subject,) = await chat.say("start")
    (focus,) = await chat.tap(subject, "Whole system")
    (footprint,) = await chat.tap(focus, "Strategic")
    (stance,) = await chat.tap(footprint, "Place")
    (phases,) = await chat.tap(stance, "Planning new work")

    assert "1. Check · 0/4\n2. Challenge · 0/3" in _fallback(phases)
    assert "1. 1 Check" not in _fallback(phases)
