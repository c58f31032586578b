"""Calibration: the group's results per phase, a person's own answers, and a lead recording an agreed level.

Members see their own answers always and the group's once a lead shares them; leads see the group's always.
An agreed level needs its one-line reason, typed into the card or sent as the next message. Diagram: calibration.mmd.
"""

from __future__ import annotations

from bot import messages as say
from bot.errors import InvalidInput, NotAllowed
from bot.framework import Level
from bot.intents import AgreeLevel, ChooseAgreed, GroupResults, MyAnswers
from bot.keys import AssessmentKey, TeamKey
from bot.models import Assessment, Awaiting, Team
from bot.services import assessments, calibration, digest_schedule, groups, shared
from bot.views import Notice
from dialogs.calibration_cards import agree_card, my_answers_card, rationale_card, results_card
from dialogs.cards import answered
from dialogs.flow import FlowContext, FlowResult, leads_to
from dialogs.where import here
from dialogs.setup_cards import help_card


async def _assessment(ctx: FlowContext, assessment_id: str) -> tuple[TeamKey, Team, Assessment]:
    """The group, and one of its shared assessments named by a card; anything else is 'not found'."""
    space, team = await here(ctx)
    groups.require_member(team, ctx.user_id)
    assessment = await assessments.find(ctx.store, space, assessment_id)
    if not assessment.shared:
        raise InvalidInput(say.BAD_INPUT)
    return space, team, assessment


def _may_see_results(team: Team, user_id: str) -> None:
    if team.role_of(user_id) != "lead" and not team.share_results:
        raise NotAllowed(say.RESULTS_HIDDEN)


async def _results(ctx: FlowContext, space: TeamKey, team: Team, assessment: Assessment, phase: int) -> FlowResult:
    _may_see_results(team, ctx.user_id)
    held = await shared.holdings(ctx.store, AssessmentKey(space, assessment.id), assessment)
    former = frozenset(m.user_id for m in team.former)
    spreads = await calibration.spreads_in_parts(ctx.framework, held.responses, former)
    earlier = await calibration.last_cycle(ctx.store, ctx.framework, space, team, assessment)
    card = results_card(
        ctx.framework, team, assessment, ctx.framework.phase(phase), spreads, held.agreements, earlier,
        lead=team.role_of(ctx.user_id) == "lead",
    )
    return FlowResult(views=(card,))


@leads_to(results_card)
async def results(ctx: FlowContext, intent: GroupResults) -> FlowResult:
    """One phase of the group's results, from a button."""
    space, team, assessment = await _assessment(ctx, intent.assessment)
    return await _results(ctx, space, team, assessment, intent.phase)


@leads_to(results_card)
async def results_typed(ctx: FlowContext) -> FlowResult:
    """`results`: the first phase of the group's current assessment; the card leads to the others."""
    space, team = await here(ctx)
    groups.require_member(team, ctx.user_id)
    assessment = await shared.require_current(ctx.store, space, team)
    return await _results(ctx, space, team, assessment, ctx.framework.phases[0].number)


@leads_to(my_answers_card)
async def my_answers(ctx: FlowContext, intent: MyAnswers) -> FlowResult:
    """The person's own answers in the group's assessment."""
    space, team, assessment = await _assessment(ctx, intent.assessment)
    mine = await assessments.answers(ctx.store, AssessmentKey(space, assessment.id), ctx.user_id)
    return FlowResult(views=(my_answers_card(ctx.framework, team, assessment, mine),))


@leads_to(agree_card)
async def choose_agreed(ctx: FlowContext, intent: ChooseAgreed) -> FlowResult:
    """A lead opens the agreed-level card for a section, with its spread in view."""
    space, team, assessment = await _assessment(ctx, intent.assessment)
    groups.require_lead(team, ctx.user_id)
    section = assessments.section(ctx.framework, intent.section)
    held = await shared.holdings(ctx.store, AssessmentKey(space, assessment.id), assessment)
    former = frozenset(m.user_id for m in team.former)
    spread = (await calibration.spreads_in_parts(ctx.framework, held.responses, former))[section.code]
    return FlowResult(views=(agree_card(team, assessment, section, spread),))


@leads_to(rationale_card)
async def agree(ctx: FlowContext, intent: AgreeLevel) -> FlowResult:
    """A level alone asks for its reason; with the reason typed in, the agreed level is recorded (and the latest
    digest refreshed, since it is now the group's result)."""
    space, team, assessment = await _assessment(ctx, intent.assessment)
    groups.require_lead(team, ctx.user_id)
    assessments.require_open(assessment)
    section = assessments.section(ctx.framework, intent.section)
    if intent.text is None:
        awaiting = Awaiting(kind="rationale", section=section.code, level=intent.level)
        state = ctx.with_state(assessment_id=assessment.id, awaiting=awaiting)
        return FlowResult(views=(rationale_card(team, assessment, section, intent.level),), state=state)
    key = AssessmentKey(space, assessment.id)
    await calibration.agree(ctx.store, key, ctx.user_id, section.code, intent.level, intent.text, ctx.now)
    await digest_schedule.request_refresh(ctx.store, space, assessment.id, ctx.now)
    done = say.AGREED.format(level=intent.level.label, code=section.code)
    card = answered(rationale_card(team, assessment, section, intent.level), say.RESULTS_AGREED.format(
        level=intent.level.label, rationale=intent.text))
    return FlowResult(views=(Notice(text=done),), replace=card, state=ctx.with_state(awaiting=None))


@leads_to(rationale_card, help_card)
async def typed_rationale(ctx: FlowContext, text: str) -> FlowResult:
    """The reason for an agreed level, sent as a chat message while the bot awaits it."""
    state, awaiting = ctx.state, ctx.state.awaiting
    if state.assessment_id is None or awaiting is None or awaiting.section is None or awaiting.level is None:
        return FlowResult(views=(help_card(unknown=True),))
    intent = AgreeLevel(
        assessment=state.assessment_id, group=ctx.group_id, section=awaiting.section, level=Level(awaiting.level),
        text=" ".join(text.split())[:200] or None,
    )
    return await agree(ctx, intent)
