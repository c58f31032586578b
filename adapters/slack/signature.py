"""Is this request from Slack? The v0 signature over the raw bytes, checked before anything parses them (S1, S2).

One job, as bolt-python's `request_verification` middleware: every failure is a 401 naming the reason for the log.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from slack_sdk.signature import Clock, SignatureVerifier

from bot.errors import Rejected

MAX_CLOCK_SKEW_SECONDS = 5 * 60

_TIMESTAMP = re.compile(r"[0-9]{1,15}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


class _CallableClock(Clock):
    """slack_sdk's verifier wants an object with `now()`; Reflect injects plain callables."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now()


class SignatureCheck:
    """Verifies Slack's signature and timestamp headers over exactly the bytes received."""

    def __init__(self, signing_secret: str, clock: Callable[[], float]) -> None:
        self._verifier = SignatureVerifier(signing_secret, clock=_CallableClock(clock))
        self._clock = clock

    def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        """Return if Slack signed `body` within the last five minutes; raise `Rejected` 401 otherwise."""
        timestamp = headers.get("X-Slack-Request-Timestamp")
        signature = headers.get("X-Slack-Signature")
        if timestamp is None or signature is None:
            raise Rejected(401, "unauthorized", "signature or timestamp header missing")
        if not _TIMESTAMP.fullmatch(timestamp):
            raise Rejected(401, "unauthorized", "malformed timestamp")
        if not _SIGNATURE.fullmatch(signature):
            raise Rejected(401, "unauthorized", "malformed signature")
        if abs(self._clock() - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
            raise Rejected(401, "unauthorized", "timestamp more than 5 minutes from now")
        try:
            valid = self._verifier.is_valid(body, timestamp, signature)
        except ValueError:
            raise Rejected(401, "unauthorized", "body is not UTF-8") from None
        if not valid:
            raise Rejected(401, "unauthorized", "signature mismatch")
