"""Draws each flow's Mermaid state diagram from the route table and the buttons its cards offer.

A state is a card; an edge is a button (or a typed command, an awaited answer, a channel event)
going through dialogs/routes.py to a step and on to each card that step declares with `leads_to`.
Run `python -m dialogs.diagrams` after changing either: it rewrites dialogs/<flow>.mmd, and
tests/test_flow_diagrams.py fails while a committed diagram differs from what this draws.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType
from typing import Literal, get_args, get_origin

from pydantic import BaseModel

from bot.framework import Framework, Level, load_framework
from bot.intents import Intent
from bot.models import Action, Assessment, CheckIn, CheckInItem, CheckInReply, Member, Person, Scope, Team
from bot.services.audit import AuditEntry
from bot.services import actions, assessments, calibration, participation
from bot.services.checkin_summary import summarise
from bot.services.digest import Period, compute
from bot.services.reminder_settings import ReminderSetting
from bot.services.shared import Holdings
from bot.views import Button, Card
from dialogs import (
    actions_cards,
    assessments_cards,
    audit_cards,
    privacy_cards,
    calibration_cards,
    checkins_cards,
    digest_cards,
    exports_cards,
    groups_cards,
    home_cards,
    reflection_cards,
    reminders_cards,
    routes,
    setup_cards,
)
from dialogs.flow import CardBuilder, cards_after

START = "[*]"
TYPED = "Typed"
HERE = Path(__file__).parent
SAMPLE_ID = "a-sample"
_SAMPLE_TIME = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
Samples = Mapping[CardBuilder, tuple[Card, ...]]


@dataclass(frozen=True)
class Edge:
    """One arrow in a diagram; equal edges are drawn once."""
    source: str
    target: str
    label: str

    def line(self) -> str:
        return f"    {self.source} --> {self.target}" + (f": {self.label}" if self.label else "")


def state(card: CardBuilder) -> str:
    """A card's name in the diagrams: `scope_card` is the state Scope."""
    return "".join(part.capitalize() for part in card.__name__.removesuffix("_card").split("_"))


def flow_of(thing: Callable[..., object] | ModuleType) -> str:
    """The flow a step or a card belongs to, from its module: dialogs.setup_cards belongs to setup."""
    module = thing.__name__ if isinstance(thing, ModuleType) else thing.__module__
    return module.rsplit(".", 1)[-1].removesuffix("_cards")


def _sample_action(code: str) -> Action:
    return Action(
        id="act-sample", assessment_id=SAMPLE_ID, section=code, title="An idea taken", owner_id="sample",
        due=date(2026, 1, 19), created_at=_SAMPLE_TIME, updated_at=_SAMPLE_TIME, space="user:sample",
    )


