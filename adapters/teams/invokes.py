"""Invoke activities Reflect does not handle get a proper invoke response, never the SDK's 500 or 501 (T19).

Reflect's cards use Action.Submit, which arrives as a message; an `adaptiveCard/action` invoke (Action.Execute)
or any other invoke can only come from an old client or a forged request, so it is answered here and the bot
below never sees it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from botbuilder.core import InvokeResponse, Middleware, TurnContext
from botbuilder.schema import Activity, ActivityTypes

from bot import messages as say

CARD_ACTION = "adaptiveCard/action"
MESSAGE_RESPONSE = "application/vnd.microsoft.activity.message"
ERROR_RESPONSE = "application/vnd.microsoft.error"


InvokeHandler = Callable[[TurnContext], Awaitable[InvokeResponse]]


class AnswerInvokes(Middleware):
    """Answers every invoke at once: one Reflect handles (`handlers`, by name) with its handler's answer, a card
    action with a short message, a malformed one with 400, others with 200."""

    def __init__(self, handlers: Mapping[str, InvokeHandler] | None = None) -> None:
        self.handlers: dict[str, InvokeHandler] = dict(handlers or {})

    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable[None]]) -> None:
        activity = context.activity
        if activity.type != ActivityTypes.invoke:
            await logic()
            return
        handler = self.handlers.get(activity.name or "")
        answer = invoke_answer(activity) if handler is None else await handler(context)
        await context.send_activity(Activity(type=ActivityTypes.invoke_response, value=answer))


def invoke_answer(activity: Activity) -> InvokeResponse:
    """The Universal Actions response shapes: a message for a card action, an error for one without a value."""
    if activity.name != CARD_ACTION:
        return InvokeResponse(status=200)
    if not isinstance(activity.value, dict) or not isinstance(activity.value.get("action"), dict):
        error = {"code": "BadRequest", "message": "the card action carried no action"}
        return InvokeResponse(status=400, body={"statusCode": 400, "type": ERROR_RESPONSE, "value": error})
    return InvokeResponse(status=200, body={"statusCode": 200, "type": MESSAGE_RESPONSE, "value": say.CARD_ACTION_UNSUPPORTED})
