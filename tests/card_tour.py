"""Every card the bot can send in Teams, gathered by driving the real app over HTTP.

A scripted walk covers each flow in full (all 22 sections, every rating, evidence, ideas, summaries, a long
actions list, every action edit, each typed command), then a sweep taps every button of every kind of card
once, so a card reached only by a button nobody scripted is still caught. User text is full of markdown and
mention syntax, so a renderer can prove it is shown as typed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from adapters import scheduler
from adapters.http import SCHEDULER
from adapters.scheduler import Limits
from bot import messages as say
from bot.framework import Level, load_framework
from bot.messages import HELP_LINES, NOT_SURE
from tests import builders
from tests import group_harness as g
from tests.card_tour_checkins import check_in_cards
from tests.checkin_harness import MONDAY as CHECK_IN_START
from tests.fakes.connector import FakeConnector
from tests.harness import ADAPTIVE, NOW, RunningBot, Sent, TeamsChat, running_bot
from tests.manual_clock import ManualClock
from tests.reminder_harness import run_jobs

FRAMEWORK = load_framework()
TYPED = "**Urgent** [click](https://example.org) <at>Bob</at> _note_ # 1. `x` ~~y~~ &amp;"
"""What a person might type; every Teams renderer must show it exactly like this."""
RATINGS = (*(level.label for level in Level), NOT_SURE)
ACTION_CHANGES = ("Mark done", "Reopen", "Make it long term", "Make it a quick win", "Due a week later", "Due 4 weeks later")
SWEEP_LIMIT = 400
"""The sweep's bound on taps: far above what the current cards need, so it ends even if a flow loops."""

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class Shown:
    """One card as Teams received it: sent anew or as an update to an earlier message."""

    how: str
    card: JsonObject
    summary: str | None

    @property
    def title(self) -> str:
        return str(self.card["body"][0]["text"])


BOB = {"id": "29:bob", "name": "Bob", "aadObjectId": "aad-bob"}
"""Someone Alice can make an action's owner: get_member finds him in her chat, as in a group chat she shares."""


async def every_card(data_dir: Path) -> list[Shown]:
    """Each distinct card the bot sent or updated during the tour, in the order it first appeared, then the cards
    of a working group's tour (its own bot, with the scheduler sending invitations and the digest)."""
    clock = ManualClock(NOW)
    members = {"a:personal-29:alice": [BOB]}
    async with FakeConnector(members=members) as connector, running_bot(data_dir, clock=clock, connector=connector) as bot:
        chat = bot.chat()
        await _walk(bot, chat)
        await _reminders(bot, chat, clock)
        await _sweep(chat, _sent_cards(bot))
        await _privacy_cards(bot)
        personal = _distinct(bot)
    groups = await _group_cards(data_dir.with_name(f"{data_dir.name}-groups"))
    return [*personal, *groups, *await _check_in_cards(data_dir.with_name(f"{data_dir.name}-check-ins"))]


async def _check_in_cards(data_dir: Path) -> list[Shown]:
    """A check-in's cards, from its own bot with a clock the tour moves (tests/card_tour_checkins.py)."""
    clock = ManualClock(CHECK_IN_START)
    with _unpaced():
        async with running_bot(data_dir, clock=clock) as bot:
            await check_in_cards(bot, clock.set, TYPED)
            return _distinct(bot)


async def _reminders(bot: RunningBot, chat: TeamsChat, clock: ManualClock) -> None:
    """Three weeks of the actions' reminders (before, on and after the due date), then Done on one, shown in place."""
    await run_jobs(bot, clock, until=NOW + timedelta(days=21))
    (last, *_) = reversed(_sent_cards(bot))
    await chat.tap(last, "Done")
    await run_jobs(bot, clock, until=clock())


async def _walk(bot: RunningBot, chat: TeamsChat) -> None:
    await chat.post(builders.bot_added(bot.connector.url))
    await chat.say("hello")
    await chat.say("what is this")
    for command in _commands():
        await chat.say(command)
    phases = await _set_up(chat, subject=TYPED)
    summary = await _every_section(chat, phases)
    (listed,) = await chat.tap(summary, _starting(summary, "My actions"))
    await _edit_an_action(bot, chat, listed)
    for command in _commands():
        await chat.say(command)
    await chat.say("export")
    await _set_up(chat, subject=None)


async def _privacy_cards(bot: RunningBot) -> None:
    """After the sweep, so its taps never erase the tour: the erasure confirmation (shown, not confirmed) and a page
    of a group's audit trail."""
    await bot.chat(user="29:zed").say("forget me")
    lead = bot.chat(user="29:alice", conversation="19:tour@thread.tacv2", conversation_type="channel", team="19:tour-team")
    for text in ("link this channel", "set minimum 4", "set zone Europe/Paris", "audit"):
        await lead.say(f"<at>{builders.BOT_NAME}</at> {text}", entities=[builders.mention()])