def samples(framework: Framework) -> dict[CardBuilder, tuple[Card, ...]]:
    """Every card, built in the variants that between them offer all of its buttons."""
    phase = framework.phases[0]
    section = phase.sections[0]
    progress = assessments.progress(framework, frozenset())
    action = _sample_action(section.code)
    finished = action.model_copy(update={"status": "done", "horizon": "long_term"})
    scope = Scope(subject="Sample", focus="strategic", footprint="place", stance="looking_back")
    assessment = Assessment(id=SAMPLE_ID, owner_id="sample", scope=scope, created_at=_SAMPLE_TIME)
    ideas = actions.ideas(section, Level.EMERGING)
    return {
        setup_cards.welcome_card: (setup_cards.welcome_card(),),
        setup_cards.help_card: (
            setup_cards.help_card(), setup_cards.help_card(unknown=True), setup_cards.help_card(group=True),
        ),
        setup_cards.subject_card: (setup_cards.subject_card(),),
        setup_cards.scope_card: tuple(setup_cards.scope_card(field) for field in assessments.SCOPE_FIELDS[1:]),
        reflection_cards.phases_card: (reflection_cards.phases_card(SAMPLE_ID, progress),),
        reflection_cards.section_card: (reflection_cards.section_card(framework, SAMPLE_ID, section, None),),
        reflection_cards.evidence_card: (reflection_cards.evidence_card(framework, SAMPLE_ID, section, Level.EMERGING),),
        reflection_cards.ideas_card: (
            reflection_cards.ideas_card(framework, SAMPLE_ID, section, Level.EMERGING, ideas, frozenset()),
        ),
        reflection_cards.summary_card: (reflection_cards.summary_card(framework, SAMPLE_ID, phase, {}, 0),),
        actions_cards.actions_card: (
            actions_cards.actions_card([action], in_group=True),
            actions_cards.actions_card([finished], done=True, group="Sample group", in_group=True),
        ),
        actions_cards.action_card: (actions_cards.action_card(action), actions_cards.action_card(finished)),
        actions_cards.due_card: (actions_cards.due_card(action, action.due),),
        actions_cards.owner_card: (actions_cards.owner_card(action, "sample", nearby=False),),
        actions_cards.note_card: (actions_cards.note_card(action),),
        actions_cards.assigned_card: (actions_cards.assigned_card(action, Person(user_id="lead"), late=False),),
        home_cards.home_card: (home_cards.home_card([(assessment, progress)], [action]),),
        assessments_cards.assessments_card: (
            assessments_cards.assessments_card([(assessment, progress), (assessment.model_copy(update={"status": "closed"}), progress)]),
        ),
        **_group_samples(framework, scope),
        **_checkin_samples(framework, action),
        **_reminder_samples(action, finished),
    }


def _reminder_samples(action: Action, finished: Action) -> dict[CardBuilder, tuple[Card, ...]]:
    """The reminder cards: each stage, a late one, the outcome in place, the assigner's note and the settings."""
    return {
        reminders_cards.reminder_card: (
            reminders_cards.reminder_card(action, "before", late=False),
            reminders_cards.reminder_card(action, "overdue", late=True),
        ),
        reminders_cards.outcome_card: (reminders_cards.outcome_card(finished, _SAMPLE_TIME.date()),),
        reminders_cards.unreachable_card: (reminders_cards.unreachable_card(action, "Sam"),),
        reminders_cards.settings_card: (reminders_cards.settings_card(ReminderSetting(), own=False, zone="Europe/London"),),
    }


def _group_samples(framework: Framework, scope: Scope) -> dict[CardBuilder, tuple[Card, ...]]:
    """The group flows' cards, for a lead and for a member, with results shared and not."""
    lead, member = Member(user_id="lead", role="lead"), Member(user_id="member")
    team = Team(id="g-sample", name="Sample group", members=(lead, member))
    shared = team.model_copy(update={"share_results": True})
    assessment = Assessment(id=SAMPLE_ID, owner_id="lead", scope=scope, created_at=_SAMPLE_TIME, shared=True)
    held = Holdings(assessment, [], {}, [])
    digest = compute(framework, team, held, Period(_SAMPLE_TIME, {}, {}), _SAMPLE_TIME, _SAMPLE_TIME.date())
    spreads = calibration.spreads(framework, [], frozenset())
    phase, section = framework.phases[0], framework.phases[0].sections[0]
    rows = participation.member_progress(framework, team.members, [], {})
    return {
        groups_cards.groups_card: (groups_cards.groups_card([(team, "lead")]),),
        groups_cards.group_card: (
            groups_cards.group_card(team, "lead", None, 0, 22),
            groups_cards.group_card(team, "lead", assessment, 0, 22),
            groups_cards.group_card(shared, "lead", assessment, 0, 22),
            groups_cards.group_card(shared, "member", assessment, 0, 22),
        ),
        groups_cards.invite_card: (groups_cards.invite_card(team, assessment, "Sam", late=True),),
        groups_cards.status_card: (groups_cards.status_card(digest),),
        groups_cards.participation_card: (groups_cards.participation_card(digest, rows, 22),),
        calibration_cards.results_card: (
            calibration_cards.results_card(framework, team, assessment, phase, spreads, {}, {}, lead=True),
        ),
        calibration_cards.my_answers_card: (calibration_cards.my_answers_card(framework, team, assessment, {}),),
        calibration_cards.agree_card: (calibration_cards.agree_card(team, assessment, section, spreads[section.code]),),
        calibration_cards.rationale_card: (calibration_cards.rationale_card(team, assessment, section, Level.DEVELOPING),),
        digest_cards.headline_card: (digest_cards.headline_card(digest, "Why", asked=False),),
        digest_cards.attention_card: (digest_cards.attention_card(digest),),
        digest_cards.progress_card: (digest_cards.progress_card(digest),),
        digest_cards.changes_card: (digest_cards.changes_card(digest, first=True),),
        digest_cards.non_responders_card: (digest_cards.non_responders_card(digest),),
        privacy_cards.forget_card: (privacy_cards.forget_card(),),
        audit_cards.audit_card: (audit_cards.audit_card(team, [_sample_entry()], 2, 3),),
        exports_cards.export_card: (exports_cards.export_card("Sample"), exports_cards.export_card("Sample", (team.id, team.name))),
    }


