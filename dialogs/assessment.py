"""The reflection flow: scope, phase choice, section cards, evidence, next-step ideas, phase summary.

States (see assessment.mmd): welcome -> scope (subject, focus, footprint, stance) -> phases ->
section -> evidence -> ideas -> section ... -> summary -> phases. The next prompt is always
derived from stored answers (the first unanswered section of the phase, by section id), so a
restart, a second instance or a tap on an old card never breaks the flow.
"""

from __future__ import annotations

from datetime import timedelta

from bot import messages as say
from bot.errors import InvalidInput, NotFound
from bot.framework import Phase, Section
from bot.intents import AddEvidence, EditAction, Rate, SetScope, SkipEvidence, TakeIdea
from bot.models import NOT_SURE, Action, Answer, Assessment, Awaiting, Response, Scope, ScopeDraft, new_id
from bot.views import Card, Notice
from dialogs import screens
from dialogs.flow import FlowContext, FlowResult

ACTION_DUE_DAYS = 14


def _state(ctx: FlowContext, **changes: object) -> FlowResult:
    return FlowResult(state=ctx.state.model_copy(update={**changes, "updated_at": ctx.now}))


async def welcome(ctx: FlowContext) -> FlowResult:
    return FlowResult(views=(screens.welcome_card(),))


async def show_help(ctx: FlowContext, *, unknown: bool = False) -> FlowResult:
    return FlowResult(views=(screens.help_card(unknown=unknown),))


async def start(ctx: FlowContext) -> FlowResult:
    result = _state(ctx, scope_draft=ScopeDraft(), awaiting=Awaiting(kind="scope_subject"), section=None)
    return FlowResult(views=(screens.subject_card(),), state=result.state)


async def name_subject(ctx: FlowContext, text: str | None) -> FlowResult:
    if text is None or not text.strip():
        return FlowResult(views=(Notice(text=say.SUBJECT_EMPTY), screens.subject_card()))
    result = await _scope_answer(ctx, "subject", text.strip())
    return _with_replace(result, screens.answered(screens.subject_card(), say.CHOSEN.format(choice=text.strip())))


async def set_scope(ctx: FlowContext, intent: SetScope) -> FlowResult:
    if intent.field == "subject":
        card = screens.subject_card()
    elif intent.value in screens.SCOPE_QUESTIONS[intent.field][2]:
        card = screens.scope_card(intent.field)
    else:
        raise InvalidInput(say.BAD_INPUT)
    result = await _scope_answer(ctx, intent.field, intent.value)
    choice = say.SCOPE_LABELS.get(intent.value, intent.value)
    return _with_replace(result, screens.answered(card, say.CHOSEN.format(choice=choice)))


def _with_replace(result: FlowResult, replace: Card) -> FlowResult:
    return FlowResult(views=result.views, replace=replace, state=result.state)


async def _scope_answer(ctx: FlowContext, field: str, value: str) -> FlowResult:
    """Record one scope answer; once all four are in, create the assessment and offer the phases."""
    draft = ScopeDraft.model_validate({**(ctx.state.scope_draft or ScopeDraft()).model_dump(), field: value})
    missing = next((name for name in ("subject", "focus", "footprint", "stance") if getattr(draft, name) is None), None)
    if missing == "subject":
        return FlowResult(views=(screens.subject_card(),), state=_state(ctx, scope_draft=draft).state)
    if missing is not None:
        return FlowResult(views=(screens.scope_card(missing),), state=_state(ctx, scope_draft=draft, awaiting=None).state)
    scope = Scope.model_validate(draft.model_dump())
    previous = await ctx.store.find(ctx.team, Assessment, owner_id=ctx.user_id)
    cycle = 1 + sum(a.scope.subject.casefold() == scope.subject.casefold() for a in previous)
    assessment = Assessment(id=new_id("a"), owner_id=ctx.user_id, scope=scope, cycle=cycle, created_at=ctx.now)
    await ctx.store.put(ctx.team, assessment)
    state = _state(ctx, assessment_id=assessment.id, phase=None, section=None, awaiting=None, scope_draft=None).state
    return FlowResult(views=(screens.phases_card(ctx.framework, assessment.id, ()),), state=state)


async def _assessment(ctx: FlowContext, assessment_id: str) -> Assessment:
    """The assessment, only if it lives in this user's partition; anything else is 'not found'."""
    assessment = await ctx.store.get(ctx.team, Assessment, assessment_id)
    if assessment is None:
        raise NotFound(say.NOT_FOUND)
    return assessment


