"""Partition keys: the one place that decides which data belongs to whom.

Every store call names a TeamKey, and a TeamKey always carries its tenant, so a
lookup in one tenant can never reach another tenant's data by accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Platform = Literal["teams", "slack", "console"]
MAX_ID_LENGTH = 256


def _check_id(kind: str, value: str) -> None:
    """Reject ids that are empty, huge or carry control characters, before they reach a path or a log."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{kind} must be a non-empty string")
    if len(value) > MAX_ID_LENGTH:
        raise ValueError(f"{kind} is longer than {MAX_ID_LENGTH} characters")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError(f"{kind} contains control characters")


@dataclass(frozen=True, slots=True)
class TenantKey:
    """A Teams tenant or a Slack workspace: the outer wall between organisations."""

    platform: Platform
    tenant_id: str

    def __post_init__(self) -> None:
        if self.platform not in get_args(Platform):
            raise ValueError(f"unknown platform {self.platform!r}")
        _check_id("tenant_id", self.tenant_id)


@dataclass(frozen=True, slots=True)
class TeamKey:
    """A working group (or one person's own space) inside a tenant: the unit of storage."""

    tenant: TenantKey
    team_id: str

    def __post_init__(self) -> None:
        _check_id("team_id", self.team_id)


@dataclass(frozen=True, slots=True)
class AssessmentKey:
    """One assessment, addressable only through the team and tenant that own it."""

    team: TeamKey
    assessment_id: str

    def __post_init__(self) -> None:
        _check_id("assessment_id", self.assessment_id)
