"""The Bot Framework's token signing keys, fetched without ever blocking the event loop (platform facts T7, T8b).

botbuilder 4.17.1 fetches them with blocking `requests.get` and no timeout, inside async code, and an unknown key id
raises `IndexError` instead of triggering the refresh it promises. `SigningKeys` takes the place of the SDK's
metadata object for one metadata URL: `ensure` fetches with aiohttp under a timeout, at a bounded rate, one fetch at
a time, and `get` (what the SDK calls) only ever reads what is already in memory.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from jwt import PyJWTError
from jwt.algorithms import RSAAlgorithm

from bot.errors import ReflectError

log = logging.getLogger("reflect.teams.keys")


class SigningKeysUnavailable(ReflectError):
    """No keys could be fetched and none are held, so no token can be checked right now."""


@dataclass(frozen=True)
class KeyPolicy:
    """How long a fetch may take and how often keys are fetched; Microsoft asks for a refresh at least daily (T2)."""

    fetch_timeout: float = 5.0
    max_age: float = 12 * 3600.0
    unknown_key_interval: float = 300.0
    retry_interval: float = 30.0


@dataclass(frozen=True)
class SigningKey:
    """What the SDK's token check reads from a key: the public key and the channels it is endorsed for."""

    public_key: Any
    endorsements: list[str]


class SigningKeys:
    """One metadata URL's keys, shaped like the SDK's `_OpenIdMetadata` so the SDK's token check can read them."""

    def __init__(self, metadata_url: str, policy: KeyPolicy = KeyPolicy(), clock: Callable[[], float] = time.monotonic) -> None:
        self.metadata_url = metadata_url
        self._policy = policy
        self._clock = clock
        self._keys: dict[str, SigningKey] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._fetching: asyncio.Task[None] | None = None

    async def get(self, key_id: str | None) -> SigningKey | None:
        """The SDK's lookup: memory only, so a token check never waits on the network here."""
        return self._keys.get(key_id) if key_id is not None else None

    async def ensure(self, key_id: str) -> bool:
        """True if `key_id` is a current key: refreshes stale keys, and once per interval for an unknown id.

        Raises `SigningKeysUnavailable` only when no keys are held at all and none could be fetched.
        """
        if self._stale() and self._may_fetch(self._policy.retry_interval):
            await self._refresh()
        if key_id not in self._keys and self._may_fetch(self._policy.unknown_key_interval):
            await self._refresh()
        if not self._keys:
            raise SigningKeysUnavailable(f"no signing keys from {self.metadata_url}")
        return key_id in self._keys

    def _stale(self) -> bool:
        return self._fetched_at is None or self._clock() - self._fetched_at >= self._policy.max_age

    def _may_fetch(self, interval: float) -> bool:
        return self._attempted_at is None or self._clock() - self._attempted_at >= interval

    async def _refresh(self) -> None:
        """Join the fetch in flight, or start one; a failure keeps the keys already held."""
        fetching = self._fetching
        if fetching is None or fetching.done() or fetching.get_loop() is not asyncio.get_running_loop():
            self._attempted_at = self._clock()
            self._fetching = asyncio.get_running_loop().create_task(self._fetch(), name="bot-framework-keys")
        await asyncio.shield(self._fetching)

    async def _fetch(self) -> None:
        timeout = aiohttp.ClientTimeout(total=self._policy.fetch_timeout)
        try:
            async with aiohttp.ClientSession(timeout=timeout, raise_for_status=True) as session:
                async with session.get(self.metadata_url) as metadata:
                    jwks_uri = str((await metadata.json(content_type=None))["jwks_uri"])
                async with session.get(jwks_uri) as document:
                    keys = _parsed_keys(await document.json(content_type=None))
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError) as failed:
            log.warning("signing keys not fetched from %s: %s", self.metadata_url, type(failed).__name__)
            return
        self._keys, self._fetched_at = keys, self._clock()
        log.info("signing keys fetched from %s: %d keys", self.metadata_url, len(keys))


def _parsed_keys(document: Any) -> dict[str, SigningKey]:
    """Every usable RSA key by id; a malformed entry is skipped rather than spoiling the rest."""
    keys: dict[str, SigningKey] = {}
    for entry in document["keys"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
            continue
        try:
            public_key = RSAAlgorithm.from_jwk(json.dumps(entry))
        except (PyJWTError, ValueError, KeyError, TypeError):
            continue
        endorsements = entry.get("endorsements")
        keys[entry["kid"]] = SigningKey(public_key, list(endorsements) if isinstance(endorsements, list) else [])
    return keys
