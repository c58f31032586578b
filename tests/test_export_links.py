"""Export link tokens: bound to the request (tenant, person, assessment, format) by an HMAC, and to ten minutes."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest

from adapters.exports.links import LINK_TTL, ExportLinks, LinkRefused
from bot.exports import ExportRequest
from tests.harness import NOW
from tests.manual_clock import ManualClock

REQUEST = ExportRequest(
    format="docx", platform="teams", tenant_id="tenant-a", space="user:29:alice", assessment_id="a-1", user_id="29:alice"
)
SECRET = b"k" * 32


def _reissued(token: str, **changes: object) -> str:
    """The token with fields of its request changed and its MAC left as it was: what someone editing a link makes."""
    body, mac = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    data["r"].update(changes)
    edited = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).rstrip(b"=").decode()
    return f"{edited}.{mac}"


def test_a_token_reads_back_as_the_request_it_was_issued_for_with_a_fresh_nonce_each_time() -> None:
    links = ExportLinks(SECRET, lambda: NOW)
    first, second = links.read(links.issue(REQUEST)), links.read(links.issue(REQUEST))

    assert first.request == REQUEST and first.expires == NOW + LINK_TTL
    assert first.nonce != second.nonce and first.claim != second.claim


@pytest.mark.parametrize("change", [
    {"user_id": "29:mallory"}, {"tenant_id": "tenant-b"}, {"assessment_id": "a-2"}, {"group": True}, {"format": "pdf"},
])
def test_a_token_whose_request_was_edited_is_refused_as_altered(change: dict[str, object]) -> None:
    links = ExportLinks(SECRET, lambda: NOW)
    with pytest.raises(LinkRefused) as refused:
        links.read(_reissued(links.issue(REQUEST), **change))
    assert refused.value.why == "altered"


@pytest.mark.parametrize("token", ["", ".", "abc", "abc.", ".abc", "!!!.???", "a" * 3000 + ".b"])
def test_malformed_tokens_are_refused_as_altered(token: str) -> None:
    with pytest.raises(LinkRefused) as refused:
        ExportLinks(SECRET, lambda: NOW).read(token)
    assert refused.value.why == "altered"


def test_a_token_signed_with_another_deployments_key_is_refused() -> None:
    token = ExportLinks(b"x" * 32, lambda: NOW).issue(REQUEST)
    with pytest.raises(LinkRefused):
        ExportLinks(SECRET, lambda: NOW).read(token)


def test_a_token_works_until_ten_minutes_have_passed_and_not_from_then_on() -> None:
    clock = ManualClock(NOW)
    links = ExportLinks(SECRET, clock)
    token = links.issue(REQUEST)
    clock.advance(LINK_TTL - timedelta(seconds=1))
    assert links.read(token).request == REQUEST
    clock.advance(timedelta(seconds=1))
    with pytest.raises(LinkRefused) as refused:
        links.read(token)
    assert refused.value.why == "expired"