def _commands() -> list[str]:
    """The typed commands from the help text, with an argument where one is needed."""
    words = [line.split(":", 1)[0].split()[0] for line in HELP_LINES]
    return [f"{word} 4" if word == "phase" else word for word in words]


async def _set_up(chat: TeamsChat, *, subject: str | None) -> Sent:
    (card,) = await chat.say("start")
    if subject is None:
        (card,) = await chat.tap(card, "Whole system")
    else:
        (card,) = await chat.tap(card, "OK", text=subject)
    for answer in ("Strategic", "System", "Looking back at past work"):
        (card,) = await chat.tap(card, answer)
    return card


async def _every_section(chat: TeamsChat, phases: Sent) -> Sent:
    """Rate all 22 sections in loop order, cycling ratings and saving evidence on every other one.

    Every idea of the first phase becomes an action, which makes the actions list longer than it can show.
    """
    (card,) = await chat.tap(phases, _starting(phases, "Check "))
    for number, _ in enumerate(FRAMEWORK.sections):
        (evidence,) = await chat.tap(card, RATINGS[number % len(RATINGS)])
        if number % 2:
            (ideas,) = await chat.tap(evidence, _starting(evidence, "No evidence"))
        else:
            (ideas,) = await chat.tap(evidence, _starting(evidence, "Save"), text=TYPED)
        if number < len(FRAMEWORK.phases[0].sections):
            for title in [title for title in ideas.submits() if title.startswith("Add idea")]:
                await chat.tap(ideas, title)
        (card,) = await chat.tap(ideas, _starting(ideas, "Next section"))
        if card.title is not None and card.title.endswith("summary") and number < len(FRAMEWORK.sections) - 1:
            (card,) = await chat.tap(card, _starting(card, "Next phase"))
    return card


async def _edit_an_action(bot: RunningBot, chat: TeamsChat, listed: Sent) -> None:
    """Rename the first action and list it again, then make every other change, each on the card as last updated."""
    (card,) = await chat.tap(listed, _starting(listed, "Edit 1"))
    await chat.tap(card, "Rename", text=TYPED)
    (listed,) = await chat.tap(_latest(bot, card), "My actions")
    (card,) = await chat.tap(listed, _starting(listed, "Edit 1"))
    for change in ACTION_CHANGES:
        await chat.tap(_latest(bot, card), change)
    await _due_owner_and_note(bot, chat, _latest(bot, card))
    (done,) = await chat.tap(listed, "Show done")
    await chat.tap(done, "Show open")


async def _due_owner_and_note(bot: RunningBot, chat: TeamsChat, card: Sent) -> None:
    """A new due date, a note, and a new owner, who is then told in a direct message (sent by the scheduler)."""
    (due,) = await chat.tap(card, "Due date")
    await chat.tap(due, "Save date", date="2026-12-24")
    (note,) = await chat.tap(card, "Note")
    await chat.tap(note, "Save note", text=TYPED)
    (owner,) = await chat.tap(card, "Reassign")
    await chat.tap(owner, "Assign", person="aad-bob")
    await bot.app[SCHEDULER].run_now()


def _latest(bot: RunningBot, sent: Sent) -> Sent:
    updates = [
        request.body for request in bot.connector.requests if request.kind == "update" and request.path.endswith(f"/{sent.id}")
    ]
    return Sent(sent.id, updates[-1]) if updates else sent


def _starting(sent: Sent, prefix: str) -> str:
    return next(title for title in sent.submits() if title.startswith(prefix))


async def _sweep(chat: TeamsChat, cards: list[Sent]) -> None:
    """Tap every button of every kind of card once, following whatever comes back, within SWEEP_LIMIT taps."""
    first_of_each = {_kind(sent): sent for sent in reversed(cards)}
    queue, seen, taps = list(first_of_each.values()), set(first_of_each), 0
    while queue and taps < SWEEP_LIMIT:
        sent = queue.pop(0)
        for title, sends_text in _buttons(sent.card):
            replies = await chat.tap(sent, title, **({"text": TYPED} if sends_text else {}))
            taps += 1
            fresh = [reply for reply in replies if reply.card is not None and _kind(reply) not in seen]
            seen.update(_kind(reply) for reply in fresh)
            queue.extend(fresh)


def _kind(sent: Sent) -> str:
    """Cards of one kind differ only in text and numbers: the same element types and button titles, digits aside."""
    shape = [(element.get("type"), element.get("title")) for element in _objects(sent.card) if "type" in element]
    return re.sub(r"\d+", "#", json.dumps(shape))


