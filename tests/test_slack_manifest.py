"""The Slack app manifest grants every scope the Web API methods Reflect calls need, and no method goes unlisted.

Slack refuses a call whose scope the app lacks (`missing_scope`), which the fake Web API cannot show: so the scopes
each method needs (from Slack's method reference) are listed here and checked against the manifest and the code.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NEEDED = {
    "auth_test": set(),
    "chat_delete": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "chat_postMessage": {"chat:write"},
    "chat_update": {"chat:write"},
    "conversations_members": {"channels:read", "groups:read"},
    "conversations_open": {"im:write"},
    "views_open": set(),
    "views_publish": set(),
    "users_info": {"users:read"},
}
"""Each Web API method Reflect calls, with the bot scopes it needs (public and private channels both, for members)."""


def _granted() -> set[str]:
    text = (REPO / "slack" / "manifest.yaml").read_text(encoding="utf-8")
    scopes = text.split("  scopes:\n    bot:\n", 1)[1]
    return set(re.findall(r"^      - ([a-z_:.]+)$", scopes.split("\nsettings:", 1)[0], flags=re.MULTILINE))


def _called() -> set[str]:
    code = "\n".join(path.read_text(encoding="utf-8") for path in (REPO / "adapters").rglob("*.py"))
    return set(re.findall(r"_client\.([a-z]+_[A-Za-z_]+)\(", code))


def test_every_web_api_method_reflect_calls_has_its_scopes_in_the_manifest() -> None:
    called = _called()
    assert called <= set(NEEDED), f"add the scopes of {sorted(called - set(NEEDED))} to NEEDED and the manifest"
    missing = {method: NEEDED[method] - _granted() for method in called if NEEDED[method] - _granted()}
    assert missing == {}


def test_add_everyone_can_read_public_and_private_channel_members() -> None:
    assert {"conversations_members"} <= _called()
    assert {"channels:read", "groups:read"} <= _granted()
