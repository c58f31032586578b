"""Answers through a Slack `response_url`: where a slash command was typed, and ephemeral cards updated in place.

A response_url comes inside a signed Slack request, but Reflect still posts only to Slack's own hooks host (or,
for a local fake, the Web API's own loopback host), so a payload can never make it send a reply elsewhere.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.errors import DeliveryError

SLACK_HOOKS_HOST = "hooks.slack.com"
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


class ResponseUrls:
    """Posts to response_urls on Slack's hooks host, through the Web API client's HTTP session."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client
        api = urlsplit(client.base_url)
        self._fake_host = api.hostname if api.hostname in LOOPBACK else None

    def usable(self, url: object) -> str | None:
        """The url when Reflect may post to it: https on Slack's hooks host, or the local fake's own host."""
        if not isinstance(url, str):
            return None
        parts = urlsplit(url)
        if parts.scheme == "https" and parts.hostname == SLACK_HOOKS_HOST:
            return url
        if self._fake_host is not None and parts.scheme == "http" and parts.hostname == self._fake_host:
            return url
        return None

    async def send(self, url: str, text: str, blocks: list[dict[str, Any]], *, replace_original: bool = False) -> None:
        """An ephemeral answer to the person who acted, or, with `replace_original`, the message they acted on."""
        hook = AsyncWebhookClient(url, session=self._client.session, timeout=self._client.timeout)
        reply = await hook.send(
            text=text, blocks=blocks, response_type="ephemeral", replace_original=replace_original or None
        )
        if reply.status_code != 200:
            kind = "retry" if reply.status_code == 429 or reply.status_code >= 500 else "permanent"
            raise DeliveryError(kind, f"response_url answered {reply.status_code}")
