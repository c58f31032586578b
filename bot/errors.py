"""One root for every error a person should hear about, each carrying the sentence to say."""

from __future__ import annotations

import traceback
from pathlib import Path


class ReflectError(Exception):
    """An expected refusal: the message is safe to show the user and holds no internal detail."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(ReflectError):
    """The payload or text could not be understood; nothing was changed."""


class NotFound(ReflectError):
    """What the payload names does not exist in this user's partition."""


def where(error: BaseException) -> str:
    """The file and line an error came from: enough to find it, with no user data in it."""
    frames = traceback.extract_tb(error.__traceback__)
    return f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "unknown"

