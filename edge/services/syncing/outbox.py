"""Appending sale facts to the outbox, in the transaction of the change they record.

The row is inserted at once with one Core statement rather than added to the session
as an ORM object: nothing reads it back in the same transaction, and the unit of work
cost more than the insert itself (five such rows per sold order). Appends keep their
order: each runs when it is made, so `seq` follows the order of the calls."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, text

from edge.models import OutboxEvent
from edge.services.storage.uow import after_commit
from sync.ids import canonical_json_and_sha256, new_uuid
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


@dataclass(frozen=True)
class Queued:
    """What a caller may keep of an appended event: its id."""
    event_id: str


_INSERT = OutboxEvent.__table__.insert()


def append(session, event_type: str, aggregate_id: str, values: dict, version: int = 0) -> Queued:
    text, digest = canonical_json_and_sha256(events.dump(event_type, values))
    event_id = new_uuid()
    session.connection().execute(_INSERT, {
        "event_id": event_id, "type": event_type, "aggregate_id": aggregate_id, "aggregate_version": version,
        "payload": text, "payload_sha256": digest, "occurred_at": utcnow(),
        "status": "pending", "attempts": 0,
    })
    after_commit(_notify)
    return Queued(event_id)


def local_high_seq(session) -> int:
    """The highest outbox seq this database has handed out (AUTOINCREMENT's counter, which
    survives pruning), or the highest row when there is no counter yet."""
    counter = session.execute(text("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'")).scalar()
    highest = session.execute(select(OutboxEvent.seq).order_by(OutboxEvent.seq.desc()).limit(1)).scalar()
    session.rollback()
    return max(counter or 0, highest or 0)
