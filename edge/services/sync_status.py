"""What an outlet manager needs to know about sync, from the local database."""
from __future__ import annotations

from sqlalchemy import func, select

from edge.models import OutboxEvent, SyncState
from sync.timeutil import isoformat, utcnow


def state(session) -> SyncState:
    row = session.get(SyncState, 1)
    if row is None:
        row = SyncState(id=1, pull_cursor=0)
        session.add(row)
        session.flush()
    return row


def summary(session) -> dict:
    pending, oldest = session.execute(
        select(func.count(OutboxEvent.seq), func.min(OutboxEvent.occurred_at)).where(OutboxEvent.status == "pending")
    ).one()
    dead = session.execute(select(func.count(OutboxEvent.seq)).where(OutboxEvent.status == "dead")).scalar_one()
    row = session.get(SyncState, 1)
    return {
        "pending": pending, "dead": dead,
        "oldest_pending_age_s": int((utcnow() - oldest).total_seconds()) if oldest else None,
        "last_success_at": isoformat(row.last_success_at) if row else None,
        "cursor": row.pull_cursor if row else 0,
    }