def _section(ctx: FlowContext, code: str) -> Section:
    try:
        return ctx.framework.section(code)
    except KeyError:
        raise InvalidInput(say.BAD_INPUT) from None


async def _mine(ctx: FlowContext, assessment_id: str) -> dict[str, Response]:
    responses = await ctx.store.find(ctx.team, Response, assessment_id=assessment_id, author_id=ctx.user_id)
    return {response.section: response for response in responses}


def _answered(responses: dict[str, Response]) -> set[str]:
    return {code for code, response in responses.items() if response.rating is not None}


def _next_unanswered(phase: Phase, answered: set[str], after: str | None) -> Section | None:
    """The first unanswered section after `after` in the phase, wrapping round; never `after` itself."""
    codes = [section.code for section in phase.sections]
    start = codes.index(after) + 1 if after in codes else 0
    ordered = phase.sections[start:] + phase.sections[:start]
    return next((s for s in ordered if s.code not in answered and s.code != after), None)


async def _new_actions(ctx: FlowContext, assessment_id: str, phase: Phase) -> int:
    actions = await ctx.store.find(ctx.team, Action, assessment_id=assessment_id, owner_id=ctx.user_id)
    return sum(action.section in {s.code for s in phase.sections} for action in actions)


async def _show_next(ctx: FlowContext, assessment_id: str, phase: Phase, after: str | None) -> FlowResult:
    responses = await _mine(ctx, assessment_id)
    section = _next_unanswered(phase, _answered(responses), after)
    if section is None:
        summary = screens.summary_card(
            ctx.framework, assessment_id, phase, responses, await _new_actions(ctx, assessment_id, phase)
        )
        state = _state(ctx, assessment_id=assessment_id, phase=phase.number, section=None, awaiting=None).state
        return FlowResult(views=(summary,), state=state)
    card = screens.section_card(ctx.framework, assessment_id, section, responses.get(section.code))
    state = _state(ctx, assessment_id=assessment_id, phase=phase.number, section=section.code, awaiting=None).state
    return FlowResult(views=(card,), state=state)


async def show_phases(ctx: FlowContext, assessment_id: str) -> FlowResult:
    await _assessment(ctx, assessment_id)
    answered = _answered(await _mine(ctx, assessment_id))
    card = screens.phases_card(ctx.framework, assessment_id, answered)
    return FlowResult(views=(card,), state=_state(ctx, assessment_id=assessment_id, awaiting=None).state)


async def choose_phase(ctx: FlowContext, assessment_id: str, number: int) -> FlowResult:
    await _assessment(ctx, assessment_id)
    return await _show_next(ctx, assessment_id, ctx.framework.phase(number), after=None)


async def rate(ctx: FlowContext, intent: Rate) -> FlowResult:
    """Record a rating (a revision if it changes an earlier one), refresh the tapped card, ask for evidence."""
    await _assessment(ctx, intent.assessment)
    section = _section(ctx, intent.section)
    response = await ctx.store.record_answer(
        ctx.key(intent.assessment), Answer(section=section.code, author_id=ctx.user_id, rating=intent.level, at=ctx.now)
    )
    state = _state(
        ctx,
        assessment_id=intent.assessment,
        phase=ctx.framework.phase_of(section.code).number,
        section=section.code,
        awaiting=Awaiting(kind="evidence", section=section.code),
    ).state
    return FlowResult(
        views=(screens.evidence_card(ctx.framework, intent.assessment, section, intent.level),),
        replace=screens.section_card(ctx.framework, intent.assessment, section, response),
        state=state,
    )


async def _rated(ctx: FlowContext, assessment_id: str, code: str) -> tuple[Section, Response]:
    await _assessment(ctx, assessment_id)
    section = _section(ctx, code)
    response = (await _mine(ctx, assessment_id)).get(section.code)
    if response is None or response.rating is None:
        raise InvalidInput(say.BAD_INPUT)
    return section, response


async def _ideas(ctx: FlowContext, assessment_id: str, section: Section, response: Response) -> FlowResult:
    taken = await _taken(ctx, assessment_id, section.code)
    card = screens.ideas_card(ctx.framework, assessment_id, section, response.rating, taken)
    state = _state(ctx, assessment_id=assessment_id, section=section.code, awaiting=None).state
    return FlowResult(views=(card,), state=state)


