"""Reuse the Bot Framework SDK's HTTP clients across turns instead of building new ones for every turn.

botbuilder's `CloudAdapter` asks its authentication for a new `ConnectorClient` and a new `UserTokenClient` on every
turn. Each builds an msrest configuration whose retry policy costs milliseconds of CPU, a new `requests` session (a
new TCP and TLS connection) and new credentials. With a real app password, new credentials mean a new MSAL app,
which fetches the tenant's OpenID configuration and then a token from Entra ID, on the event loop, every turn. Here
one Connector client is kept per (service URL, app id, audience) and one token client per app id.

Tokens still renew: a client asks its credentials for a token before every request, and the SDK's credentials
(MSAL) replace an expired one. Each kept client is rebuilt after `max_age`, so credentials the factory hands out
later (a rotated secret or certificate) are picked up too. Nothing in msrest or botbuilder is patched.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)
from botframework.connector.skills import BotFrameworkClient

CLIENT_MAX_AGE = timedelta(minutes=30)
MAX_CONNECTOR_CLIENTS = 64

Clock = Callable[[], datetime]
_Client = TypeVar("_Client")


@dataclass(frozen=True)
class _Kept(Generic[_Client]):
    client: _Client
    made_at: datetime


class _Pool(Generic[_Client]):
    """Clients by key, each rebuilt once it is `max_age` old; the least recently used goes beyond `capacity`."""

    def __init__(
        self, clock: Clock, max_age: timedelta, capacity: int, close: Callable[[_Client], Awaitable[None]]
    ) -> None:
        self._clock, self._max_age, self._capacity, self._close = clock, max_age, capacity, close
        self._kept: OrderedDict[Hashable, _Kept[_Client]] = OrderedDict()
        self._building = asyncio.Lock()

    async def get(self, key: Hashable, build: Callable[[], Awaitable[_Client]]) -> _Client:
        """The kept client for `key`, or a new one; turns that miss together build it once."""
        fresh = self._fresh(key)
        if fresh is not None:
            return fresh
        async with self._building:
            fresh = self._fresh(key)
            if fresh is None:
                fresh = await build()
                await self._keep(key, fresh)
        return fresh

    async def close(self) -> None:
        """Close every kept client; the pool can be used again afterwards."""
        kept, self._kept = self._kept, OrderedDict()
        for entry in kept.values():
            await self._close(entry.client)

    def _fresh(self, key: Hashable) -> _Client | None:
        entry = self._kept.get(key)
        if entry is None or self._clock() - entry.made_at >= self._max_age:
            return None
        self._kept.move_to_end(key)
        return entry.client

    async def _keep(self, key: Hashable, client: _Client) -> None:
        """Closing a replaced client is safe mid-request: urllib3 closes a busy connection when it comes back."""
        replaced = self._kept.pop(key, None)
        self._kept[key] = _Kept(client, self._clock())
        if replaced is not None:
            await self._close(replaced.client)
        while len(self._kept) > self._capacity:
            _, evicted = self._kept.popitem(last=False)
            await self._close(evicted.client)


async def _close_connector(client: ConnectorClient) -> None:
    """msrest clients have no close(); leaving their context closes the `requests` session and its connections."""
    await client.__aexit__(None, None, None)


async def _nothing_to_close(client: UserTokenClient) -> None:
    """The token client opens no connection until someone signs in, which Reflect never asks for."""


def _app_id(claims_identity: ClaimsIdentity) -> str | None:
    """The same rule as the SDK: a channel's token names the bot in `aud`, the Emulator's in `appid`."""
    return claims_identity.get_claim_value(AuthenticationConstants.AUDIENCE_CLAIM) or claims_identity.get_claim_value(
        AuthenticationConstants.APP_ID_CLAIM
    )


class _ReusingConnectorFactory(ConnectorFactory):
    """The SDK's factory for one app id, asked only when the pool has no fresh client for the service URL."""

    def __init__(
        self, inner: ConnectorFactory, app_id: str | None, default_audience: str, pool: _Pool[ConnectorClient]
    ) -> None:
        self._inner, self._app_id, self._default_audience, self._pool = inner, app_id, default_audience, pool

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        scope = audience or self._default_audience
        return await self._pool.get(
            (service_url, self._app_id, scope), lambda: self._inner.create(service_url, scope)
        )


class ReusedClientsAuthentication(BotFrameworkAuthentication):
    """Wraps the SDK's authentication so the adapter gets kept clients; inbound checks are passed through as they are."""

    def __init__(
        self,
        inner: BotFrameworkAuthentication,
        *,
        clock: Clock,
        max_age: timedelta = CLIENT_MAX_AGE,
        capacity: int = MAX_CONNECTOR_CLIENTS,
    ) -> None:
        self._inner = inner
        self._connectors: _Pool[ConnectorClient] = _Pool(clock, max_age, capacity, _close_connector)
        self._token_clients: _Pool[UserTokenClient] = _Pool(clock, max_age, capacity, _nothing_to_close)

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        result = await self._inner.authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = self._reusing(result.connector_factory, result.claims_identity)
        return result

    async def authenticate_streaming_request(self, auth_header: str, channel_id_header: str) -> AuthenticateRequestResult:
        return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return self._reusing(self._inner.create_connector_factory(claims_identity), claims_identity)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        return await self._token_clients.get(
            _app_id(claims_identity), lambda: self._inner.create_user_token_client(claims_identity)
        )

    def create_bot_framework_client(self) -> BotFrameworkClient:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self._inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self._inner.authenticate_channel_request(auth_header)

    async def close(self) -> None:
        """Close the kept connections; call it when the app shuts down."""
        await self._connectors.close()
        await self._token_clients.close()

    def _reusing(self, inner: ConnectorFactory, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _ReusingConnectorFactory(inner, _app_id(claims_identity), self.get_originating_audience(), self._connectors)
