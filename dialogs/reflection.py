"""Reflection: phases, rating a section, evidence, next-step ideas, the phase summary.

The next prompt is always derived from stored answers (the first unanswered section of the phase,
by section id), so a restart, a second instance or a tap on an old card never breaks the flow.
Typed navigation (resume, status, phase N, skip, back, stop) lives here too. Diagram: reflection.mmd.
"""

from __future__ import annotations

from dataclasses import replace

from bot import messages as say
from bot.errors import InvalidInput, NotAllowed
from bot.framework import Phase, Section
from bot.intents import AddEvidence, ChangeRating, ChoosePhase, NextSection, Rate, ShowPhases, SkipEvidence, TakeIdea
from bot.models import Assessment, Awaiting, Response
from bot.services import actions, assessments, digest_schedule
from bot.views import Card, Notice
from dialogs import setup
from dialogs.assessments_cards import about
from dialogs.cards import shorten
from dialogs.flow import FlowContext, FlowResult, leads_to
from dialogs.reflection_cards import evidence_card, ideas_card, phases_card, rating_label, section_card, summary_card
from dialogs.setup_cards import help_card, subject_card


EVIDENCE_SHOWN = 300
"""Characters of evidence repeated above the next card: enough to recognise it, not the whole text again."""


def _notice(text: str) -> FlowResult:
    return FlowResult(views=(Notice(text=text),))


async def _find(ctx: FlowContext, assessment_id: str) -> Assessment:
    """The assessment in this turn's partition; a group's shared one only when the pipeline confirmed membership."""
    assessment = await assessments.find(ctx.store, ctx.space, assessment_id)
    if assessment.shared and ctx.group is None:
        raise NotAllowed(say.NOT_A_MEMBER)
    return assessment


async def _summary(ctx: FlowContext, assessment_id: str, phase: Phase, responses: dict[str, Response]) -> FlowResult:
    new_actions = await actions.count_in_phase(ctx.store, ctx.key(assessment_id), ctx.user_id, phase)
    card = summary_card(ctx.framework, assessment_id, phase, responses, new_actions, group=ctx.group_id)
    state = ctx.with_state(assessment_id=assessment_id, phase=phase.number, section=None, awaiting=None)
    return FlowResult(views=(card,), state=state)


async def _next_in_phase(ctx: FlowContext, assessment_id: str, phase: Phase, after: str | None) -> FlowResult:
    """The phase's next unanswered section after `after`, or its summary once every section is answered."""
    responses = await assessments.answers(ctx.store, ctx.key(assessment_id), ctx.user_id)
    section = assessments.next_unanswered(phase, assessments.answered(responses), after)
    if section is None:
        return await _summary(ctx, assessment_id, phase, responses)
    card = await _section_card(ctx, assessment_id, section, responses.get(section.code))
    state = ctx.with_state(assessment_id=assessment_id, phase=phase.number, section=section.code, awaiting=None)
    return FlowResult(views=(card,), state=state)


async def _section_card(ctx: FlowContext, assessment_id: str, section: Section, response: Response | None) -> Card:
    """The rating card, with what the person said in the cycle before when there was one."""
    assessment = await _find(ctx, assessment_id)
    earlier = await assessments.earlier_answer(ctx.store, ctx.space, assessment, ctx.user_id, section.code)
    return section_card(ctx.framework, assessment_id, section, response, group=ctx.group_id, earlier=earlier)


@leads_to(phases_card)
async def show_phases(ctx: FlowContext, intent: ShowPhases) -> FlowResult:
    """Every phase with the person's progress, since the loop can begin anywhere."""
    assessment = await _find(ctx, intent.assessment)
    progress = await assessments.progress_of(ctx.store, ctx.framework, ctx.key(intent.assessment), ctx.user_id)
    state = ctx.with_state(assessment_id=intent.assessment, awaiting=None)
    card = phases_card(intent.assessment, progress, group=ctx.group_id, about=about(assessment, progress))
    return FlowResult(views=(card,), state=state)


@leads_to(section_card, summary_card)
async def choose_phase(ctx: FlowContext, intent: ChoosePhase) -> FlowResult:
    """The chosen phase's first unanswered section, or its summary when none is left."""
    await _find(ctx, intent.assessment)
    return await _next_in_phase(ctx, intent.assessment, ctx.framework.phase(intent.phase), after=None)


