"""One exception tree for Reflect: catch `ReflectError` to catch anything Reflect raises on purpose.

Beneath the root: refusals a person may hear about (`Refusal`, carrying the sentence to say), refused HTTP
requests (`Rejected`), and the store, configuration, framework and delivery failures.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Literal


class ReflectError(Exception):
    """The root: every error Reflect raises deliberately derives from it."""


class Refusal(ReflectError):
    """An expected refusal: the message is safe to show the user and holds no internal detail."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(Refusal):
    """The payload or text could not be understood; nothing was changed."""


class NotFound(Refusal):
    """What the payload names does not exist in this user's partition."""


class AlreadyDone(Refusal):
    """A one-time button was used again, perhaps delivered twice by the channel; nothing was changed."""


class NotAllowed(Refusal):
    """The person may not do this here (not a member of the group, or not one of its leads); nothing was changed."""


class Rejected(ReflectError):
    """A refused HTTP request: `status` is the answer, `public` its short body, `reason` what the log says."""

    def __init__(self, status: int, public: str, reason: str | None = None) -> None:
        super().__init__(public)
        self.status = status
        self.public = public
        self.reason = reason or public


class StoreError(ReflectError):
    """The store could not complete a request; nothing from it was acknowledged."""


class JobStateError(ReflectError):
    """A scheduled job refused a change: it is missing, already finished, or another worker holds its lease."""


class ConfigError(ReflectError):
    """A setting is missing or invalid; the message names the variable."""


class FrameworkError(ReflectError):
    """The framework file is missing or invalid; the message names the file and the problem."""


Delivery = Literal["retry", "unreachable", "permanent"]


class DeliveryError(ReflectError):
    """A message sent without a turn did not arrive: retry after `retry_after` s, recipient unreachable, or permanent."""

    def __init__(self, kind: Delivery, detail: str, *, retry_after: float | None = None) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind: Delivery = kind
        self.detail = detail
        self.retry_after = retry_after


def where(error: BaseException) -> str:
    """The file and line an error came from: enough to find it, with no user data in it."""
    frames = traceback.extract_tb(error.__traceback__)
    return f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "unknown"


class Unavailable(Refusal):
    """Something this deployment has not installed or configured (the PDF extra, say); nothing was changed."""
