"""Time on the wire: ISO 8601 in UTC with a trailing Z.

Device clocks lie, so nothing orders by these values; they are for people and reports.
"""
from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, as a naive UTC datetime (how both databases store it)."""
    return datetime.now(UTC).replace(tzinfo=None)


def isoformat(value: datetime | None) -> str | None:
    """A stored (naive UTC) or aware datetime -> '2026-11-23T10:00:00Z'."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="seconds") + "Z"


def parse_iso(value: str) -> datetime:
    """'2026-11-23T10:00:00Z' or with an offset -> naive UTC datetime."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed
