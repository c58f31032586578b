"""The flow diagrams are held to the code: the buttons cards offer, the route table, and what each step shows."""

from __future__ import annotations

import inspect
import pkgutil
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from importlib import import_module
from pathlib import Path

import pytest

import dialogs
from bot.framework import load_framework
from bot.intents import (
    AnswerCheckIn,
    AwayCheckIn,
    NameQuickWin,
    NoteCheckIn,
    PreviewCheckIn,
    ShowAudit,
    ShowHelp,
    ShowMenu,
    SnoozeCheckIn,
    parse,
    payload,
)
from bot.keys import TeamKey, TenantKey
from bot.models import Action, CheckIn, ConversationState, Person, Team
from bot.store import Store
from bot.intents import Intent
from bot.views import Button, Card
from dialogs import (
    actions,
    assessments,
    audit,
    calibration,
    checkins,
    diagrams,
    digest,
    exports,
    groups,
    home,
    privacy,
    reflection,
    reflection_cards,
    reminders,
    routes,
    setup,
)
from dialogs.flow import CardBuilder, FlowContext, FlowResult, cards_after

FRAMEWORK = load_framework()
BUILT = diagrams.samples(FRAMEWORK)
FLOWS = diagrams.flows(BUILT)
HERE = Path(dialogs.__file__).parent
REGENERATE = "run `python -m dialogs.diagrams` and commit the result"


def _drift(flow: str, built: diagrams.Samples, committed: str) -> tuple[set[str], set[str]]:
    """Lines the code draws that a committed diagram lacks, and lines it has that the code no longer draws."""
    drawn = set(diagrams.diagram(flow, built).splitlines())
    held = set(committed.splitlines())
    return drawn - held, held - drawn


def _committed(flow: str) -> str:
    return (HERE / f"{flow}.mmd").read_text(encoding="utf-8")


def _routed_steps() -> Iterator[Callable[..., object]]:
    yield from routes.INTENTS.values()
    yield from routes.COMMANDS.values()
    yield from routes.COMMANDS_WITH_ARGUMENT.values()
    yield from routes.PHRASES_WITH_ARGUMENT.values()
    yield from routes.AWAITED.values()
    yield from routes.EVENTS.values()
    yield routes.NOT_UNDERSTOOD


@pytest.mark.parametrize("flow", FLOWS)
def test_each_committed_diagram_is_the_one_drawn_from_the_routes_and_the_buttons(flow: str) -> None:
    missing, stale = _drift(flow, BUILT, _committed(flow))

    assert not missing, f"{flow}.mmd lacks {sorted(missing)}: {REGENERATE}"
    assert not stale, f"{flow}.mmd draws {sorted(stale)}, which the code no longer has: {REGENERATE}"
    assert _committed(flow) == diagrams.diagram(flow, BUILT), REGENERATE


def test_there_is_one_diagram_per_flow_and_every_routed_step_is_in_a_drawn_flow() -> None:
    assert sorted(path.stem for path in HERE.glob("*.mmd")) == sorted(FLOWS)
    assert {diagrams.flow_of(step) for step in _routed_steps()} <= set(FLOWS)


def test_every_card_builder_has_samples_that_offer_its_buttons() -> None:
    modules = [import_module(f"dialogs.{m.name}") for m in pkgutil.iter_modules(dialogs.__path__) if m.name.endswith("_cards")]
    builders = {
        value for module in modules for name, value in vars(module).items()
        if name.endswith("_card") and inspect.isfunction(value) and value.__module__ == module.__name__
    }

    assert builders == set(BUILT)
    assert all(BUILT[builder] for builder in builders)


def test_every_routed_step_declares_the_cards_it_can_answer_with() -> None:
    for step in _routed_steps():
        declared = cards_after(step)
        assert set(declared) <= set(BUILT), f"{step.__name__} declares a card with no samples"


def _with_button(card: Card, label: str, intent: Intent) -> Card:
    extra = Button(label=label, intent=intent)
    return card.model_copy(update={"actions": (*card.actions, extra)})


def test_a_button_added_to_a_card_without_its_edge_is_caught() -> None:
    ideas = reflection_cards.ideas_card
    built = {**BUILT, ideas: tuple(_with_button(card, "Help", ShowHelp()) for card in BUILT[ideas])}

    missing, stale = _drift("reflection", built, diagrams.diagram("reflection", BUILT))

    assert missing == {"    Ideas --> Help: help"} and not stale