def _sample_entry() -> AuditEntry:
    return AuditEntry(at=_SAMPLE_TIME, by="lead", what="rating", subject="1a", assessment_id=SAMPLE_ID)


def _checkin_samples(framework: Framework, action: Action) -> dict[CardBuilder, tuple[Card, ...]]:
    """A check-in's cards: a member's with quick wins (answered, and as a nudge) and with none; a lead's."""
    team = Team(id="g-sample", name="Sample group", members=(Member(user_id="lead", role="lead"), Member(user_id="member")))
    checkin = CheckIn(
        id="chk-sample", assessment_id=SAMPLE_ID, started_by="lead", created_at=_SAMPLE_TIME, deadline=_SAMPLE_TIME,
        members=("lead", "member"), status="open",
    )
    item = CheckInItem(action_id=action.id, title=action.title, answer="stuck", at=_SAMPLE_TIME)
    reply = CheckInReply(checkin_id=checkin.id, user_id="member", asked=(action.id,), items=(item,))
    summary = summarise(team, checkin, [reply])
    ask = checkins_cards.ask_card
    return {
        checkins_cards.which_group_card: (checkins_cards.which_group_card([team], None, None),),
        checkins_cards.preview_card: (checkins_cards.preview_card(team, checkin, framework),),
        checkins_cards.status_card: (checkins_cards.status_card(summary),),
        checkins_cards.ask_card: (
            ask(team, checkin, "Sam", [action], reply, nudge="halfway"), ask(team, checkin, "Sam", [], None),
        ),
        checkins_cards.summary_card: (checkins_cards.summary_card(summary, framework),),
        checkins_cards.leads_card: (checkins_cards.leads_card(summary),),
    }


def buttons(card: Card) -> tuple[Button, ...]:
    """Everything on a card that can be tapped, the text box's submit button included."""
    submit = () if card.text_input is None else (card.text_input.submit,)
    picked = () if card.picker is None else (card.picker.submit,)
    listed = tuple(button for item in card.items for button in item.buttons)
    return (*card.choices, *listed, *submit, *picked, *card.actions)


def _label(kind: type[BaseModel], tapped: Iterable[Intent]) -> str:
    """The intent's name, plus the choices it carries when a field is a fixed set (a scope question, a change)."""
    name: str = kind.model_fields["intent"].default
    chosen = {getattr(intent, field) for intent in tapped for field in _choice_fields(kind)}
    options = [str(option) for field in _choice_fields(kind) for option in get_args(kind.model_fields[field].annotation)]
    listed = [option for option in options if option in chosen]
    return f"{name} ({', '.join(listed)})" if listed else name


