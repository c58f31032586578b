"""My assessments: every assessment a person has here, to resume any of them or close one. Diagram: assessments.mmd.

Nothing is ever unreachable: `start` makes a new assessment, and this list is the way back to the older ones.
"""

from __future__ import annotations

from bot import messages as say
from bot.intents import CloseAssessment
from bot.services import assessments
from bot.views import Notice
from dialogs.assessments_cards import MAX_LISTED_ASSESSMENTS, Listed, assessments_card
from dialogs.flow import FlowContext, FlowResult, leads_to


async def _listed(ctx: FlowContext) -> list[Listed]:
    """The person's newest assessments in this turn's space, each with its progress per phase."""
    newest = await assessments.newest(ctx.store, ctx.space, ctx.user_id, MAX_LISTED_ASSESSMENTS)
    return [(a, await assessments.progress_of(ctx.store, ctx.framework, ctx.key(a.id), ctx.user_id)) for a in newest]


@leads_to(assessments_card)
async def show_assessments(ctx: FlowContext) -> FlowResult:
    """`assessments` or *My assessments*: the list, newest first."""
    return FlowResult(views=(assessments_card(await _listed(ctx), group=ctx.group_id),))


@leads_to(assessments_card)
async def close_assessment(ctx: FlowContext, intent: CloseAssessment) -> FlowResult:
    """Close (or reopen) one's own assessment; the tapped list is refreshed, and `resume` moves on to an open one."""
    closed = await assessments.set_closed(ctx.store, ctx.key(intent.assessment), ctx.user_id, intent.close, ctx.now)
    said = say.ASSESSMENT_CLOSED if intent.close else say.ASSESSMENT_REOPENED
    state = ctx.with_state(assessment_id=None, phase=None, section=None, awaiting=None) if (
        intent.close and ctx.state.assessment_id == closed.id
    ) else None
    card = assessments_card(await _listed(ctx), group=ctx.group_id)
    return FlowResult(views=(Notice(text=said.format(subject=closed.scope.subject)),), replace=card, state=state)
