"""The kitchen's event log: every kitchen-visible change is numbered (`seq`) and written
in the transaction of the change, then emitted to the outlet's screens after commit.
A screen that reconnects replays from its last seq, so nothing is lost or doubled.

Writes pass the process's write gate, so the committed seqs are always 1..head without
holes (a rolled-back insert frees its rowid for the next writer). Each row's payload
also names its log (`log_id`, inherited from the newest row, new when the log is empty):
a screen that remembers seq 40 of one log must not replay seq 41 of another database.
"""
from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from edge.models import KitchenEvent, Order, OrderItem
from edge.services.storage.uow import after_commit
from sync import vocab
from sync.timeutil import isoformat, utcnow

log = logging.getLogger(__name__)

OPEN_STATUSES = vocab.KITCHEN_OPEN_STATUSES  # what a kitchen screen shows
RETENTION = timedelta(days=7)  # how long replayable events are kept; set from KITCHEN_LOG_KEEP_DAYS
PRUNE_EVERY = 500  # prune once per this many events, inside the writing transaction

_emitters: list[Callable[[KitchenEvent], None]] = []


def on_event(emitter: Callable[[KitchenEvent], None]) -> None:
    if emitter not in _emitters:
        _emitters.append(emitter)


def _notify(event: KitchenEvent) -> None:
    for emit in _emitters:
        try:
            emit(event)
        except Exception:  # one broken listener must not starve the others
            log.exception("kitchen event listener failed for seq %s", event.seq)


def ticket(order: Order) -> dict:
    """What a cook needs to see of an order: no prices."""
    return {
        "id": order.id, "uuid": order.uuid, "order_number": order.order_number, "outlet_id": order.outlet_id,
        "status": order.status, "source": order.source, "table": order.table_label,
        "customer_name": order.customer_name, "note": order.note,
        "created_at": isoformat(order.created_at), "confirmed_at": isoformat(order.confirmed_at),
        "preparing_at": isoformat(order.preparing_at), "ready_at": isoformat(order.ready_at),
        "items": [
            {"id": item.id, "line_no": item.line_no, "product_id": item.product_id, "name": item.product_name,
             "quantity": item.quantity - item.voided_quantity, "voided_quantity": item.voided_quantity,
             "modifiers": [m["name"] for m in item.modifiers], "note": item.note, "station": item.station,
             "prep_status": item.prep_status}
            for item in order.items
        ],
    }


# json_extract: read the one field, not the whole ticket (this runs on every record)
_HEAD = (select(KitchenEvent.__table__.c.seq, func.json_extract(KitchenEvent.__table__.c.payload, "$.log_id"))
         .order_by(KitchenEvent.__table__.c.seq.desc()).limit(1))
_INSERT = KitchenEvent.__table__.insert()


def head(session) -> tuple[int, str | None]:
    """(last seq, log id) of the log; (0, None) when it is empty."""
    row = session.connection().execute(_HEAD).first()
    if row is None:
        return 0, None
    return row[0], row[1]


def record(session, order: Order, event_type: str, **extra) -> KitchenEvent:
    now = utcnow()
    if event_type in ("order_created", "order_updated"):
        # the whole ticket, so a screen can (re)draw it from any event: a recalled ticket
        # comes back on screens that never saw it, a void shows its new quantities
        payload = {**ticket(order), "timestamp": isoformat(now)}
    else:  # order_completed, order_cancelled: the ticket leaves the screens
        payload = {"id": order.id, "order_number": order.order_number, "status": order.status,
                   "timestamp": isoformat(now)}
    payload.update(extra)
    payload["log_id"] = head(session)[1] or secrets.token_hex(6)
    values = {"outlet_id": order.outlet_id, "type": event_type, "order_id": order.id, "payload": payload,
              "created_at": now}
    # one Core insert on the transaction's connection: no unit of work for a row that is
    # never changed (the event handed to the screens is a plain, unsaved KitchenEvent)
    seq = session.connection().execute(_INSERT, values).inserted_primary_key[0]
    event = KitchenEvent(seq=seq, **values)
    payload["seq"] = seq
    if event.seq % PRUNE_EVERY == 0:
        prune(session, now - RETENTION)
    after_commit(lambda: _notify(event))
    return event


def wire(event: KitchenEvent) -> dict:
    """The event as screens receive it: its payload with its seq."""
    return {**event.payload, "seq": event.seq}


def events_after(session, seq: int, limit: int = 1000, upto: int | None = None) -> list[KitchenEvent]:
    stmt = select(KitchenEvent).where(KitchenEvent.seq > seq)
    if upto is not None:
        stmt = stmt.where(KitchenEvent.seq <= upto)
    return session.execute(stmt.order_by(KitchenEvent.seq).limit(limit)).scalars().all()


def last_seq(session) -> int:
    return head(session)[0]


def first_seq(session) -> int:
    return session.execute(select(func.min(KitchenEvent.seq))).scalar() or 0


def prune(session, before) -> int:
    """Forget events older than `before`, never the newest one (it carries the log id,
    and keeping it stops SQLite from handing its seq out again)."""
    newest = last_seq(session)
    result = session.execute(delete(KitchenEvent).where(KitchenEvent.created_at < before,
                                                        KitchenEvent.seq < newest))
    return result.rowcount or 0


def open_tickets(session, station: str | None = None) -> list[dict]:
    # orders imports this module, so it is imported here, at call time
    stmt = open_orders_query(station).options(selectinload(Order.items))
    return [ticket(order) for order in session.execute(stmt).scalars().unique()]


@dataclass
class CatchUp:
    """What a (re)connecting screen needs: the events after its seq, or a snapshot."""

    mode: str  # "replay" | "snapshot"
    reason: str  # current, replay | fresh, ahead, different_log, pruned, too_far, invalid
    last_seq: int
    log_id: str | None
    events: list[KitchenEvent] = field(default_factory=list)
    tickets: list[dict] = field(default_factory=list)


def catch_up(session, seq: int | None, log_id: str | None = None, max_replay: int = 500) -> CatchUp:
    """Replay when every event after `seq` of this log is still kept and there are at
    most `max_replay` of them; otherwise the open tickets as they are now. Call it in one
    read transaction so the snapshot and its `last_seq` agree."""
    last, current_log = head(session)

    def snapshot(reason: str) -> CatchUp:
        return CatchUp("snapshot", reason, last, current_log, tickets=open_tickets(session))

    if seq is None:
        return snapshot("fresh")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        return snapshot("invalid")
    if log_id and current_log and log_id != current_log:
        return snapshot("different_log")
    if seq > last:
        return snapshot("ahead")  # the database was reset or replaced
    if seq == last:
        return CatchUp("replay", "current", last, current_log)
    if seq < first_seq(session) - 1:
        return snapshot("pruned")
    if last - seq > max_replay:
        return snapshot("too_far")
    return CatchUp("replay", "replay", last, current_log, events=events_after(session, seq, max_replay, upto=last))


def open_orders_query(station: str | None = None):
    """Tickets the kitchen is working on, oldest first."""
    stmt = select(Order).where(Order.status.in_(vocab.KITCHEN_OPEN_STATUSES)).order_by(
        Order.confirmed_at, Order.id)
    if station:
        stmt = stmt.where(Order.items.any(OrderItem.station == station))
    return stmt
