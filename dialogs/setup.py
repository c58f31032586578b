"""Set-up: the welcome, help, and the four scope questions that create an assessment.

Scope answers collect in the conversation state's draft, in any order a person taps them; the last
one creates the assessment and hands over to the reflection flow's choice of phase. Diagram: setup.mmd.
"""

from __future__ import annotations

from dataclasses import replace

from bot import messages as say
from bot.intents import NameSubject, SetScope
from bot.models import Awaiting, Scope, ScopeDraft
from bot.services import assessments
from bot.views import Notice
from dialogs import groups
from dialogs.assessments_cards import about
from dialogs.flow import FlowContext, FlowResult, leads_to
from dialogs.reflection_cards import phases_card
from dialogs.setup_cards import help_card, scope_card, subject_card, welcome_card


@leads_to(welcome_card)
async def welcome(ctx: FlowContext) -> FlowResult:
    """The welcome, for an install, a first message, or `menu`; it changes no state."""
    return FlowResult(views=(welcome_card(),))


@leads_to(help_card)
async def show_help(ctx: FlowContext) -> FlowResult:
    """The typed commands, for people who prefer typing to tapping."""
    return FlowResult(views=(help_card(),))


@leads_to(help_card)
async def group_help(ctx: FlowContext) -> FlowResult:
    """`group help`: what a working group's channel and its leads can type."""
    return FlowResult(views=(help_card(group=True),))


@leads_to(help_card)
async def not_understood(ctx: FlowContext) -> FlowResult:
    """Text that is no command and answers nothing gets the list of what can be typed."""
    return FlowResult(views=(help_card(unknown=True),))


@leads_to(subject_card)
async def start(ctx: FlowContext) -> FlowResult:
    """A fresh scope draft, awaiting the subject so that it can simply be typed."""
    state = ctx.with_state(scope_draft=ScopeDraft(), awaiting=Awaiting(kind="scope_subject"), section=None, group_id=None)
    return FlowResult(views=(subject_card(),), state=state)


@leads_to(subject_card, scope_card, phases_card)
async def name_subject(ctx: FlowContext, intent: NameSubject) -> FlowResult:
    """The subject typed into the card's box; a blank box asks again."""
    if intent.text is None:
        return FlowResult(views=(Notice(text=say.SUBJECT_EMPTY), subject_card()))
    draft = assessments.answer_scope(ctx.state.scope_draft, "subject", intent.text)
    result = await _ask_next(ctx, draft)
    return replace(result, recorded=say.STEP_CHOSEN.format(choice=intent.text))


@leads_to(subject_card, scope_card, phases_card)
async def typed_subject(ctx: FlowContext, text: str) -> FlowResult:
    """The subject typed as a chat message while the subject question is open."""
    return await name_subject(ctx, NameSubject(text=" ".join(text.split())))


@leads_to(subject_card, scope_card, phases_card)
async def set_scope(ctx: FlowContext, intent: SetScope) -> FlowResult:
    """One tapped scope answer, possibly on an older card, which then asks the next question under the answer."""
    draft = assessments.answer_scope(ctx.state.scope_draft, intent.field, intent.value)
    result = await _ask_next(ctx, draft)
    return replace(result, recorded=say.STEP_CHOSEN.format(choice=say.SCOPE_LABELS.get(intent.value, intent.value)))


async def _ask_next(ctx: FlowContext, draft: ScopeDraft) -> FlowResult:
    """The next open scope question; with none left, create the assessment and offer its phases."""
    question = assessments.open_scope_question(draft)
    if question == "subject":
        return FlowResult(views=(subject_card(),), state=ctx.with_state(scope_draft=draft))
    if question is not None:
        return FlowResult(views=(scope_card(question),), state=ctx.with_state(scope_draft=draft, awaiting=None))
    scope = Scope.model_validate(draft.model_dump(exclude={"for_group"}))
    if draft.for_group:
        return await groups.started(ctx, scope)
    assessment = await assessments.start(ctx.store, ctx.team, ctx.user_id, scope, ctx.now)
    state = ctx.with_state(assessment_id=assessment.id, phase=None, section=None, awaiting=None, scope_draft=None)
    progress = assessments.progress(ctx.framework, frozenset())
    return FlowResult(views=(phases_card(assessment.id, progress, about=about(assessment, progress)),), state=state)