def test_an_edge_for_a_button_that_no_longer_exists_is_caught() -> None:
    summary = reflection_cards.summary_card
    without = tuple(card.model_copy(update={"choices": card.choices[:-1]}) for card in BUILT[summary])

    missing, stale = _drift("reflection", {**BUILT, summary: without}, diagrams.diagram("reflection", BUILT))

    assert stale == {"    Summary --> Actions: actions"} and not missing


GROUP_FLOWS = {"groups", "calibration", "digest", "audit"}
CHECKIN_FLOWS = {"checkins"}
CHANNEL = TeamKey(TenantKey("console", "local"), "C-channel")


class Conversation:
    """Runs steps straight from the route table over a real store, checking each card against the step's declaration.

    With `channel`, the conversation is a group's channel, and the group is resolved as the pipeline does: for a
    current member only.
    """

    def __init__(self, store: Store, made: list[tuple[Card, CardBuilder]], *, channel: bool = False) -> None:
        self.store = store
        self.made = made
        self.channel = channel
        self.state = ConversationState(conversation_id="c-1", user_id="ada", updated_at=datetime(2026, 11, 23, tzinfo=UTC))
        self.ran: set[Callable[..., object]] = set()
        self.mentions: tuple[Person, ...] = ()
        self.user = "ada"

    def _builder(self, card: Card) -> CardBuilder:
        return next(builder for made, builder in self.made if made is card)

    async def _context(self) -> FlowContext:
        team = CHANNEL if self.channel else TeamKey(TenantKey("console", "local"), "user:ada")
        member = CHANNEL in {key for key, _ in await self.store.teams_of(CHANNEL.tenant, self.user)}
        return FlowContext(
            self.store, FRAMEWORK, team, self.user, "c-1", datetime(2026, 11, 23, 10, tzinfo=UTC), self.state,
            group=CHANNEL if self.channel and member else None, in_channel=self.channel, mentions=self.mentions,
            roster=_roster, find_person=_find_person,
        )

    async def run(self, step: Callable[..., object], *args: object) -> list[Card]:
        ctx = await self._context()
        result = await step(ctx, *args)  # type: ignore[misc]
        assert isinstance(result, FlowResult)
        self.state = result.state or self.state
        cards = [view for view in result.views if isinstance(view, Card)]
        shown = {self._builder(card) for card in cards}
        assert shown <= set(cards_after(step)), f"{inspect.unwrap(step).__name__} showed {shown}, not all declared"
        self.ran.add(inspect.unwrap(step))
        return cards

    async def tap(self, card: Card, label: str, text: str | None = None, **picked: str) -> list[Card]:
        button = next(b for b in diagrams.buttons(card) if b.label.startswith(label))
        typed = {"text": text} if text is not None else {}
        intent = parse({**payload(button.intent), **typed, **picked}) if typed or picked else button.intent
        return await self.run(routes.INTENTS[type(intent)], intent)

    async def say(self, command: str) -> list[Card]:
        return await self.run(routes.COMMANDS[command])

    async def say_with(self, command: str, argument: str, *mentioned: str) -> list[Card]:
        self.mentions = tuple(Person(user_id=user) for user in mentioned)
        return await self.run(routes.COMMANDS_WITH_ARGUMENT[command], argument)

    async def answer(self, text: str) -> list[Card]:
        assert self.state.awaiting is not None
        return await self.run(routes.AWAITED[self.state.awaiting.kind], text)


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Card, CardBuilder]]:
    """Every card builder the flows call, wrapped to record which builder made each card."""
    made: list[tuple[Card, CardBuilder]] = []

    def recording(builder: CardBuilder) -> CardBuilder:
        def build(*args: object, **kwargs: object) -> Card:
            card = builder(*args, **kwargs)
            made.append((card, builder))
            return card

        return build

    for module in (setup, reflection, actions, home, assessments, groups, calibration, digest, privacy, audit, reminders, exports, checkins):
        for name, value in list(vars(module).items()):
            if any(value is builder for builder in BUILT):
                monkeypatch.setattr(module, name, recording(value))
    return made


async def _set_up(talk: Conversation) -> Card:
    (welcome,) = await talk.run(routes.EVENTS["installed"])
    (subject,) = await talk.tap(welcome, "Start")
    (focus,) = await talk.answer("Diabetes prevention")
    (footprint,) = await talk.tap(focus, "Strategic")
    (stance,) = await talk.tap(footprint, "Place")
    (phases,) = await talk.tap(stance, "Looking back")
    assert (subject.ref, phases.ref) == ("scope:subject", f"phases:{talk.state.assessment_id}")
    return phases


