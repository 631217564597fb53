"""Appending sale facts to the outbox, in the transaction of the change they record."""
from __future__ import annotations

from typing import Callable

from edge.models import OutboxEvent
from edge.services.uow import after_commit
from sync.ids import canonical_json, new_uuid, sha256_hex
from sync.schemas import events
from sync.timeutil import utcnow

_listeners: list[Callable[[], None]] = []


def on_new_events(listener: Callable[[], None]) -> None:
    """Call `listener` after each commit that queued events (the relay's kick)."""
    if listener not in _listeners:
        _listeners.append(listener)


def _notify() -> None:
    for listener in list(_listeners):
        listener()


def append(session, event_type: str, aggregate_id: str, values: dict, version: int = 0) -> OutboxEvent:
    payload = events.dump(event_type, values)
    event = OutboxEvent(
        event_id=new_uuid(), type=event_type, aggregate_id=aggregate_id, aggregate_version=version,
        payload=canonical_json(payload), payload_sha256=sha256_hex(payload), occurred_at=utcnow(),
    )
    session.add(event)  # its seq is assigned when the transaction flushes
    after_commit(_notify)
    return event
