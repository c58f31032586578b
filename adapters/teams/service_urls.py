"""Which serviceUrls may receive Reflect's replies, and with them the bot's bearer token (platform facts T6, T9)."""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.config import Settings, is_loopback_host


def service_url_allowed(settings: Settings, service_url: str) -> bool:
    """Only allow-listed https hosts qualify; http only for loopback hosts; in local mode only loopback hosts."""
    try:
        parts = urlsplit(service_url)
        host, _ = parts.hostname, parts.port
    except ValueError:
        return False
    if host is None or "@" in parts.netloc or "\\" in service_url:
        return False
    loopback = is_loopback_host(host)
    if settings.local_mode:
        return loopback and parts.scheme in ("http", "https")
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        return False
    return any(_host_matches(host, pattern) for pattern in settings.service_url_allowlist)


def _host_matches(host: str, pattern: str) -> bool:
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return host == pattern
