"""The one signature every flow step uses: a context in, a result out; and what each step declares it shows."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from bot.framework import Framework
from bot.keys import AssessmentKey, TeamKey
from bot.models import ConversationState
from bot.store import Store
from bot.views import Card, View

CardBuilder = Callable[..., Card]
S = TypeVar("S", bound=Callable[..., object])
_LEADS_TO: dict[Callable[..., object], tuple[CardBuilder, ...]] = {}


@dataclass(frozen=True)
class FlowContext:
    """Who is acting, where, and when; flows read state from here and never from a channel."""

    store: Store
    framework: Framework
    team: TeamKey
    user_id: str
    conversation_id: str
    now: datetime
    state: ConversationState

    def key(self, assessment_id: str) -> AssessmentKey:
        """An assessment addressed through this turn's partition, so a step cannot reach another team's."""
        return AssessmentKey(self.team, assessment_id)

    def with_state(self, **changes: object) -> ConversationState:
        """The conversation state with some fields changed, stamped now so the pipeline saves it."""
        return self.state.model_copy(update={**changes, "updated_at": self.now})


@dataclass(frozen=True)
class FlowResult:
    """Views to send, an optional replacement for the card that was tapped, and the new conversation state."""

    views: tuple[View, ...] = ()
    replace: View | None = None
    state: ConversationState | None = field(default=None)


def leads_to(*cards: CardBuilder) -> Callable[[S], S]:
    """Declare, beside a step, the cards it can answer with; the flow diagrams draw their edges from this."""

    def declare(step: S) -> S:
        _LEADS_TO[step] = cards
        return step

    return declare


def cards_after(step: Callable[..., object]) -> tuple[CardBuilder, ...]:
    """What a step (or a wrapper of one) declared; a step that declared nothing is a KeyError, never a silent gap."""
    return _LEADS_TO[inspect.unwrap(step)]
