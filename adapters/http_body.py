"""Every HTTP edge reads and parses bodies here, and turns bad input into a short 4xx answer in one way.

Teams and Slack differ in what they check, not in how a body is read: at most `MAX_BODY_BYTES`, a client that hangs
up half-way is refused quietly, and JSON is parsed only after a cheap scan has bounded its nesting and its number of
arrays and objects, so no body can reach a recursion limit or stall the event loop, and no lone UTF-16 surrogate or
NaN gets further in (issue 8: no 5xx from any input, no stalls).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from itertools import accumulate, chain
from operator import sub
from typing import Any, NoReturn, TypeVar

import aiohttp
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from pydantic import BaseModel, ValidationError

from bot.errors import Rejected

MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 64
MAX_JSON_CONTAINERS = 10_000

_M = TypeVar("_M", bound=BaseModel)
_SAME_BRACKETS = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(range(256)).translate(None, b"[]{}")
_OPEN_RUN = re.compile(rb"\[+")
_CLOSE_RUN = re.compile(rb"\]+")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_INNERMOST_PASSES = 2


async def read_body(request: web.Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw body, refused with 413 as soon as it passes `limit`, or with 400 if the client hung up mid-way."""
    if request.content_length is not None and request.content_length > limit:
        raise Rejected(413, "request body too large")
    body = bytearray()
    try:
        async for chunk in request.content.iter_any():
            body += chunk
            if len(body) > limit:
                raise Rejected(413, "request body too large")
    except (ConnectionError, aiohttp.ClientConnectionError, HttpProcessingError) as lost:
        raise Rejected(400, "request body incomplete", f"body not received: {type(lost).__name__}") from None
    return bytes(body)


def json_object(raw: bytes, what: str) -> dict[str, Any]:
    """One JSON object, nested at most MAX_JSON_DEPTH deep, with at most MAX_JSON_CONTAINERS arrays and objects
    (a million tiny lists take the parser and the garbage collector most of a second), all its text valid Unicode."""
    containers, depth = json_structure(raw)
    if depth > MAX_JSON_DEPTH:
        raise Rejected(400, f"{what}: nested too deeply")
    if containers > MAX_JSON_CONTAINERS:
        raise Rejected(400, f"{what}: too many values")
    try:
        value = json.loads(raw, parse_constant=_no_constants)
    except (ValueError, RecursionError):
        raise Rejected(400, f"{what}: not JSON") from None
    if not isinstance(value, dict):
        raise Rejected(400, f"{what}: not a JSON object")
    if _SURROGATE_ESCAPE.search(raw) and not _valid_unicode(value):
        raise Rejected(400, f"{what}: text is not valid Unicode")
    return value


def json_structure(raw: bytes) -> tuple[int, int]:
    """How many arrays and objects the body holds outside strings, and how deeply they nest.

    Exact, unless the body has too few brackets to pass either limit, when the count of brackets stands for both.
    Linear and in C: drop escapes, keep the text between string quotes, keep only brackets, peel innermost pairs
    with `bytes.replace`, then the deepest point is the largest running total of the runs of opens less the runs
    of closes before them. A body that starts with a close is not JSON, which the parser will say.
    """
    bound = raw.count(b"[") + raw.count(b"{")
    if bound <= MAX_JSON_DEPTH:
        return bound, bound
    unescaped = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    brackets = b"".join(unescaped.split(b'"')[::2]).translate(_SAME_BRACKETS, _NOT_BRACKETS)
    containers, peeled = brackets.count(b"["), 0
    while peeled < _INNERMOST_PASSES and brackets:
        inner = brackets.replace(b"[]", b"")
        if len(inner) == len(brackets):
            break
        brackets, peeled = inner, peeled + 1
    if not brackets.startswith(b"["):
        return containers, peeled
    opened = accumulate(map(len, _OPEN_RUN.findall(brackets)))
    closed = chain((0,), accumulate(map(len, _CLOSE_RUN.findall(brackets))))
    return containers, peeled + max(map(sub, opened, closed))


def validated(model: type[_M], value: object, what: str, *, where: str = "") -> _M:
    """Validate against `model`; the first problem becomes a 400 naming the field, never its value."""
    try:
        return model.model_validate(value)
    except ValidationError as invalid:
        error = invalid.errors(include_url=False, include_input=False, include_context=False)[0]
        location = ".".join(str(part) for part in (where, *error["loc"]) if part != "") or "body"
        raise Rejected(400, f"{what}: {location}: {error['msg']}") from None


def refused(
    rejected: Rejected, log: logging.Logger, what: str, headers: Mapping[str, str] | None = None
) -> web.Response:
    """The one answer to a refused request: an INFO line with the reason, and a short JSON body with the status."""
    log.info("rejected %s (%d): %s", what, rejected.status, rejected.reason)
    return web.json_response({"error": rejected.public}, status=rejected.status, headers=headers)


def _no_constants(name: str) -> NoReturn:
    """NaN and Infinity are not JSON, and no model downstream expects them."""
    raise ValueError(f"{name} is not JSON")


def _valid_unicode(value: object) -> bool:
    """False if any string holds a lone surrogate, which no UTF-8 writer (log, store, HTTP) can encode."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
