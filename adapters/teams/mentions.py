"""Teams @mentions: remove the bot's own mention before the text is read as a command.

Runs as botbuilder middleware at the edge, so the bot below never sees this channel quirk.
"""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable

from botbuilder.core import Middleware, TurnContext
from botbuilder.schema import Activity, ActivityTypes

from adapters.pipeline import MAX_TEXT_CHARS
from adapters.teams.people import entity_fields

_LEADING_AT_TAG = re.compile(r"^\s*<at(?:\s[^<>]*)?>(?P<name>[^<]*)</at>", re.IGNORECASE)
_TRAILING_AT_TAG = re.compile(r"<at(?:\s[^<>]*)?>(?P<name>[^<]*)</at>\s*$", re.IGNORECASE)
"""Linear: no part of a tag may run past the next `<`, so each attempt stops there (62 KiB of `<at ` was quadratic)."""


class StripMention(Middleware):
    """Remove only the leading @mention of the bot, leaving any other mention or use of its name alone.

    Text longer than the pipeline accepts is left as it is: the pipeline refuses it before reading it.
    """

    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable[None]]) -> None:
        activity = context.activity
        if activity.type == ActivityTypes.message and activity.text and len(activity.text) <= MAX_TEXT_CHARS:
            activity.text = strip_leading_mention(activity)
        await logic()


def strip_leading_mention(activity: Activity) -> str:
    """The command text without the bot's own @mention; unlike the SDK's helper it keeps the rest intact (T38).

    Removes the bot's `<at>…</at>` tag at the start of the text (or, if the user typed it last, at the end), leaves
    other people's mentions and plain-text uses of the bot's name alone, unescapes HTML entities, trims whitespace,
    and never changes the activity.
    """
    text = activity.text or ""
    names = _recipient_mention_names(activity)
    for pattern in (_LEADING_AT_TAG, _TRAILING_AT_TAG):
        match = pattern.search(text)
        if match and html.unescape(match.group("name")).strip() in names:
            text = text[: match.start()] + text[match.end():]
    return html.unescape(text).strip()


def _recipient_mention_names(activity: Activity) -> set[str]:
    """Names the bot was mentioned by, per the mention entities; the recipient's name only if there are none."""
    recipient = activity.recipient
    mentions = [entity_fields(entity) for entity in activity.entities or [] if str(entity.type).lower() == "mention"]
    if not mentions:
        return {html.unescape(recipient.name).strip()} if recipient and recipient.name else set()
    names: set[str] = set()
    for mention in mentions:
        mentioned = mention.get("mentioned") or {}
        if recipient is None or mentioned.get("id") != recipient.id:
            continue
        tag = _LEADING_AT_TAG.match(str(mention.get("text") or ""))
        if tag:
            names.add(html.unescape(tag.group("name")).strip())
        if mentioned.get("name"):
            names.add(html.unescape(str(mentioned["name"])).strip())
    return names