async def _reflect(talk: Conversation, phases: Card) -> Card:
    (section,) = await talk.tap(phases, "Prepare")
    (evidence,) = await talk.tap(section, "Developing")
    (ideas,) = await talk.answer("Two forums")
    assert await talk.tap(ideas, "Add idea 1") == []
    (section,) = await talk.tap(ideas, "Next section")
    (evidence,) = await talk.tap(section, "Emerging")
    (section,) = await talk.tap(evidence, "Change rating")
    (evidence,) = await talk.tap(section, "Maturing")
    (ideas,) = await talk.tap(evidence, "No evidence now")
    await talk.say("back")
    (section,) = await talk.say("skip")
    (evidence,) = await talk.tap(section, "Not sure")
    await talk.say("skip")
    (ideas,) = await talk.tap(evidence, "Save evidence", text="A survey")
    (summary,) = await talk.tap(ideas, "Next section")
    return summary


async def test_every_route_shows_only_cards_its_step_declares(store: Store, made: list[tuple[Card, CardBuilder]]) -> None:
    talk = Conversation(store, made)
    await talk.run(routes.EVENTS["first_contact"])
    assert await talk.say("status") == []
    (subject,) = await talk.say("resume")
    await talk.tap(subject, "OK", text="   ")
    summary = await _reflect(talk, await _set_up(talk))
    (phases,) = await talk.tap(summary, "Choose another phase")
    await talk.tap(summary, "Next phase")
    await talk.run(routes.COMMANDS_WITH_ARGUMENT["phase"], "prepare")
    await talk.say("stop")
    await talk.say("resume")
    (listed,) = await talk.tap(summary, "My actions")
    (action,) = await talk.tap(listed, "Edit 1")
    await talk.tap(action, "Mark done")
    await talk.tap(listed, "Show done")
    await talk.tap(action, "Rename", text="Map local groups")
    (due,) = await talk.tap(action, "Due date")
    await talk.tap(due, "In 2 weeks")
    (owner,) = await talk.tap(action, "Reassign")
    await talk.tap(owner, "Assign", person="bo")
    (note,) = await talk.tap(action, "Note")
    await talk.tap(note, "Save note", text="Waiting for the venue")
    await talk.run(routes.PHRASES_WITH_ARGUMENT["add action"], "Book the venue")
    await talk.say("team actions")
    await talk.say("add action")
    (welcome,) = await talk.run(routes.INTENTS[ShowMenu], ShowMenu())
    (help_card,) = await talk.tap(welcome, "Help")
    await talk.tap(help_card, "Resume")
    await talk.tap(welcome, "My actions")
    (subject,) = await talk.say("start")
    await talk.tap(subject, "Whole system")
    for command in ("help", "menu", "status", "actions", "group help", "reminders"):
        await talk.say(command)
    await talk.run(routes.COMMANDS_WITH_ARGUMENT["reminders"], "3 days")
    await talk.run(routes.NOT_UNDERSTOOD)
    (export,) = await talk.say("export")
    assert await talk.tap(export, "Word") == []
    assert await talk.say_with("export", "csv history") == []
    (overview,) = await talk.run(routes.EVENTS["home"])
    (mine,) = await talk.tap(overview, "My assessments")
    assert await talk.tap(mine, "Close 1") == []
    await talk.say("assessments")
    await talk.say("my data")
    (forget,) = await talk.say("forget me")
    await talk.tap(forget, "Yes, forget me")

    assert overview.title == "Reflect"
    apart = GROUP_FLOWS | CHECKIN_FLOWS
    solo = {step for step in talk.ran if diagrams.flow_of(step) not in apart}
    assert solo == {inspect.unwrap(step) for step in _routed_steps() if diagrams.flow_of(step) not in apart}


async def _find_person(picked: str, _elsewhere: tuple[str, ...]) -> Person | None:
    return Person(user_id=picked)


async def _roster() -> list[Person]:
    return [Person(user_id="bo"), Person(user_id="cy")]