async def add_evidence(ctx: FlowContext, intent: AddEvidence) -> FlowResult:
    section, _ = await _rated(ctx, intent.assessment, intent.section)
    if intent.text is None:
        return FlowResult(views=(Notice(text=say.EVIDENCE_EMPTY),))
    response = await ctx.store.record_answer(
        ctx.key(intent.assessment), Answer(section=section.code, author_id=ctx.user_id, evidence=intent.text, at=ctx.now)
    )
    result = await _ideas(ctx, intent.assessment, section, response)
    card = screens.evidence_card(ctx.framework, intent.assessment, section, response.rating or NOT_SURE)
    return FlowResult(
        views=(Notice(text=say.EVIDENCE_SAVED), *result.views),
        replace=screens.answered(card, say.EVIDENCE_RECORDED.format(text=intent.text)),
        state=result.state,
    )


async def skip_evidence(ctx: FlowContext, intent: SkipEvidence) -> FlowResult:
    section, response = await _rated(ctx, intent.assessment, intent.section)
    result = await _ideas(ctx, intent.assessment, section, response)
    card = screens.evidence_card(ctx.framework, intent.assessment, section, response.rating or NOT_SURE)
    return _with_replace(result, screens.answered(card, say.NO_EVIDENCE_RECORDED))


async def _taken(ctx: FlowContext, assessment_id: str, code: str) -> set[str]:
    actions = await ctx.store.find(ctx.team, Action, assessment_id=assessment_id, section=code, owner_id=ctx.user_id)
    return {action.title for action in actions}


async def take_idea(ctx: FlowContext, intent: TakeIdea) -> FlowResult:
    """One tap turns an idea into a quick-win action owned by the user, due in 14 days."""
    section, response = await _rated(ctx, intent.assessment, intent.section)
    ideas = screens.ideas_for(section, response.rating)
    if intent.idea >= len(ideas):
        raise InvalidInput(say.BAD_INPUT)
    title = ideas[intent.idea]
    taken = await _taken(ctx, intent.assessment, section.code)
    if title in taken:
        notice = Notice(text=say.ACTION_EXISTS)
    else:
        action = Action(
            id=new_id("act"),
            assessment_id=intent.assessment,
            section=section.code,
            title=title,
            owner_id=ctx.user_id,
            due=(ctx.now + timedelta(days=ACTION_DUE_DAYS)).date(),
            created_at=ctx.now,
            updated_at=ctx.now,
        )
        await ctx.store.put(ctx.team, action)
        taken.add(title)
        notice = Notice(text=say.ACTION_ADDED.format(title=title, due=say.due_label(action.due)))
    card = screens.ideas_card(ctx.framework, intent.assessment, section, response.rating, taken)
    return FlowResult(views=(notice,), replace=card)


async def next_section(ctx: FlowContext, assessment_id: str, code: str) -> FlowResult:
    await _assessment(ctx, assessment_id)
    section = _section(ctx, code)
    return await _show_next(ctx, assessment_id, ctx.framework.phase_of(section.code), after=section.code)


async def back(ctx: FlowContext) -> FlowResult:
    """The section before the current one in this phase, with its recorded answer."""
    state = ctx.state
    if state.assessment_id is None or state.phase is None:
        return FlowResult(views=(Notice(text=say.NO_ASSESSMENT),))
    phase = ctx.framework.phase(state.phase)
    codes = [s.code for s in phase.sections]
    index = codes.index(state.section) - 1 if state.section in codes else len(codes) - 1
    section = phase.sections[max(index, 0)]
    responses = await _mine(ctx, state.assessment_id)
    card = screens.section_card(ctx.framework, state.assessment_id, section, responses.get(section.code))
    return FlowResult(views=(card,), state=_state(ctx, section=section.code, awaiting=None).state)


async def skip(ctx: FlowContext) -> FlowResult:
    state = ctx.state
    if state.awaiting is not None and state.awaiting.kind == "evidence" and state.assessment_id and state.section:
        return await skip_evidence(ctx, SkipEvidence(assessment=state.assessment_id, section=state.section))
    if state.assessment_id is None or state.section is None:
        return FlowResult(views=(Notice(text=say.NO_ASSESSMENT),))
    return await next_section(ctx, state.assessment_id, state.section)


async def stop(ctx: FlowContext) -> FlowResult:
    return FlowResult(views=(Notice(text=say.PAUSED),), state=_state(ctx, awaiting=None, scope_draft=None).state)