@leads_to(evidence_card)
async def rate(ctx: FlowContext, intent: Rate) -> FlowResult:
    """Record a rating (a revision if it changes an earlier one), then ask for evidence on the same card.

    A rating in a group's assessment also asks for the group's latest digest to be refreshed in place.
    """
    assessment = assessments.require_open(await _find(ctx, intent.assessment))
    section = assessments.section(ctx.framework, intent.section)
    response = await assessments.rate(ctx.store, ctx.key(intent.assessment), ctx.user_id, section.code, intent.level, ctx.now)
    if assessment.shared:
        await digest_schedule.request_refresh(ctx.store, ctx.space, assessment.id, ctx.now)
    state = ctx.with_state(
        assessment_id=intent.assessment,
        phase=ctx.framework.phase_of(section.code).number,
        section=section.code,
        awaiting=Awaiting(kind="evidence", section=section.code),
    )
    return FlowResult(
        views=(evidence_card(ctx.framework, intent.assessment, section, intent.level, group=ctx.group_id, kept=response.evidence),),
        recorded=say.STEP_RATED.format(rating=rating_label(intent.level)),
        state=state,
    )


@leads_to(section_card)
async def change_rating(ctx: FlowContext, intent: ChangeRating) -> FlowResult:
    """The evidence question turns back into the section's rating buttons, showing the answer recorded so far."""
    section, response = await _rated(ctx, intent.assessment, intent.section)
    state = ctx.with_state(assessment_id=intent.assessment, section=section.code, awaiting=None)
    card = await _section_card(ctx, intent.assessment, section, response)
    return FlowResult(views=(card,), recorded=say.STEP_RATE_AGAIN, state=state)


async def _rated(ctx: FlowContext, assessment_id: str, code: str) -> tuple[Section, Response]:
    assessments.require_open(await _find(ctx, assessment_id))
    section = assessments.section(ctx.framework, code)
    return section, await assessments.rated(ctx.store, ctx.key(assessment_id), ctx.user_id, section.code)


async def _ideas(ctx: FlowContext, assessment_id: str, section: Section, response: Response) -> FlowResult:
    taken = await actions.taken(ctx.store, ctx.key(assessment_id), ctx.user_id, section.code)
    offered = actions.ideas(section, response.rating)
    card = ideas_card(ctx.framework, assessment_id, section, response.rating, offered, taken, group=ctx.group_id)
    return FlowResult(views=(card,), state=ctx.with_state(assessment_id=assessment_id, section=section.code, awaiting=None))


@leads_to(ideas_card)
async def add_evidence(ctx: FlowContext, intent: AddEvidence) -> FlowResult:
    """Evidence from the card's box, then the ideas for the rating, under a line that shows what was saved."""
    section, _ = await _rated(ctx, intent.assessment, intent.section)
    if intent.text is None:
        raise InvalidInput(say.EVIDENCE_EMPTY)
    key = ctx.key(intent.assessment)
    response = await assessments.add_evidence(ctx.store, key, ctx.user_id, section.code, intent.text, ctx.now)
    result = await _ideas(ctx, intent.assessment, section, response)
    return replace(result, recorded=say.STEP_EVIDENCE.format(text=shorten(intent.text, EVIDENCE_SHOWN)))


@leads_to(ideas_card, help_card)
async def typed_evidence(ctx: FlowContext, text: str) -> FlowResult:
    """Evidence typed as a chat message while the bot awaits it."""
    state, awaiting = ctx.state, ctx.state.awaiting
    if state.assessment_id is None or awaiting is None or awaiting.section is None:
        return await setup.not_understood(ctx)
    evidence = AddEvidence(assessment=state.assessment_id, group=ctx.group_id, section=awaiting.section, text=text.strip())
    return await add_evidence(ctx, evidence)


@leads_to(ideas_card)
async def skip_evidence(ctx: FlowContext, intent: SkipEvidence) -> FlowResult:
    """Evidence is optional: go straight to the ideas, under a line that says none was added (or which was kept)."""
    section, response = await _rated(ctx, intent.assessment, intent.section)
    result = await _ideas(ctx, intent.assessment, section, response)
    kept = response.evidence
    recorded = say.STEP_NO_EVIDENCE if kept is None else say.STEP_EVIDENCE_KEPT.format(text=shorten(kept, EVIDENCE_SHOWN))
    return replace(result, recorded=recorded)


@leads_to(ideas_card)
async def take_idea(ctx: FlowContext, intent: TakeIdea) -> FlowResult:
    """One tap turns an idea into the person's action; the ideas card is refreshed with it ticked."""
    section, response = await _rated(ctx, intent.assessment, intent.section)
    title = actions.idea(section, response.rating, intent.idea)
    taken = await actions.taken(ctx.store, ctx.key(intent.assessment), ctx.user_id, section.code)
    who = ctx.author.name if ctx.author else None
    action = await actions.take_idea(ctx.store, ctx.key(intent.assessment), ctx.user_id, section.code, title, ctx.now, who)
    if action is None:
        notice = Notice(text=say.ACTION_EXISTS)
    else:
        notice = Notice(text=say.ACTION_ADDED.format(title=say.sentence(title), due=say.due_label(action.due)))
    offered = actions.ideas(section, response.rating)
    card = ideas_card(ctx.framework, intent.assessment, section, response.rating, offered, taken | {title}, group=ctx.group_id)
    return FlowResult(views=(notice,), replace=card)


