"""One root for every error a person should hear about, each carrying the sentence to say."""

from __future__ import annotations


class ReflectError(Exception):
    """An expected refusal: the message is safe to show the user and holds no internal detail."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(ReflectError):
    """The payload or text could not be understood; nothing was changed."""


class NotAllowed(ReflectError):
    """The user may not act on what the payload names."""


class NotFound(ReflectError):
    """What the payload names does not exist in this user's partition."""
