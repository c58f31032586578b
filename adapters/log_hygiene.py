"""Log lines that can be neither forged nor used to leak a credential, whichever library writes them.

Every value is formatted into its line with control characters escaped, so a newline in a Slack body cannot start
a fake log line. aiohttp's own line for a malformed request quotes the offending header, which may be the
Authorization header, and carries a traceback: it is reduced to the error's kind.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiohttp.http_exceptions import HttpProcessingError

_ESCAPES = {code: f"\\x{code:02x}" for code in (*range(32), 127, 0x85)} | {0x2028: "\\u2028", 0x2029: "\\u2029"}
AIOHTTP_SERVER_LOGGER = "aiohttp.server"


class EscapeControlCharacters(logging.Filter):
    """Formats the message now, with every control or line-breaking character written as an escape."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        record.msg, record.args = message.translate(_ESCAPES), None
        return True


class QuietMalformedRequests(logging.Filter):
    """aiohttp's "Error handling request" for a request it could not parse becomes one line naming the error."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            record.msg, record.args = "malformed HTTP request refused: %s", (type(error).__name__,)
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
        return True


def install_log_hygiene(handlers: Iterable[logging.Handler]) -> None:
    """Escape values on every given handler, and quieten aiohttp's malformed-request line at its source."""
    for handler in handlers:
        if not any(isinstance(existing, EscapeControlCharacters) for existing in handler.filters):
            handler.addFilter(EscapeControlCharacters())
    server = logging.getLogger(AIOHTTP_SERVER_LOGGER)
    if not any(isinstance(existing, QuietMalformedRequests) for existing in server.filters):
        server.addFilter(QuietMalformedRequests())