def _choice_fields(kind: type[BaseModel]) -> list[str]:
    fields = kind.model_fields.items()
    return [name for name, info in fields if name not in ("intent", "v") and get_origin(info.annotation) is Literal]


def _to(source: str, step: Callable[..., object], label: str) -> list[Edge]:
    """An edge to the card the step answers with; a step that can answer with several goes through a choice
    node named after it, and one that shows no card ends the conversation."""
    targets = [state(card) for card in cards_after(step)] or [START]
    if len(targets) == 1:
        return [Edge(source, targets[0], label)]
    choice = inspect.unwrap(step).__name__
    return [Edge(source, choice, label), *(Edge(choice, target, "") for target in targets)]


def button_edges(card: CardBuilder, built: Iterable[Card]) -> list[Edge]:
    """A card's edges: one per intent its buttons carry, to every card the routed step can answer with."""
    tapped: dict[type[BaseModel], list[Intent]] = {}
    for variant in built:
        for button in buttons(variant):
            tapped.setdefault(type(button.intent), []).append(button.intent)
    return [edge for kind, intents in tapped.items() for edge in _to(state(card), routes.INTENTS[kind], _label(kind, intents))]


def entry_edges(flow: str) -> list[Edge]:
    """Channel events, then typed text: commands, a command with its argument, an awaited answer, anything else."""
    typed: list[tuple[str, str, Callable[..., object]]] = [
        *((START, event, step) for event, step in routes.EVENTS.items()),
        *((TYPED, command, step) for command, step in routes.COMMANDS.items()),
        *((TYPED, f"{command} …", step) for command, step in routes.PHRASES_WITH_ARGUMENT.items()),
        *((TYPED, f"{command} …", step) for command, step in routes.COMMANDS_WITH_ARGUMENT.items()),
        *((TYPED, f"awaited {kind}", step) for kind, step in routes.AWAITED.items()),
        (TYPED, "anything else", routes.NOT_UNDERSTOOD),
    ]
    return [edge for source, label, step in typed if flow_of(step) == flow for edge in _to(source, step, label)]


def _unique(edges: Iterable[Edge]) -> list[Edge]:
    return list(dict.fromkeys(edges))


def _states(entries: list[Edge], edges: list[Edge]) -> list[str]:
    """Declarations: the typed-text source when used, and every choice node (a step with several outcomes)."""
    typed = ['    state "typed text, from any card" as Typed'] if any(e.source == TYPED for e in entries) else []
    choices = dict.fromkeys(e.source for e in edges if e.source[:1].islower())
    return typed + [f"    state {choice} <<choice>>" for choice in choices]


def diagram(flow: str, built: Samples) -> str:
    """The Mermaid source for one flow, in a stable order so that a diff shows exactly what changed."""
    module = sys.modules[f"dialogs.{flow}"]
    entries = entry_edges(flow)
    taps = (edge for card, cards in built.items() if flow_of(card) == flow for edge in button_edges(card, cards))
    edges = _unique([*entries, *taps])
    lines = [
        f"%% {(module.__doc__ or flow).splitlines()[0]}",
        "%% Drawn by `python -m dialogs.diagrams` from dialogs/routes.py, each step's leads_to and each card's buttons;",
        "%% change those, not this file (tests/test_flow_diagrams.py holds the two together).",
        "stateDiagram-v2",
        *_states(entries, edges),
        *(edge.line() for edge in edges),
    ]
    return "\n".join(lines) + "\n"


def flows(built: Samples) -> list[str]:
    """The flows that have cards, in the order their cards are listed."""
    return list(dict.fromkeys(flow_of(card) for card in built))


def main() -> None:
    """Rewrite every flow's diagram beside its module."""
    built = samples(load_framework())
    for flow in flows(built):
        path = HERE / f"{flow}.mmd"
        path.write_text(diagram(flow, built), encoding="utf-8")
        sys.stdout.write(f"wrote {path}\n")


if __name__ == "__main__":
    main()
