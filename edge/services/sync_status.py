"""What an outlet manager needs to know about sync, from the local database."""
from __future__ import annotations

from sqlalchemy import func, select

from edge.models import OutboxEvent, SyncIncident, SyncState
from edge.services import storage
from sync.timeutil import isoformat, utcnow


def state(session) -> SyncState:
    row = session.get(SyncState, 1)
    if row is None:
        row = SyncState(id=1, pull_cursor=0)
        session.add(row)
        session.flush()
    return row


def breaker(row: SyncState | None, threshold: int) -> str:
    """closed: pushing normally; open: backing off after repeated failures; half_open:
    the wait is over and the next push is a probe."""
    if row is None or row.consecutive_failures < threshold:
        return "closed"
    if row.next_attempt_at and row.next_attempt_at > utcnow():
        return "open"
    return "half_open"


def dead_letters(session, limit: int = 100) -> list[dict]:
    rows = session.execute(select(OutboxEvent).where(OutboxEvent.status == "dead").order_by(OutboxEvent.seq)
                           .limit(limit)).scalars()
    return [{"seq": e.seq, "event_id": e.event_id, "type": e.type, "aggregate_id": e.aggregate_id,
             "reason": e.dead_reason, "dead_at": isoformat(e.dead_at), "attempts": e.attempts} for e in rows]


def full(session, threshold: int) -> dict:
    """Everything `GET /api/sync/status/` and `pos sync status` show."""
    row = session.get(SyncState, 1)
    base = summary(session)
    return {
        **base, "dead": dead_letters(session), "dead_count": base["dead"],
        "breaker": breaker(row, threshold),
        "consecutive_failures": row.consecutive_failures if row else 0,
        "next_attempt_at": isoformat(row.next_attempt_at) if row else None,
        "last_push_at": isoformat(row.last_push_at) if row else None,
        "last_push_error": row.last_push_error if row else None,
        "last_pull_at": isoformat(row.last_pull_at) if row else None,
        "last_pull_error": row.last_pull_error if row else None,
        "clock_skew_s": row.clock_skew_s if row else None,
        "storage": storage.usage(),
        "device_id": row.device_id if row else None,
        "number_space": row.number_space if row else 1,
        "incidents": incidents(session),
    }


def incidents(session, limit: int = 20) -> list[dict]:
    """What the manager must know about this till's records, newest first: the database
    found behind the cloud (and what was taken back), orders renumbered."""
    rows = session.execute(select(SyncIncident).order_by(SyncIncident.id.desc()).limit(limit)).scalars()
    return [{"id": r.id, "kind": r.kind, "message": r.message, "device_id": r.device_id,
             "detected_at": isoformat(r.detected_at)} for r in rows]


def summary(session) -> dict:
    pending, oldest = session.execute(
        select(func.count(OutboxEvent.seq), func.min(OutboxEvent.occurred_at)).where(OutboxEvent.status == "pending")
    ).one()
    dead = session.execute(select(func.count(OutboxEvent.seq)).where(OutboxEvent.status == "dead")).scalar_one()
    row = session.get(SyncState, 1)
    return {
        "pending": pending, "dead": dead,
        # An event stamped by a clock that has since been set back would read as negative.
        "oldest_pending_age_s": max(0, int((utcnow() - oldest).total_seconds())) if oldest else None,
        "last_success_at": isoformat(row.last_success_at) if row else None,
        "cursor": row.pull_cursor if row else 0,
    }
