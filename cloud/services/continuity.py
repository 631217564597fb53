"""An outlet's records stay whole when a till's database goes back in time or is copied.

- Every device numbers its orders in a space of its own in the outlet (`number_space`,
  handed out at enrollment, never reused), so two edges, a re-enrolled one or a copy
  never issue the same order number; the cloud also refuses a number another order of
  the outlet holds (ingest).
- A device whose database went back behind what the cloud has seen (a restored backup, a
  lost WAL tail, a copy running as a second till) is told so by `last_pushed_seq`. It
  takes back from the cloud what it lost (`recovery_page`: its lineage's orders, with
  payments and refunds, and shifts received after the last event it still holds), then
  takes a new identity (`fork`): a new device with a new numbering space, recorded with
  the device it came from, and a discrepancy for head office. A copy still running under
  the old identity is unaffected: the two no longer share a numbering space.
- `record` writes what head office must look at (`SyncDiscrepancy`).
"""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from cloud.models import (
    Device,
    Outlet,
    ProcessedEvent,
    SyncDiscrepancy,
    SyncedOrder,
    SyncedPayment,
    SyncedRefund,
    SyncedShift,
)
from sync.errors import Conflict
from sync.schemas import events
from sync.timeutil import parse_iso, utcnow

TOKEN_PREFIX = "dev_"
MAX_LINEAGE = 50  # forks followed back (a loop is impossible; a bound keeps a bad row harmless)


def next_number_space(session, outlet_id: int) -> int:
    """The next free numbering space of the outlet (the outlet row is locked first, so
    two enrollments at once cannot take the same one)."""
    session.execute(select(Outlet.id).where(Outlet.id == outlet_id).with_for_update())
    taken = session.execute(select(func.max(Device.number_space)).where(Device.outlet_id == outlet_id)).scalar()
    return (taken or 0) + 1


def record(session, device_like, kind: str, message: str, *, order_uuid: str | None = None,
           detail: dict | None = None, once: bool = False) -> None:
    """A discrepancy for head office (in the caller's transaction). `once`: not again for
    the same outlet, kind and order."""
    if once and session.execute(select(SyncDiscrepancy.id).where(
            SyncDiscrepancy.outlet_id == device_like.outlet_id, SyncDiscrepancy.kind == kind,
            SyncDiscrepancy.order_uuid == order_uuid).limit(1)).first() is not None:
        return
    session.add(SyncDiscrepancy(tenant_id=device_like.tenant_id, outlet_id=device_like.outlet_id,
                                device_id=device_like.id, kind=kind, order_uuid=order_uuid, message=message[:2000],
                                detail=detail or {}, detected_at=utcnow()))
    session.flush()


def lineage(session, device: Device) -> list[int]:
    """The device and those it was forked from, newest first."""
    found, current = [device.id], device.forked_from_id
    while current is not None and current not in found and len(found) < MAX_LINEAGE:
        found.append(current)
        current = session.execute(select(Device.forked_from_id).where(Device.id == current)).scalar()
    return found


def fork(session, device: Device, seq_high: int, device_name: str | None) -> tuple[Device, str]:
    """A new identity for a copy of `device`'s database that went back behind the cloud.
    Refused unless it did: the caller's highest seq must be below what the cloud saw."""
    if seq_high >= device.last_pushed_seq:
        raise Conflict(f"This device's database is not behind the cloud (it holds seq {seq_high}, the cloud has seen "
                       f"{device.last_pushed_seq}); it keeps its identity", "NOT_BEHIND", "seq_high")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    twin = Device(tenant_id=device.tenant_id, outlet_id=device.outlet_id,
                  name=(device_name or f"{device.name} (copy)")[:120],
                  token_hash=hashlib.sha256(token.encode("utf-8")).hexdigest(), last_seen_at=utcnow(),
                  last_pushed_seq=seq_high, number_space=next_number_space(session, device.outlet_id),
                  forked_from_id=device.id)
    session.add(twin)
    session.flush()
    record(session, device, "sequence_regressed",
           f"device {device.id} ({device.name}) came back with its database behind the cloud: it holds events up to "
           f"seq {seq_high}, the cloud had seen {device.last_pushed_seq} ({device.last_pushed_seq - seq_high} events "
           f"lost on the device: a restored backup, a lost write, or a copy of the till). It took back its synced "
           f"orders from the cloud and now runs as device {twin.id} (numbering space {twin.number_space}).",
           detail={"seq_high": seq_high, "cloud_seq": device.last_pushed_seq, "new_device_id": twin.id,
                   "new_number_space": twin.number_space})
    return twin, token


# --- recovery: the cloud's copy of a device's sales ----------------------------------------

def _since(session, devices: list[int], after_seq: int):
    """When the cloud received the first event of these devices after `after_seq` (None:
    it has none: nothing was lost)."""
    return session.execute(select(func.min(ProcessedEvent.received_at)).where(
        ProcessedEvent.device_id.in_(devices), ProcessedEvent.seq > after_seq)).scalar()


