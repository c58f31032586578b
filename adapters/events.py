"""Names of the activities Reflect makes up at its edges, shared by the adapter that makes them and the pipeline."""

from __future__ import annotations

HOME_EVENT = "app_home"
"""A channel's home screen (Slack's App Home) asks for the person's overview."""
TURN_REFUSED = "reflect.turn_refused"
"""Set in a turn's state when the pipeline refused its input, so middleware writes nothing for it either."""