def _buttons(card: JsonObject | None) -> list[tuple[str, bool]]:
    """Each Action.Submit title, and whether it sends the card's text box with it."""
    return [
        (element["title"], element.get("associatedInputs") != "none")
        for element in _objects(card)
        if element.get("type") == "Action.Submit"
    ]


def _objects(node: Any) -> Iterator[JsonObject]:
    if isinstance(node, dict):
        yield node
        for key, value in node.items():
            if key != "data":
                yield from _objects(value)
    elif isinstance(node, list):
        for item in node:
            yield from _objects(item)


def _sent_cards(bot: RunningBot) -> list[Sent]:
    return [
        Sent(request.reply["id"], request.body)
        for request in bot.connector.requests
        if request.kind == "send" and request.status == 200 and request.reply and Sent("", request.body).card
    ]


def _distinct(bot: RunningBot) -> list[Shown]:
    shown: dict[str, Shown] = {}
    for request in bot.connector.requests:
        if request.kind in ("send", "update") and request.status == 200:
            for attachment in request.body.get("attachments") or []:
                if attachment.get("contentType") == ADAPTIVE:
                    seen = Shown(request.kind, attachment["content"], request.body.get("summary"))
                    shown.setdefault(json.dumps(attachment["content"], sort_keys=True), seen)
    return list(shown.values())


async def _group_cards(data_dir: Path) -> list[Shown]:
    """A working group in a Teams channel: linked, everyone added, members rating from their invitations, results and
    an agreed level, participation, status, a digest with its thread, a late answer refreshing it, a closed cycle."""
    clock = ManualClock(NOW)
    with _unpaced():
        async with FakeConnector(roster=set(g.PEOPLE), members={g.TEAM: g.ROSTER}) as connector:
            async with running_bot(data_dir, clock=clock, connector=connector) as bot:
                await _group_walk(bot, clock)
                await _sweep(bot.chat(user="29:alice"), [sent for sent in _sent_cards(bot) if _for_groups(sent)])
                return _distinct(bot)


async def _group_walk(bot: RunningBot, clock: ManualClock) -> None:
    alice = g.in_channel(bot, "29:alice")
    await g.command(alice, "link this channel")
    await g.command(alice, "add everyone")
    await g.command(alice, "start group assessment")
    (focus,) = await g.command(alice, TYPED)
    (footprint,) = await alice.tap(focus, "Strategic")
    (stance,) = await alice.tap(footprint, "Place")
    await alice.tap(stance, "Looking back at past work")
    await g.settle(bot)
    for user, rating in (("29:bob", "Emerging"), ("29:cy", "Thriving"), ("29:dee", "Developing")):
        await _group_rating(bot, user, rating)
    (results,) = await g.command(alice, "results")
    (agree,) = await alice.tap(results, say.AGREE_BUTTON.format(code="1a"))
    (reason,) = await alice.tap(agree, "Developing")
    await alice.tap(reason, say.RATIONALE_SAVE, text=TYPED)
    for command in ("group", "participation", "status", "digest", "groups"):
        await g.command(alice, command)
    await g.settle(bot)
    await _group_rating(bot, "29:eve", "Maturing")
    clock.advance(timedelta(minutes=5))
    await g.settle(bot)
    await g.command(alice, "close cycle")
    await g.settle(bot)
    await _group_rating(bot, "29:bob", "Developing")


async def _group_rating(bot: RunningBot, user: str, rating: str) -> None:
    """A member rates 1a from their latest invitation, with typed evidence, and opens the group and their answers."""
    chat = bot.chat(user=user)
    invite = g.sent_in_direct(bot, user)[-1]
    (phases,) = await chat.tap(invite, say.RATE_MINE)
    (section,) = await chat.tap(phases, _starting(phases, "Check "))
    (evidence,) = await chat.tap(section, rating)
    await chat.tap(evidence, say.SAVE_EVIDENCE, text=TYPED)
    (group_card,) = await chat.tap(invite, _starting(invite, "Open "))
    await chat.tap(group_card, say.MY_ANSWERS)


def _for_groups(sent: Sent) -> bool:
    """Cards that name a group (the sweep taps them as the lead); the personal flows' cards had their own sweep."""
    return '"group":' in json.dumps(sent.card)


@contextmanager
def _unpaced() -> Iterator[None]:
    """The clock stands still, so the platforms' pacing (which reads it) is lifted, as tests/group_harness.py does."""
    kept = dict(scheduler.PLATFORM_LIMITS)
    limits = scheduler.PLATFORM_LIMITS
    assert isinstance(limits, dict)
    try:
        for platform in kept:
            limits[platform] = Limits(per_conversation=1e6)
        yield
    finally:
        limits.update(kept)