@leads_to(section_card, summary_card)
async def next_section(ctx: FlowContext, intent: NextSection) -> FlowResult:
    """The next unanswered section after this one, so skipping never loops back to it at once."""
    await _find(ctx, intent.assessment)
    section = assessments.section(ctx.framework, intent.section)
    return await _next_in_phase(ctx, intent.assessment, ctx.framework.phase_of(section.code), after=section.code)


@leads_to(section_card)
async def back(ctx: FlowContext) -> FlowResult:
    """The section before the current one in this phase, with its recorded answer."""
    state = ctx.state
    if state.assessment_id is None or state.phase is None:
        return _notice(say.NO_ASSESSMENT)
    section = assessments.previous(ctx.framework.phase(state.phase), state.section)
    responses = await assessments.answers(ctx.store, ctx.key(state.assessment_id), ctx.user_id)
    card = await _section_card(ctx, state.assessment_id, section, responses.get(section.code))
    return FlowResult(views=(card,), state=ctx.with_state(section=section.code, awaiting=None))


@leads_to(ideas_card, section_card, summary_card)
async def skip(ctx: FlowContext) -> FlowResult:
    """Skip the evidence the bot awaits, or else the current section."""
    state = ctx.state
    if state.awaiting is not None and state.awaiting.kind == "evidence" and state.assessment_id and state.section:
        return await skip_evidence(ctx, SkipEvidence(assessment=state.assessment_id, group=ctx.group_id, section=state.section))
    if state.assessment_id is None or state.section is None:
        return _notice(say.NO_ASSESSMENT)
    return await next_section(ctx, NextSection(assessment=state.assessment_id, group=ctx.group_id, section=state.section))


@leads_to()
async def stop(ctx: FlowContext) -> FlowResult:
    """Pause: drop what the bot awaits; every stored answer stays for `resume`."""
    return FlowResult(views=(Notice(text=say.PAUSED),), state=ctx.with_state(awaiting=None, scope_draft=None))


async def _current(ctx: FlowContext) -> Assessment | None:
    """The conversation's assessment if it still exists (and is not one the person closed), else their newest open one."""
    if ctx.state.assessment_id is not None:
        current = await ctx.store.get(ctx.space, Assessment, ctx.state.assessment_id)
        if current is not None and (current.shared or current.status == "open"):
            return current
    return await assessments.latest_open(ctx.store, ctx.space, ctx.user_id)


async def _resume_section(ctx: FlowContext, assessment_id: str, phase: Phase, code: str) -> FlowResult:
    """The section the person was on if still unanswered, otherwise the next one after it."""
    responses = await assessments.answers(ctx.store, ctx.key(assessment_id), ctx.user_id)
    if code in assessments.answered(responses):
        return await _next_in_phase(ctx, assessment_id, phase, after=code)
    card = await _section_card(ctx, assessment_id, ctx.framework.section(code), responses.get(code))
    return FlowResult(views=(card,), state=ctx.with_state(awaiting=None))


@leads_to(subject_card, section_card, summary_card, phases_card)
async def resume(ctx: FlowContext) -> FlowResult:
    """Carry on from stored answers: the current phase's next unanswered section, or its summary."""
    assessment = await _current(ctx)
    if assessment is None:
        result = await setup.start(ctx)
        return replace(result, views=(Notice(text=say.NOTHING_TO_RESUME), *result.views))
    state = ctx.state
    if state.assessment_id != assessment.id or state.phase is None:
        return await show_phases(ctx, ShowPhases(assessment=assessment.id, group=ctx.group_id))
    phase = ctx.framework.phase(state.phase)
    if state.section is None:
        return await _next_in_phase(ctx, assessment.id, phase, after=None)
    return await _resume_section(ctx, assessment.id, phase, state.section)


@leads_to(phases_card)
async def status(ctx: FlowContext) -> FlowResult:
    """Progress per phase for the current assessment, from stored answers."""
    assessment = await _current(ctx)
    if assessment is None:
        return _notice(say.NO_ASSESSMENT)
    return await show_phases(ctx, ShowPhases(assessment=assessment.id, group=ctx.group_id))


@leads_to(section_card, summary_card)
async def goto_phase(ctx: FlowContext, name: str) -> FlowResult:
    """`phase 4` or `phase prepare`: that phase's next unanswered section in the current assessment."""
    try:
        phase = ctx.framework.phase(int(name) if name.strip().isdecimal() else name)
    except KeyError:
        return _notice(say.UNKNOWN_PHASE.format(name=name[:40]))
    assessment = await _current(ctx)
    if assessment is None:
        return _notice(say.NO_ASSESSMENT)
    return await _next_in_phase(ctx, assessment.id, phase, after=None)
