"""What an outlet manager needs to know about sync, from the local database."""
from __future__ import annotations

from sqlalchemy import case, func, select

from edge.models import OutboxEvent, SyncIncident, SyncState
from edge.services.storage import database as storage
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
# What a person counts as "a record": a sale is one order however many events it made
# (its snapshots, payments, refunds, promotion uses), a shift one shift, a customer one.
RECORD_KINDS = {"sales": ("order.snapshot", "promotion.usage"), "shifts": ("shift.snapshot",),
                "customers": ("customer.upserted",)}


def pending_records(session) -> dict:
    """Records waiting to sync: {"sales", "shifts", "customers"} (distinct records, not
    events). Payments, refunds and loyalty entries travel with their sale or customer."""
    kind = case(*((OutboxEvent.type.in_(types), name) for name, types in RECORD_KINDS.items()), else_="other")
    counts = dict.fromkeys(RECORD_KINDS, 0)
    for name, count in session.execute(
            select(kind, func.count(func.distinct(OutboxEvent.aggregate_id)))
            .where(OutboxEvent.status == "pending").group_by(kind)):
        if name in counts:
            counts[name] = count
    return counts


def describe_records(records: dict, pending_events: int) -> str:
    """"3 sales, 1 shift" (what a person reads), "nothing" when the queue is empty."""
    names = {"sales": ("sale", "sales"), "shifts": ("shift", "shifts"), "customers": ("customer", "customers")}
    parts = [f"{records[key]} {one if records[key] == 1 else many}" for key, (one, many) in names.items()
             if records.get(key)]
    if parts:
        return ", ".join(parts)
    return f"{pending_events} event{'' if pending_events == 1 else 's'}" if pending_events else "nothing"


def summary(session) -> dict:
    pending, oldest = session.execute(
        select(func.count(OutboxEvent.seq), func.min(OutboxEvent.occurred_at)).where(OutboxEvent.status == "pending")
    ).one()
    dead = session.execute(select(func.count(OutboxEvent.seq)).where(OutboxEvent.status == "dead")).scalar_one()
    row = session.get(SyncState, 1)
    return {
        "pending": pending, "dead": dead,
        "pending_records": pending_records(session) if pending else dict.fromkeys(RECORD_KINDS, 0),
        # An event stamped by a clock that has since been set back would read as negative.
        "oldest_pending_age_s": max(0, int((utcnow() - oldest).total_seconds())) if oldest else None,
        "last_success_at": isoformat(row.last_success_at) if row else None,
        "cursor": row.pull_cursor if row else 0,
    }
