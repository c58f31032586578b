"""The shared JSON reader's depth bound counts only structure: brackets inside strings, escaped or not, are text."""

from __future__ import annotations

import json

import pytest

from adapters.http_body import MAX_JSON_CONTAINERS, MAX_JSON_DEPTH, json_object, json_structure
from bot.errors import Rejected


def _nested(depth: int, inner: str = "0") -> bytes:
    return ("[" * depth + inner + "]" * depth).encode()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (_nested(70), 70),
        (_nested(70, '"]]]]"'), 70),
        (json.dumps({"text": "[" * 500}).encode(), 1),
        (json.dumps({"text": 'a "quoted" [[[[' * 40 + "\\"}).encode(), 1),
        (b'["\\\\"' + _nested(66) + b"]", 67),
        (b"[" + b"[]," * 200 + b"[]]", 2),
        (_nested(3) * 40, 3),
    ],
    ids=["nested lists", "brackets in a string inside", "brackets in a string", "escaped quotes and brackets",
         "an escaped backslash ends the string", "many siblings", "many shallow documents"],
)
def test_the_depth_counts_brackets_outside_strings_only(raw: bytes, expected: int) -> None:
    assert json_structure(raw)[1] == expected


def test_an_object_nested_exactly_to_the_limit_is_read_and_one_more_is_refused() -> None:
    deepest = b'{"a":' + _nested(MAX_JSON_DEPTH - 1) + b"}"
    too_deep = b'{"a":' + _nested(MAX_JSON_DEPTH) + b"}"

    assert json_object(deepest, "invalid payload")["a"]
    with pytest.raises(Rejected, match="nested too deeply"):
        json_object(too_deep, "invalid payload")


@pytest.mark.parametrize("raw", [b'{"a": NaN}', b'{"a": Infinity}', b'{"a": "\\ud800"}', b'{"a": "\\udc00x"}', b"[1]"])
def test_nan_lone_surrogates_and_non_objects_are_refused(raw: bytes) -> None:
    with pytest.raises(Rejected) as refused:
        json_object(raw, "invalid payload")

    assert refused.value.status == 400


def test_a_surrogate_pair_is_valid_unicode() -> None:
    assert json_object(b'{"a": "\\ud83d\\ude42"}', "invalid payload") == {"a": "\U0001f642"}


def test_arrays_and_objects_are_counted_outside_strings_and_bounded() -> None:
    many = b"[" + b",".join([b"[]"] * MAX_JSON_CONTAINERS) + b"]"
    fewer = b'{"a":[' + b",".join([b'{"t":"[[]]"}'] * (MAX_JSON_CONTAINERS - 2)) + b"]}"

    assert json_structure(fewer) == (MAX_JSON_CONTAINERS, 3)
    assert json_object(fewer, "invalid payload")["a"]
    with pytest.raises(Rejected, match="too many values"):
        json_object(b'{"a":' + many + b"}", "invalid payload")
