"""The kitchen's event log: every kitchen-visible change is numbered (`seq`) and written
in the transaction of the change, then emitted to the outlet's screens after commit.
A screen that reconnects replays from its last seq, so nothing is lost or doubled."""
from __future__ import annotations

from typing import Callable

from sqlalchemy import select

from edge.models import KitchenEvent, Order
from edge.services.uow import after_commit
from sync.timeutil import isoformat, utcnow

_emitters: list[Callable[[KitchenEvent], None]] = []


def on_event(emitter: Callable[[KitchenEvent], None]) -> None:
    if emitter not in _emitters:
        _emitters.append(emitter)


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


def record(session, order: Order, event_type: str) -> KitchenEvent:
    now = utcnow()
    if event_type == "order_created":
        payload = ticket(order)
    elif event_type in ("order_completed", "order_cancelled"):
        payload = {"id": order.id, "order_number": order.order_number, "status": order.status,
                   "timestamp": isoformat(now)}
    else:  # order_updated: status and per-item progress
        payload = {"id": order.id, "order_number": order.order_number, "status": order.status,
                   "timestamp": isoformat(now),
                   "items": [{"id": i.id, "prep_status": i.prep_status,
                              "quantity": i.quantity - i.voided_quantity} for i in order.items]}
    event = KitchenEvent(outlet_id=order.outlet_id, type=event_type, order_id=order.id, payload=payload,
                         created_at=now)
    session.add(event)
    session.flush()
    payload["seq"] = event.seq
    after_commit(lambda: [emit(event) for emit in list(_emitters)])
    return event


def events_after(session, seq: int, limit: int = 1000) -> list[KitchenEvent]:
    return session.execute(
        select(KitchenEvent).where(KitchenEvent.seq > seq).order_by(KitchenEvent.seq).limit(limit)
    ).scalars().all()


def last_seq(session) -> int:
    row = session.execute(select(KitchenEvent.seq).order_by(KitchenEvent.seq.desc()).limit(1)).first()
    return row[0] if row else 0
