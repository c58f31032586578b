"""The turn pipeline: identify -> load state -> ask the route table -> flow step -> save -> render -> send.

Every channel (Teams, the Emulator, the console, later Slack) runs through this one class.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime

from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.schema import Activity, ChannelAccount
from pydantic import ValidationError

from adapters.events import HOME_EVENT, TURN_FAILED, TURN_FORGOT, TURN_REFUSED
from adapters.identity import author, identify, mentioned
from adapters.people import finder_of
from adapters.render import render_file
from adapters.roster import roster_of
from bot import messages as say
from bot.errors import DeliveryError, NotAllowed, Refusal, StoreError, where
from bot.framework import Framework
from bot.intents import GroupClaim, Intent, parse
from bot.models import EVIDENCE_MAX_CHARS, ConversationState
from bot.services import groups
from bot.store import Store
from bot.views import Notice, View
from dialogs import in_place, routes, typed
from dialogs.flow import FlowContext, FlowResult

MAX_TEXT_CHARS = 4000
Renderer = Callable[[View, str], Activity]
OnTurnError = Callable[[TurnContext, Exception], Awaitable[None]]
log = logging.getLogger("reflect.turn")


def turn_error_handler(render: Renderer) -> OnTurnError:
    """Every adapter's turn-error handler: log type, place and ids only (never text), then say sorry in-channel.

    A reply the channel would not take is only a warning; if the apology cannot be delivered either, its
    `DeliveryError` goes back to the channel's edge.
    """

    async def apologise(context: TurnContext, error: Exception) -> None:
        activity = context.activity
        log.log(
            logging.WARNING if isinstance(error, DeliveryError) else logging.ERROR,
            "turn failed: %s at %s (channel %s, activity %r, conversation %r)",
            type(error).__name__, where(error), activity.channel_id, activity.id,
            activity.conversation.id if activity.conversation else None,
        )
        await context.send_activity(render(Notice(text=say.TURN_FAILED), activity.channel_id))

    return apologise


class _Refused(FlowResult):
    """A refusal's notice: it changes nothing, not even the first-contact state of someone new."""


class _Failed(FlowResult):
    """The store failed mid-turn: the person is told nothing was saved, and a redelivery may run the turn again."""


def _refusal(exc: ValidationError) -> str:
    """A friendly sentence for a payload that failed validation; never echoes what was sent."""
    if any(error["type"] == "string_too_long" for error in exc.errors()):
        return say.TOO_LONG.format(limit=EVIDENCE_MAX_CHARS)
    return say.BAD_INPUT


