"""Names of the activities Reflect makes up at its edges, shared by the adapter that makes them and the pipeline."""

from __future__ import annotations

HOME_EVENT = "app_home"
"""A channel's home screen (Slack's App Home) asks for the person's overview."""
TURN_REFUSED = "reflect.turn_refused"
"""Set in a turn's state when the pipeline refused its input, so middleware writes nothing for it either."""
TURN_FAILED = "reflect.turn_failed"
"""Set in a turn's state when the turn could not save what it was given, so its delivery may run again."""
TURN_FORGOT = "reflect.turn_forgot"
"""Set in a turn's state when the person was just erased, so their conversation's address is not stored again."""
