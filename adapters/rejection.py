"""The one exception both HTTP edges (Teams and Slack) use to refuse a request before any work is done."""

from __future__ import annotations


class Rejected(Exception):
    """A refused request: `status` is the HTTP answer, `public` its short body, `reason` what the log says."""

    def __init__(self, status: int, public: str, reason: str | None = None) -> None:
        super().__init__(public)
        self.status = status
        self.public = public
        self.reason = reason or public
