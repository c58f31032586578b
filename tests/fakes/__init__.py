"""Fakes of the services Reflect talks to, all on 127.0.0.1, and a guard that refuses any other network access."""

from __future__ import annotations

import socket
from collections.abc import Callable
from ipaddress import ip_address
from typing import Any

import pytest

_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


class NetworkGuard:
    """Refuses and records every connection or name lookup that would leave the machine."""

    def __init__(self) -> None:
        self.attempts: list[object] = []

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Patch socket connect and getaddrinfo for the test's duration (asyncio, aiohttp and requests use them)."""
        monkeypatch.setattr(socket.socket, "connect", self._guarded(socket.socket.connect))
        monkeypatch.setattr(socket.socket, "connect_ex", self._guarded(socket.socket.connect_ex))
        original_getaddrinfo = socket.getaddrinfo

        def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            name = host.decode() if isinstance(host, bytes) else host
            if name is not None and str(name).lower() not in _LOOPBACK_NAMES and not _is_loopback_ip(str(name)):
                self.attempts.append(name)
                raise socket.gaierror(f"test network guard: lookup of {name!r} refused")
            return original_getaddrinfo(host, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    def _guarded(self, connect: Callable[..., Any]) -> Callable[..., Any]:
        def guarded(sock: socket.socket, address: Any) -> Any:
            if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback_ip(str(address[0])):
                self.attempts.append(address)
                raise ConnectionRefusedError(f"test network guard: connection to {address!r} refused")
            return connect(sock, address)

        return guarded


def _is_loopback_ip(value: str) -> bool:
    try:
        return ip_address(value).is_loopback
    except ValueError:
        return False
