"""Actions: the lists (mine, a group's, open or done), one action, and its changes: status, due date, owner, note.

Changes go through the actions service, so reminders and exports see them as the person left them, and only the
owner, whoever added the action or a group lead may make them. Diagram: actions.mmd.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot import messages as say
from bot.conversation_refs import is_reachable
from bot.errors import InvalidInput
from bot.intents import (
    AskActionDue,
    AskActionNote,
    AskActionOwner,
    AssignAction,
    EditAction,
    OnAction,
    OpenAction,
    SetActionDue,
    SetActionNote,
    ShowActions,
)
from bot.keys import TeamKey
from bot.local_time import DEFAULT_ZONE_NAME, local_date
from bot.models import ACTION_TITLE_MAX, Action, Person, Team
from bot.services import actions, groups
from bot.views import Card, Notice
from dialogs.actions_cards import action_card, actions_card, due_card, note_card, owner_card
from dialogs.flow import FlowContext, FlowResult, leads_to

NOTICES = {
    "done": say.ACTION_DONE, "drop": say.ACTION_DROPPED, "in_progress": say.ACTION_STARTED, "reopen": say.ACTION_REOPENED,
}


def _space(ctx: FlowContext, intent: OnAction) -> TeamKey:
    """Where the card says the action lives, always within this turn's tenant."""
    return actions.space_of(ctx.team, intent.space)


async def _named(ctx: FlowContext) -> Person:
    """Who is acting, with a name: Slack sends none with events, so it is asked for (users.info) when needed."""
    if ctx.author is not None and ctx.author.name:
        return ctx.author
    found = None if ctx.find_person is None else await ctx.find_person(ctx.user_id, ())
    return found if found is not None and found.user_id == ctx.user_id else Person(user_id=ctx.user_id)


async def _shown(ctx: FlowContext, action: Action) -> Card:
    """The action's card, saying so when its owner cannot be reached (so whoever gave it knows to follow up)."""
    reachable = await is_reachable(ctx.store, ctx.team.tenant, action.owner_id)
    return action_card(action, reachable=reachable)


async def _group(ctx: FlowContext) -> tuple[TeamKey, Team] | None:
    """The working group this turn is in (a group's channel, or a chat on a group's assessment), if any."""
    team = None if ctx.group is None else await groups.find(ctx.store, ctx.group)
    return None if ctx.group is None or team is None else (ctx.group, team)


async def _lists(ctx: FlowContext, *, done: bool, team: bool) -> FlowResult:
    """The person's own list, or their group's; `team actions` outside a group says where it works."""
    group = await _group(ctx)
    if not team:
        found = await actions.mine(ctx.store, ctx.team.tenant, ctx.team, ctx.user_id)
        return FlowResult(views=(actions_card(found, done=done, in_group=group is not None),))
    if group is None:
        return FlowResult(views=(Notice(text=say.TEAM_ACTIONS_ONLY_IN_GROUP),))
    space, found_group = group
    lead = found_group.role_of(ctx.user_id) == "lead"
    card = actions_card(
        await actions.in_space(ctx.store, space), done=done, group=found_group.name, in_group=True,
        allowed=lambda action: actions.may_change(action, ctx.user_id, lead=lead),
    )
    return FlowResult(views=(card,))


@leads_to(actions_card)
async def show_actions(ctx: FlowContext) -> FlowResult:
    """The person's open actions wherever they live in this tenant, soonest due first, each with its buttons."""
    return await _lists(ctx, done=False, team=False)


@leads_to(actions_card)
async def team_actions(ctx: FlowContext) -> FlowResult:
    """A working group's open actions, by anyone, with buttons on those the viewer may change."""
    return await _lists(ctx, done=False, team=True)


@leads_to(actions_card)
async def list_actions(ctx: FlowContext, intent: ShowActions) -> FlowResult:
    """Either list, open or done: done and dropped ones are shown on request, so they can be reopened."""
    return await _lists(ctx, done=intent.done, team=intent.team)


@leads_to()
async def add_how(ctx: FlowContext) -> FlowResult:
    """`add action` with nothing after it: how to say what the action is."""
    return FlowResult(views=(Notice(text=say.ADD_ACTION_HOW),))


@leads_to(action_card)
async def add_typed(ctx: FlowContext, title: str) -> FlowResult:
    """`add action <title>`: the person's own quick win, linked to the assessment and section the chat is on."""
    text = " ".join(title.split())
    if len(text) > ACTION_TITLE_MAX:
        raise InvalidInput(say.TOO_LONG.format(limit=ACTION_TITLE_MAX))
    state = ctx.state
    author = await _named(ctx)
    action = await actions.create(
        ctx.store, ctx.space, author, text, ctx.now, assessment_id=state.assessment_id,
        section=state.section if state.assessment_id else None,
    )
    notice = Notice(text=say.ACTION_ADDED_TYPED.format(title=action.title, due=say.due_label(action.due)))
    return FlowResult(views=(notice, await _shown(ctx, action)))


