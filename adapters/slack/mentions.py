"""Slack @mentions: `<@U123>` (or `<@U123|name>`) in a message's text names a person by their user id."""

from __future__ import annotations

import re

from bot.models import Person

_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]{2,30})(?:\|[^>]*)?>")


def slack_mentions(text: str) -> tuple[Person, ...]:
    """People a Slack message mentioned, in order and once each; Slack shows their names itself, so none are kept."""
    ids = dict.fromkeys(match.group(1) for match in _USER_MENTION.finditer(text))
    return tuple(Person(user_id=user_id) for user_id in ids)
