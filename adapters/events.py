"""Names of the activities Reflect makes up at its edges, shared by the adapter that makes them and the pipeline."""

from __future__ import annotations

HOME_EVENT = "app_home"
"""A channel's home screen (Slack's App Home) asks for the person's overview."""