async def _run_group(talk: Conversation) -> None:
    """A lead links the channel, manages members, runs and calibrates the group's assessment, and closes a cycle."""
    await talk.say("link this channel")
    await talk.say("group help")
    await talk.say_with("rename", "group Forum")
    await talk.say_with("set", "zone Europe/Paris")
    await talk.say_with("add", "@bo", "bo")
    await talk.say_with("add", "lead @cy", "cy")
    await talk.say_with("add", "everyone")
    await talk.say_with("remove", "@bo", "bo")
    await talk.say("start group assessment")
    (empty,) = await talk.say("group")
    await talk.tap(empty, "Start group assessment")
    (focus,) = await talk.answer("Community voice")
    (footprint,) = await talk.tap(focus, "Strategic")
    (stance,) = await talk.tap(footprint, "Place")
    (phases,) = await talk.tap(stance, "Looking back")
    (group,) = await talk.say("group")
    (status,) = await talk.say("status")
    (results,) = await talk.tap(group, "Group results")
    (agree,) = await talk.tap(results, "Agree")
    (rationale,) = await talk.tap(agree, "Developing")
    await talk.answer("Two forums held")
    await talk.tap(rationale, "Record", text="Minutes show it")
    await talk.tap(results, "2 Challenge")
    await talk.tap(group, "My answers")
    (participation,) = await talk.tap(group, "Participation")
    await talk.say("participation")
    await talk.say("results")
    await talk.tap(group, "Share")
    await talk.say("digest")
    await talk.say_with("digest", "friday 14:00")
    await talk.say("audit")
    await talk.say_with("audit", "2")
    await talk.run(routes.INTENTS[ShowAudit], ShowAudit(group=CHANNEL.team_id, page=2))
    (group,) = await talk.tap(participation, "Open")
    await talk.tap(group, "Close cycle")
    await talk.say("close cycle")
    await talk.say("groups")
    await talk.say_with("add", "lead @bo", "bo")
    await talk.tap(group, "Leave group")
    talk.user = "bo"
    await talk.say("leave")
    assert (phases.ref or "").startswith("phases:") and status.title == "Forum · status"


async def test_every_group_route_shows_only_cards_its_step_declares(
    store: Store, made: list[tuple[Card, CardBuilder]]
) -> None:
    talk = Conversation(store, made, channel=True)
    await _run_group(talk)

    grouped = {step for step in talk.ran if diagrams.flow_of(step) in GROUP_FLOWS}
    assert grouped == {inspect.unwrap(step) for step in _routed_steps() if diagrams.flow_of(step) in GROUP_FLOWS}


async def _run_check_in(talk: Conversation) -> None:
    """A lead previews, starts, extends and cancels check-ins; members answer, note, name a quick win, snooze, away."""
    await talk.say("link this channel")
    await talk.say_with("add", "@bo", "bo")
    await talk.say("start group assessment")
    (focus,) = await talk.answer("Community voice")
    (footprint,) = await talk.tap(focus, "Strategic")
    (stance,) = await talk.tap(footprint, "Place")
    await talk.tap(stance, "Looking back")
    team = await talk.store.get(CHANNEL, Team, CHANNEL.team_id)
    assert team is not None and team.assessment_id is not None
    await talk.store.put(CHANNEL, Action(
        id="act-ada", assessment_id=team.assessment_id, section="1a", title="Call the forum", owner_id="ada",
        due=date(2026, 12, 1), created_at=datetime(2026, 11, 23, tzinfo=UTC), updated_at=datetime(2026, 11, 23, tzinfo=UTC),
    ))
    (preview,) = await talk.say("check-in")
    await talk.tap(preview, "Start · light")
    (status,) = await talk.say_with("check-in", "phase 2 by friday")
    await talk.tap(status, "Extend")
    await talk.say_with("check-in", "extend")
    (checkin,) = await talk.store.find(CHANNEL, CheckIn, status="open")
    ids = {"group": CHANNEL.team_id, "checkin": checkin.id}
    await checkins.ask(talk.store, FRAMEWORK, CHANNEL, team, checkin, "ada")
    for intent in (
        AnswerCheckIn(**ids, action="act-ada", answer="stuck"), NoteCheckIn(**ids, action="act-ada", text="Waiting"),
        SnoozeCheckIn(**ids), AwayCheckIn(**ids),
    ):
        await talk.run(routes.INTENTS[type(intent)], intent)
    talk.user = "bo"
    await talk.run(routes.INTENTS[NameQuickWin], NameQuickWin(**ids, text="Visit the drop-in"))
    talk.user = "ada"
    await talk.tap(status, "Cancel")
    (again,) = await talk.run(routes.INTENTS[PreviewCheckIn], PreviewCheckIn(group=CHANNEL.team_id))
    await talk.tap(again, "Cancel")


async def test_every_check_in_route_shows_only_cards_its_step_declares(
    store: Store, made: list[tuple[Card, CardBuilder]]
) -> None:
    talk = Conversation(store, made, channel=True)
    await _run_check_in(talk)

    ran = {step for step in talk.ran if diagrams.flow_of(step) in CHECKIN_FLOWS}
    assert ran == {inspect.unwrap(step) for step in _routed_steps() if diagrams.flow_of(step) in CHECKIN_FLOWS}