def recovery_page(session, device: Device, after_seq: int, after_id: int, limit: int) -> dict:
    """The orders (with lines, promotions, payments and refunds) and shifts of the device's
    lineage that the cloud received after the first event the device no longer holds, as
    the same payloads the edge pushes. Paged by order id; shifts come with the first page."""
    devices = lineage(session, device)
    since = _since(session, devices, after_seq)
    if since is None:
        return {"orders": [], "shifts": [], "next_after_id": None}
    rows = session.execute(select(SyncedOrder).options(selectinload(SyncedOrder.items)).where(
        SyncedOrder.outlet_id == device.outlet_id, SyncedOrder.device_id.in_(devices),
        SyncedOrder.received_at >= since, SyncedOrder.id > after_id)
        .order_by(SyncedOrder.id).limit(limit)).scalars().all()
    uuids = [order.uuid for order in rows]
    payments: dict[str, list] = {}
    refunds: dict[str, list] = {}
    if uuids:
        for payment in session.execute(select(SyncedPayment).where(
                SyncedPayment.outlet_id == device.outlet_id, SyncedPayment.order_uuid.in_(uuids))
                .order_by(SyncedPayment.id)).scalars():
            payments.setdefault(payment.order_uuid, []).append(_payment(payment))
        for refund in session.execute(select(SyncedRefund).where(
                SyncedRefund.outlet_id == device.outlet_id, SyncedRefund.order_uuid.in_(uuids))
                .order_by(SyncedRefund.id)).scalars():
            refunds.setdefault(refund.order_uuid, []).append(_refund(refund))
    shifts = []
    if after_id == 0:
        shifts = [_shift(s) for s in session.execute(select(SyncedShift).where(
            SyncedShift.outlet_id == device.outlet_id, SyncedShift.device_id.in_(devices),
            SyncedShift.received_at >= since).order_by(SyncedShift.id)).scalars()]
    orders = [{"order": _order(order), "payments": payments.get(order.uuid, []),
               "refunds": refunds.get(order.uuid, [])} for order in rows]
    return {"orders": orders, "shifts": shifts, "next_after_id": rows[-1].id if len(rows) == limit else None}


_ORDER_COPY = ("uuid", "order_number", "outlet_id", "terminal", "business_date", "shift_uuid", "status", "source",
               "customer_uuid", "customer_name", "customer_phone", "note", "subtotal", "discount_amount",
               "service_charge", "tax_amount", "rounding_amount", "total_amount", "paid_amount", "change_amount",
               "voided_amount", "refunded_amount", "version", "cashier_id", "cancel_reason", "created_at",
               "confirmed_at", "preparing_at", "ready_at", "served_at", "completed_at", "cancelled_at")
_ITEM_COPY = ("line_no", "product_id", "product_name", "sku", "category_id", "station", "quantity", "modifiers",
              "note", "unit_price", "gross", "discount_amount", "total_price", "service_charge", "tax_amount",
              "line_total", "voided_quantity", "refunded_quantity")


def _order(order: SyncedOrder) -> dict:
    values = {f: getattr(order, f) for f in _ORDER_COPY}
    values["table"] = order.table_label
    values["items"] = [{f: getattr(item, f) for f in _ITEM_COPY} for item in order.items]
    values["promotions"] = [dict(p) for p in order.promotions or []]
    return events.dump("order.snapshot", values)


def _payment(payment: SyncedPayment) -> dict:
    return events.dump("payment.recorded", {f: getattr(payment, f) for f in (
        "uuid", "order_uuid", "shift_uuid", "terminal", "method", "amount", "tendered", "change_amount", "status",
        "reference", "created_by", "created_at")})


def _refund(refund: SyncedRefund) -> dict:
    return events.dump("refund.recorded", {f: getattr(refund, f) for f in (
        "uuid", "order_uuid", "shift_uuid", "kind", "method", "amount", "reason", "lines", "created_by",
        "created_at")})


def _shift(shift: SyncedShift) -> dict:
    values = {f: getattr(shift, f) for f in ("uuid", "terminal", "status", "opened_by", "opened_at", "opening_cash",
                                             "closed_by", "closed_at", "counted", "z_report", "version")}
    values["movements"] = [{**m, "created_at": parse_iso(m["created_at"]) if isinstance(m.get("created_at"), str)
                             else m.get("created_at")} for m in shift.movements or []]  # stored as ISO text
    return events.dump("shift.snapshot", values)


def discrepancies_query(actor):
    stmt = select(SyncDiscrepancy).where(SyncDiscrepancy.tenant_id == actor.require_tenant())
    if actor.outlet_id is not None:
        stmt = stmt.where(SyncDiscrepancy.outlet_id == actor.outlet_id)
    return stmt
