"""Signed, single-use export links: what a Teams download link or file-consent context carries.

A token is the export request, an expiry and a random nonce, as JSON, with an HMAC-SHA256 over it keyed by
REFLECT_EXPORT_SECRET. Altering any byte (the tenant, the person, the assessment, the time) breaks the MAC; the
nonce is claimed in the store the first time the token is used, so it works once even across instances.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import ValidationError

from bot.exports import ExportRequest

LINK_TTL = timedelta(minutes=10)
MAX_TOKEN_CHARS = 2048


class LinkRefused(Exception):
    """A token that cannot be honoured; `why` says which way, for the page the person sees."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@dataclass(frozen=True)
class Link:
    request: ExportRequest
    nonce: str
    expires: datetime

    @property
    def claim(self) -> str:
        """The store key that makes the token single-use."""
        return f"export-link:{self.nonce}"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ExportLinks:
    """Issues and reads tokens; `clock` decides expiry, so tests move time instead of waiting."""

    def __init__(self, secret: bytes, clock: Callable[[], datetime]) -> None:
        self._secret = secret
        self._clock = clock

    def issue(self, request: ExportRequest) -> str:
        expires = int((self._clock() + LINK_TTL).timestamp())
        body = json.dumps({"r": request.model_dump(mode="json"), "e": expires, "n": secrets.token_urlsafe(12)},
                          separators=(",", ":")).encode()
        return f"{_b64(body)}.{_b64(self._mac(body))}"

    def read(self, token: str) -> Link:
        """The link a token stands for; raises LinkRefused('altered' or 'expired')."""
        body = self._verified(token)
        try:
            data = json.loads(body)
            link = Link(ExportRequest.model_validate(data["r"]), str(data["n"]),
                        datetime.fromtimestamp(int(data["e"]), UTC))
        except (ValueError, KeyError, TypeError, ValidationError):
            raise LinkRefused("altered") from None
        if self._clock() >= link.expires:
            raise LinkRefused("expired")
        return link

    def _verified(self, token: str) -> bytes:
        body_part, _, mac_part = token.partition(".")
        if len(token) > MAX_TOKEN_CHARS or not body_part or not mac_part:
            raise LinkRefused("altered")
        try:
            body, mac = _unb64(body_part), _unb64(mac_part)
        except (binascii.Error, ValueError):
            raise LinkRefused("altered") from None
        if not hmac.compare_digest(mac, self._mac(body)):
            raise LinkRefused("altered")
        return body

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self._secret, body, hashlib.sha256).digest()
