"""Reading Retry-After as both SDKs hand it over."""

from __future__ import annotations

import pytest
from multidict import CIMultiDict
from requests.structures import CaseInsensitiveDict

from adapters.delivery import retry_after


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("1", 1.0), ("0", 0.0), ("2.5", 2.5), ("Wed, 21 Oct 2026 07:28:00 GMT", None), ("-3", None), ("nan", None)],
)
def test_retry_after_is_seconds_or_none_for_anything_else(value: str, seconds: float | None) -> None:
    assert retry_after(CaseInsensitiveDict({"Retry-After": value})) == seconds


def test_retry_after_is_found_in_any_spelling_and_absent_is_none() -> None:
    assert retry_after(CIMultiDict({"retry-after": "3"})) == 3.0
    assert retry_after(CaseInsensitiveDict({"RETRY-AFTER": "4"})) == 4.0
    assert retry_after(CIMultiDict()) is None