@leads_to(action_card)
async def open_action(ctx: FlowContext, intent: OpenAction) -> FlowResult:
    """One action with all its changes, for its owner, whoever added it, or a group lead."""
    return FlowResult(views=(await _shown(ctx, await actions.permitted(ctx.store, _space(ctx, intent), intent.action, ctx.user_id)),))


@leads_to(action_card)
async def edit_action(ctx: FlowContext, intent: EditAction) -> FlowResult:
    """Apply one change and show the action as it now is, in place of the card that was tapped."""
    action = await actions.edit(ctx.store, _space(ctx, intent), intent.action, ctx.user_id, intent.change, ctx.now, intent.text)
    return FlowResult(views=(Notice(text=NOTICES.get(intent.change, say.ACTION_UPDATED)),), replace=await _shown(ctx, action))


def today(ctx: FlowContext) -> date:
    """The date where the bot's people are (Europe/London unless a deployment says otherwise)."""
    return local_date(ctx.now, ZoneInfo(DEFAULT_ZONE_NAME))


@leads_to(due_card)
async def ask_due(ctx: FlowContext, intent: AskActionDue) -> FlowResult:
    """The date picker and quick picks, for someone who may change the action."""
    action = await actions.permitted(ctx.store, _space(ctx, intent), intent.action, ctx.user_id)
    return FlowResult(views=(due_card(action, today(ctx)),))


@leads_to(action_card)
async def set_due(ctx: FlowContext, intent: SetActionDue) -> FlowResult:
    """A picked or quick-picked date, checked here; the date is said back in words, as some clients post the day before."""
    space, day_now = _space(ctx, intent), today(ctx)
    current = await actions.permitted(ctx.store, space, intent.action, ctx.user_id)
    day = actions.picked_day(intent.pick, day_now) if intent.pick else intent.date
    if day is None:
        raise InvalidInput(say.DUE_MISSING.format(due=say.day_in_words(current.due)))
    action = await actions.set_due(ctx.store, space, intent.action, ctx.user_id, day, day_now, ctx.now)
    notice = Notice(text=say.DUE_CHANGED.format(day=say.day_in_words(action.due)))
    return FlowResult(views=(notice,), replace=await _shown(ctx, action))


@leads_to(owner_card)
async def ask_owner(ctx: FlowContext, intent: AskActionOwner) -> FlowResult:
    """The people picker, limited to this conversation's people outside a personal chat, as Teams requires."""
    action = await actions.permitted(ctx.store, _space(ctx, intent), intent.action, ctx.user_id)
    return FlowResult(views=(owner_card(action, ctx.user_id, nearby=ctx.shared_conversation),))


async def _channels_of(ctx: FlowContext) -> tuple[str, ...]:
    """The channels of the person's groups: where a person picked from the whole organisation may be found."""
    found = [await groups.find(ctx.store, team) for team, _role in await ctx.store.teams_of(ctx.team.tenant, ctx.user_id)]
    return tuple(team.channel_conversation_id for team in found if team is not None and team.channel_conversation_id)


@leads_to(action_card)
async def assign(ctx: FlowContext, intent: AssignAction) -> FlowResult:
    """A picked person becomes the owner once the channel confirms who they are; they are then told by direct message."""
    space = _space(ctx, intent)
    current = await actions.permitted(ctx.store, space, intent.action, ctx.user_id)
    who = current.owner_name or say.SOMEONE
    if intent.person is None:
        raise InvalidInput(say.OWNER_MISSING.format(owner=who))
    person = None if ctx.find_person is None else await ctx.find_person(intent.person, await _channels_of(ctx))
    if person is None:
        raise InvalidInput(say.OWNER_NOT_FOUND.format(owner=who))
    action, moved = await actions.reassign(
        ctx.store, space, intent.action, ctx.user_id, person, ctx.now,
        via=ctx.conversation_id if ctx.shared_conversation else None,
        by=(await _named(ctx)).name,
    )
    name = person.name or say.SOMEONE
    text = (say.OWNER_CHANGED if moved else say.OWNER_UNCHANGED).format(owner=name)
    return FlowResult(views=(Notice(text=text),), replace=await _shown(ctx, action))


@leads_to(note_card)
async def ask_note(ctx: FlowContext, intent: AskActionNote) -> FlowResult:
    """A text box for the action's note."""
    action = await actions.permitted(ctx.store, _space(ctx, intent), intent.action, ctx.user_id)
    return FlowResult(views=(note_card(action),))


@leads_to(action_card)
async def set_note(ctx: FlowContext, intent: SetActionNote) -> FlowResult:
    """The note replaces any earlier one; its history entry says a note was written, never what it says."""
    if intent.text is None:
        raise InvalidInput(say.TEXT_REQUIRED)
    action = await actions.set_note(ctx.store, _space(ctx, intent), intent.action, ctx.user_id, intent.text, ctx.now)
    return FlowResult(views=(Notice(text=say.NOTE_SAVED),), replace=await _shown(ctx, action))