class ReflectBot(ActivityHandler):
    """Channel-neutral bot: flows produce views, and the injected renderer turns them into activities."""

    def __init__(self, store: Store, framework: Framework, *, clock: Callable[[], datetime], render: Renderer) -> None:
        self._store = store
        self._framework = framework
        self._clock = clock
        self._render = render
        self.on_turn_error = turn_error_handler(render)

    async def on_members_added_activity(self, members_added: list[ChannelAccount], turn_context: TurnContext) -> None:
        if any(member.id == turn_context.activity.recipient.id for member in members_added):
            context = await self._context(turn_context)
            if context is not None:
                await self._send(turn_context, await routes.on_event(context[0], "installed"))

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        context = await self._context(turn_context)
        if context is None:
            return
        ctx, stored = context
        result = await self._step(ctx, turn_context.activity, first=stored is None)
        if result.forgotten:
            turn_context.turn_state[TURN_FORGOT] = True
        elif result.state is not None and result.state != stored:
            await self._store.put(ctx.team, result.state)
        elif stored is None and not isinstance(result, _Refused):
            await self._store.put(ctx.team, ctx.state)
        if isinstance(result, _Refused):
            turn_context.turn_state[TURN_REFUSED] = True
        if isinstance(result, _Failed):
            turn_context.turn_state[TURN_FAILED] = True
        await self._send(turn_context, result)

    async def on_event(self, turn_context: TurnContext) -> None:
        """A channel's home screen (Slack App Home) asks for the person's overview."""
        if turn_context.activity.name != HOME_EVENT:
            return
        context = await self._context(turn_context)
        if context is not None:
            await self._send(turn_context, await routes.on_event(context[0], "home"))

    async def _context(self, turn_context: TurnContext) -> tuple[FlowContext, ConversationState | None] | None:
        """Who is acting and their stored conversation state; an unusable identity gets a notice instead."""
        activity = turn_context.activity
        try:
            who = identify(activity)
        except Refusal as exc:
            turn_context.turn_state[TURN_REFUSED] = True
            await turn_context.send_activity(self._render(Notice(text=exc.message), activity.channel_id))
            return None
        stored = await self._store.get(who.team, ConversationState, f"{who.conversation_id}/{who.user_id}")
        now = self._clock()
        state = stored or ConversationState(conversation_id=who.conversation_id, user_id=who.user_id, updated_at=now)
        ctx = FlowContext(
            self._store, self._framework, who.team, who.user_id, who.conversation_id, now, state,
            in_channel=who.kind == "channel", author=author(activity), mentions=mentioned(activity),
            roster=roster_of(turn_context), find_person=finder_of(turn_context),
            shared_conversation=who.kind != "personal",
        )
        return ctx, stored

    async def _step(self, ctx: FlowContext, activity: Activity, *, first: bool) -> FlowResult:
        """Run one flow step; expected refusals become a notice and change nothing."""
        try:
            if activity.value is not None:
                intent = parse(activity.value)
                log.info("turn intent=%s", intent.intent)
                return typed.remembered(ctx, await routes.on_intent(await self._in_group(ctx, intent), intent))
            text = (activity.text or "").strip()
            if len(text) > MAX_TEXT_CHARS:
                return _Refused(views=(Notice(text=say.TOO_LONG.format(limit=EVIDENCE_MAX_CHARS)),))
            typed_intent = routes.typed_intent(ctx.state, text, first=first)
            if typed_intent is not None:
                chosen = typed_intent.intent
                log.info("turn typed intent=%s", chosen.intent)
                result = await routes.on_intent(await self._in_group(ctx, chosen), chosen)
                return typed.remembered(ctx, result, box_filled=typed_intent.into_box)
            return typed.remembered(ctx, await routes.on_text(await self._in_group(ctx, None), text, first=first))
        except ValidationError as exc:
            log.info("turn refused: payload failed validation (%d errors)", exc.error_count())
            return _Refused(views=(Notice(text=_refusal(exc)),))
        except Refusal as exc:
            log.info("turn refused: %s", type(exc).__name__)
            return _Refused(views=(Notice(text=exc.message),))
        except StoreError:
            log.exception("turn failed: store error")
            return _Failed(views=(Notice(text=say.SAVE_FAILED),))

    async def _in_group(self, ctx: FlowContext, intent: Intent | None) -> FlowContext:
        """The group a turn acts on, resolved only after the store confirms the person is a current member of it.

        A card that names a group is refused outright for anyone else, and one that names none means none. Typed text
        and other cards follow the conversation's group; in a channel, the channel's own group is the default. Those
        are used when the person belongs to the group, and quietly not when they no longer do.
        """
        claimed = intent.group if isinstance(intent, GroupClaim) else None
        followed = None if isinstance(intent, GroupClaim) else ctx.state.group_id
        named = claimed or followed or (ctx.team.team_id if ctx.in_channel else None)
        if named is None:
            return ctx
        try:
            space = await groups.member_space(self._store, ctx.team.tenant, ctx.user_id, named)
        except NotAllowed:
            if claimed is not None:
                raise
            return ctx
        return replace(ctx, group=space)

    async def _send(self, turn_context: TurnContext, result: FlowResult) -> None:
        channel = turn_context.activity.channel_id
        tapped = turn_context.activity.reply_to_id
        plan = in_place.delivery(result, tapped=bool(tapped))
        if plan.update is not None and tapped:
            await self._update(turn_context, plan.update, tapped)
        for view in plan.sends:
            await turn_context.send_activity(self._render(view, channel))
        for file in result.files:
            await turn_context.send_activity(render_file(file, channel))

    async def _update(self, turn_context: TurnContext, view: View, tapped: str) -> None:
        """The tapped card's new content; when the channel will not change that message (deleted, too old, a Slack
        card without a usable response_url), it comes as a new one, since it may carry the next step."""
        updated = self._render(view, turn_context.activity.channel_id)
        updated.id = tapped
        try:
            await turn_context.update_activity(updated)
        except DeliveryError as failed:
            log.warning("tapped card not updated (%s): sent as a new message", failed.kind)
            await turn_context.send_activity(self._render(view, turn_context.activity.channel_id))
