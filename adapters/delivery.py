"""What Teams and Slack failures share when sending outside a turn: which HTTP statuses are worth retrying, and when."""

from __future__ import annotations

import math
from collections.abc import Mapping

RETRY_STATUSES = frozenset({412, 429, 502, 503, 504})
"""Transient by the platforms' own tables (Teams T26/T29; Slack answers 429 and, rarely, 5xx)."""


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from a `Retry-After` header; None when absent or an HTTP date, and the caller backs off on its own.

    Both SDKs hand over case-insensitive headers (requests' and aiohttp's), so one lookup finds any spelling.
    """
    value = headers.get("Retry-After")
    try:
        seconds = float(value) if value is not None else math.nan
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None
