"""The one signature every flow step uses: a context in, a result out; and what each step declares it shows."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from bot.framework import Framework
from bot.keys import AssessmentKey, TeamKey
from bot.models import ConversationState, Person
from bot.store import Store
from bot.views import Card, DataFile, View

CardBuilder = Callable[..., Card]
Roster = Callable[[], Awaitable[list[Person]]]
"""Everyone in the conversation the turn came from (a Teams team's roster, a Slack channel's members), fetched on demand."""
PersonFinder = Callable[[str, tuple[str, ...]], Awaitable[Person | None]]
"""A person picked on a card (a Teams user's object id, a Slack user id) as the channel knows them, or None when the
channel cannot reach them; the tuple names more conversations (a person's groups' channels) to look in."""
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
    group: TeamKey | None = None
    """The working group the card or conversation names, set by the pipeline only for a current member."""
    in_channel: bool = False
    author: Person | None = None
    """Who is acting, with the display name the channel gave, if any."""
    mentions: tuple[Person, ...] = ()
    """People the message @mentioned, the bot itself left out."""
    roster: Roster | None = None
    find_person: PersonFinder | None = None
    shared_conversation: bool = False
    """A channel or group chat rather than a personal chat: a people picker there offers only its own people."""

    @property
    def space(self) -> TeamKey:
        """Where this turn's assessment lives: the named group's partition, else the conversation's own."""
        return self.group or self.team

    def key(self, assessment_id: str) -> AssessmentKey:
        """An assessment addressed through this turn's partition, so a step cannot reach another team's."""
        return AssessmentKey(self.space, assessment_id)

    @property
    def group_id(self) -> str | None:
        """The group to name on cards this turn builds, so their buttons come back to the same partition."""
        return None if self.group is None else self.group.team_id

    def with_state(self, **changes: object) -> ConversationState:
        """The conversation state with some fields changed, stamped now so the pipeline saves it.

        Moving to an assessment also records the group it belongs to, so typed follow-ups reach the same partition.
        """
        group = {"group_id": self.group_id} if "assessment_id" in changes and "group_id" not in changes else {}
        return self.state.model_copy(update={**changes, **group, "updated_at": self.now})


@dataclass(frozen=True)
class FlowResult:
    """Views to send, what becomes of the card that was tapped, and the new conversation state.

    A tap either stays on its card (`replace`: the card refreshed, say an idea ticked) or records something and moves
    on (`recorded`: the tapped card becomes the next card under this line), so one tap costs one channel call
    (`dialogs/in_place.py`). A typed turn has no tapped card: `replace` is then ignored, and the next card is sent
    under the `recorded` line.
    """

    views: tuple[View, ...] = ()
    replace: View | None = None
    recorded: str | None = None
    """What the step recorded, in a few words ("✓ Your answer: Developing"), shown above the next card."""
    state: ConversationState | None = field(default=None)
    files: tuple[DataFile, ...] = ()
    """Files for the person who asked, sent after the views (only `my data` makes them)."""
    forgotten: bool = False
    """The person was just erased: nothing of this turn's conversation may be stored again (state, address)."""


def leads_to(*cards: CardBuilder) -> Callable[[S], S]:
    """Declare, beside a step, the cards it can answer with; the flow diagrams draw their edges from this."""

    def declare(step: S) -> S:
        _LEADS_TO[step] = cards
        return step

    return declare


def cards_after(step: Callable[..., object]) -> tuple[CardBuilder, ...]:
    """What a step (or a wrapper of one) declared; a step that declared nothing is a KeyError, never a silent gap."""
    return _LEADS_TO[inspect.unwrap(step)]