async def _latest(ctx: FlowContext) -> Assessment | None:
    if ctx.state.assessment_id is not None:
        current = await ctx.store.get(ctx.team, Assessment, ctx.state.assessment_id)
        if current is not None:
            return current
    mine = await ctx.store.find(ctx.team, Assessment, owner_id=ctx.user_id, status="open")
    return max(mine, key=lambda a: a.created_at, default=None)


async def resume(ctx: FlowContext) -> FlowResult:
    """Carry on from stored answers: the current phase's next unanswered section, or its summary."""
    assessment = await _latest(ctx)
    if assessment is None:
        result = await start(ctx)
        return FlowResult(views=(Notice(text=say.NOTHING_TO_RESUME), *result.views), state=result.state)
    if ctx.state.assessment_id == assessment.id and ctx.state.phase is not None:
        phase = ctx.framework.phase(ctx.state.phase)
        if ctx.state.section is not None:
            responses = await _mine(ctx, assessment.id)
            section = ctx.framework.section(ctx.state.section)
            if section.code not in _answered(responses):
                card = screens.section_card(ctx.framework, assessment.id, section, responses.get(section.code))
                return FlowResult(views=(card,), state=_state(ctx, awaiting=None).state)
            return await _show_next(ctx, assessment.id, phase, after=section.code)
        return await _show_next(ctx, assessment.id, phase, after=None)
    return await show_phases(ctx, assessment.id)


async def status(ctx: FlowContext) -> FlowResult:
    assessment = await _latest(ctx)
    if assessment is None:
        return FlowResult(views=(Notice(text=say.NO_ASSESSMENT),))
    return await show_phases(ctx, assessment.id)


async def goto_phase(ctx: FlowContext, name: str) -> FlowResult:
    try:
        phase = ctx.framework.phase(int(name) if name.strip().isdecimal() else name)
    except KeyError:
        return FlowResult(views=(Notice(text=say.UNKNOWN_PHASE.format(name=name[:40])),))
    assessment = await _latest(ctx)
    if assessment is None:
        return FlowResult(views=(Notice(text=say.NO_ASSESSMENT),))
    return await _show_next(ctx, assessment.id, phase, after=None)


async def home(ctx: FlowContext) -> FlowResult:
    """A person's overview: their five newest assessments with progress, and their open actions."""
    mine = sorted(await ctx.store.find(ctx.team, Assessment, owner_id=ctx.user_id), key=lambda a: a.created_at, reverse=True)
    progress = [(assessment, _answered(await _mine(ctx, assessment.id))) for assessment in mine[:5]]
    actions = await ctx.store.find(ctx.team, Action, owner_id=ctx.user_id, status="open")
    return FlowResult(views=(screens.home_card(ctx.framework, progress, actions),))


async def show_actions(ctx: FlowContext) -> FlowResult:
    actions = await ctx.store.find(ctx.team, Action, owner_id=ctx.user_id, status="open")
    return FlowResult(views=(screens.actions_card(actions),))


async def _my_action(ctx: FlowContext, action_id: str) -> Action:
    """The action, only if it is this person's, in this partition."""
    action = await ctx.store.get(ctx.team, Action, action_id)
    if action is None or action.owner_id != ctx.user_id:
        raise NotFound(say.NOT_FOUND_ACTION)
    return action


async def open_action(ctx: FlowContext, action_id: str) -> FlowResult:
    return FlowResult(views=(screens.action_card(await _my_action(ctx, action_id)),))


async def edit_action(ctx: FlowContext, intent: EditAction) -> FlowResult:
    """Apply one change atomically and refresh the action's card in place."""
    await _my_action(ctx, intent.action)
    if intent.change == "rename" and intent.text is None:
        return FlowResult(views=(Notice(text=say.RENAME_EMPTY),))

    def change(current: Action | None) -> Action:
        if current is None:
            raise NotFound(say.NOT_FOUND_ACTION)
        update: dict[str, object] = {
            "done": {"status": "done"},
            "reopen": {"status": "open"},
            "quick_win": {"horizon": "quick_win"},
            "long_term": {"horizon": "long_term"},
            "later_7": {"due": current.due + timedelta(days=7)},
            "later_28": {"due": current.due + timedelta(days=28)},
            "rename": {"title": intent.text},
        }[intent.change]
        return Action.model_validate({**current.model_dump(), **update, "updated_at": ctx.now})

    action = await ctx.store.update(ctx.team, Action, intent.action, change)
    notice = say.ACTION_DONE if intent.change == "done" else say.ACTION_UPDATED
    return FlowResult(views=(Notice(text=notice),), replace=screens.action_card(action))

