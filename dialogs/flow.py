"""The one signature every flow step uses: a context in, a result out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.framework import Framework
from bot.keys import AssessmentKey, TeamKey
from bot.models import ConversationState
from bot.store import Store
from bot.views import View


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
        return AssessmentKey(self.team, assessment_id)


@dataclass(frozen=True)
class FlowResult:
    """Views to send, an optional replacement for the card that was tapped, and the new conversation state."""

    views: tuple[View, ...] = ()
    replace: View | None = None
    state: ConversationState | None = field(default=None)
