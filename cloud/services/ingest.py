"""Applying what outlets push: every event in its own transaction, together with its
`processed_events` row, so delivery at least once means application exactly once.

The processed row is inserted first: two pushes of the same event at the same moment
(a retry racing the first try, two edge processes by mistake) meet on its unique key,
the second waits for the first to commit and then reports `duplicate`.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import case, delete, func, select, text, update
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from cloud.models import (
    Customer,
    CustomerActivity,
    CustomerAlias,
    Device,
    Outlet,
    ProcessedEvent,
    Promotion,
    PromotionAllowance,
    PromotionUsage,
    SyncedOrder,
    SyncedOrderItem,
    SyncedPayment,
    SyncedRefund,
    SyncedShift,
    Tombstone,
)
from sync import loyalty, protocol, sqlite
from sync.protocol import APPLIED, CONFLICT, DUPLICATE, REJECTED, EventRejected
from sync.timeutil import utcnow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 4
MAX_SEQ = 2**31 - 1  # devices.last_pushed_seq is an integer column

ORDER_FIELDS = ("order_number", "terminal", "business_date", "shift_uuid", "status", "source", "customer_uuid",
                "customer_name", "customer_phone", "note", "subtotal", "discount_amount", "service_charge",
                "tax_amount", "rounding_amount", "total_amount", "paid_amount", "change_amount", "voided_amount",
                "refunded_amount", "version", "cashier_id", "cancel_reason", "created_at", "confirmed_at",
                "preparing_at", "ready_at", "served_at", "completed_at", "cancelled_at")
ITEM_FIELDS = ("line_no", "product_id", "product_name", "sku", "category_id", "station", "quantity", "modifiers",
               "note", "unit_price", "gross", "discount_amount", "total_price", "service_charge", "tax_amount",
               "line_total", "voided_quantity", "refunded_quantity")


def _customer(session, tenant_id: int, customer_uuid: str | None) -> Customer | None:
    if not customer_uuid:
        return None
    found = session.execute(select(Customer).where(Customer.tenant_id == tenant_id,
                                                   Customer.uuid == customer_uuid)).scalar_one_or_none()
    if found is not None:
        return found
    return session.execute(select(Customer).join(CustomerAlias, CustomerAlias.customer_id == Customer.id)
                           .where(CustomerAlias.tenant_id == tenant_id, CustomerAlias.uuid == customer_uuid)
                           ).scalar_one_or_none()


def _mark_applied(customer: Customer, device: Device, seq: int) -> None:
    seqs = dict(customer.applied_seqs or {})
    key = str(device.outlet_id)
    seqs[key] = max(seqs.get(key, 0), seq)
    customer.applied_seqs = seqs


def _totals_add_up(data: dict) -> bool:
    items = data["items"]
    return (sum(i["gross"] for i in items) == data["subtotal"]
            and sum(i["discount_amount"] for i in items) == data["discount_amount"]
            and sum(i["service_charge"] for i in items) == data["service_charge"]
            and sum(i["tax_amount"] for i in items) == data["tax_amount"]
            and data["subtotal"] - data["discount_amount"] + data["service_charge"] + data["tax_amount"]
            + data["rounding_amount"] == data["total_amount"])


def _order(session, device: Device, data: dict, seq: int, now) -> None:
    if data["outlet_id"] != device.outlet_id:
        raise EventRejected(f"order names outlet {data['outlet_id']}, but this device belongs to outlet "
                            f"{device.outlet_id}")
    order = session.execute(select(SyncedOrder).where(SyncedOrder.outlet_id == device.outlet_id,
                                                      SyncedOrder.uuid == data["uuid"])).scalar_one_or_none()
    if order is not None and order.version >= data["version"]:
        return  # an older snapshot arriving late: the newer one stays
    customer = _customer(session, device.tenant_id, data.get("customer_uuid"))
    if order is None:
        order = SyncedOrder(tenant_id=device.tenant_id, outlet_id=device.outlet_id, uuid=data["uuid"])
        session.add(order)
    for field in ORDER_FIELDS:
        setattr(order, field, data.get(field))
    order.table_label = data.get("table", "")
    order.customer_id = customer.id if customer else None
    order.promotions = [{**p, "discount_amount": p["discount_amount"]} for p in data.get("promotions", [])]
    order.totals_mismatch = not _totals_add_up(data)
    order.received_at = now
    if order.items:
        order.items.clear()
        session.flush()  # old lines go before new ones take their line numbers
    order.items = [SyncedOrderItem(tenant_id=device.tenant_id, **{f: item.get(f) for f in ITEM_FIELDS})
                   for item in data["items"]]
    if order.totals_mismatch:
        log.warning("order %s of outlet %s: stored totals do not add up (kept as sent)", data["uuid"],
                    device.outlet_id)


def _append_once(session, model, device: Device, data: dict, now, fields: tuple) -> None:
    exists = session.execute(select(model.id).where(model.outlet_id == device.outlet_id,
                                                    model.uuid == data["uuid"])).first()
    if exists:
        return  # append-only facts: a second copy can never be made
    session.add(model(tenant_id=device.tenant_id, outlet_id=device.outlet_id, received_at=now,
                      **{f: data.get(f) for f in fields}))


def _payment(session, device, data, seq, now) -> None:
    _append_once(session, SyncedPayment, device, data, now, (
        "uuid", "order_uuid", "shift_uuid", "terminal", "method", "amount", "tendered", "change_amount", "status",
        "reference", "created_by", "created_at"))


def _refund(session, device, data, seq, now) -> None:
    _append_once(session, SyncedRefund, device, data, now, (
        "uuid", "order_uuid", "shift_uuid", "kind", "method", "amount", "reason", "lines", "created_by",
        "created_at"))


def _shift(session, device, data, seq, now) -> None:
    shift = session.execute(select(SyncedShift).where(SyncedShift.outlet_id == device.outlet_id,
                                                      SyncedShift.uuid == data["uuid"])).scalar_one_or_none()
    if shift is not None and shift.version >= data["version"]:
        return
    if shift is None:
        shift = SyncedShift(tenant_id=device.tenant_id, outlet_id=device.outlet_id, uuid=data["uuid"])
        session.add(shift)
    for field in ("terminal", "status", "opened_by", "opened_at", "opening_cash", "closed_by", "closed_at",
                  "z_report", "version"):
        setattr(shift, field, data.get(field))
    shift.counted = {k: v for k, v in (data.get("counted") or {}).items()}
    shift.movements = [{**m, "created_at": m["created_at"].isoformat() + "Z"} for m in data.get("movements", [])]
    shift.received_at = now


def _customer_upsert(session, device, data, seq, now) -> None:
    preferred = data.get("preferred_outlet_id")
    if preferred and session.execute(select(Outlet.id).where(Outlet.id == preferred,
                                                             Outlet.tenant_id == device.tenant_id)).first() is None:
        raise EventRejected(f"preferred outlet {preferred} is not an outlet of this tenant")
    customer = _customer(session, device.tenant_id, data["uuid"])
    if customer is None:
        customer = session.execute(select(Customer).where(Customer.tenant_id == device.tenant_id,
                                                          Customer.phone == data["phone"])).scalar_one_or_none()
        if customer is not None:
            # the same person registered offline at another till: fold this uuid into them
            customer.merged_uuids = [*(customer.merged_uuids or []), data["uuid"]]
            session.add(CustomerAlias(tenant_id=device.tenant_id, uuid=data["uuid"], customer_id=customer.id))
            return
        customer = Customer(tenant_id=device.tenant_id, uuid=data["uuid"], phone=data["phone"], name=data["name"],
                            membership_tier="regular", points=0, total_orders=0, total_spent=0)
        session.add(customer)
    customer.name = data["name"]
    if data.get("email"):
        customer.email = data["email"]
    customer.marketing_consent = data.get("marketing_consent", customer.marketing_consent)
    if data.get("preferred_outlet_id") and customer.preferred_outlet_id is None:
        customer.preferred_outlet_id = data["preferred_outlet_id"]
    if data["phone"] != customer.phone:
        taken = session.execute(select(Customer.id).where(Customer.tenant_id == device.tenant_id,
                                                          Customer.phone == data["phone"],
                                                          Customer.id != customer.id)).first()
        if taken:
            raise EventRejected(f"phone {data['phone']} already belongs to another customer")
        customer.phone = data["phone"]


def _loyalty(session, device, data, seq, now) -> None:
    customer = _customer(session, device.tenant_id, data["customer_uuid"])
    if customer is None:
        raise EventRejected(f"unknown customer {data['customer_uuid']}")
    done = session.execute(select(CustomerActivity.id).where(
        CustomerActivity.outlet_id == device.outlet_id, CustomerActivity.order_uuid == data["order_uuid"],
        CustomerActivity.reason == data["reason"])).first()
    if not done:
        session.add(CustomerActivity(tenant_id=device.tenant_id, outlet_id=device.outlet_id,
                                     customer_id=customer.id, order_uuid=data["order_uuid"], reason=data["reason"],
                                     points=data["points"], orders=data["orders"], spent=data["spent"],
                                     created_at=now))
        customer.points = max(0, customer.points + data["points"])
        customer.total_orders = max(0, customer.total_orders + data["orders"])
        customer.total_spent = max(0, customer.total_spent + data["spent"])
        customer.membership_tier = loyalty.tier_for(customer.total_orders, customer.total_spent)
        if data["orders"] > 0:
            customer.last_order_at = now
    _mark_applied(customer, device, seq)


def _promotion_usage(session, device, data, seq, now) -> None:
    promotion = session.get(Promotion, data["promotion_id"])
    if promotion is None and _was_deleted(session, device.tenant_id, "promotion", data["promotion_id"]):
        # Head office deleted it while this outlet's uses were still queued: the order
        # (with its discount) arrives in its own event; there is no counter left to keep.
        return
    if promotion is None or promotion.tenant_id != device.tenant_id:
        raise EventRejected(f"unknown promotion {data['promotion_id']}")
    key = (PromotionUsage.outlet_id == device.outlet_id, PromotionUsage.order_uuid == data["order_uuid"],
           PromotionUsage.promotion_id == promotion.id)
    existing = session.execute(select(PromotionUsage).where(*key)).scalar_one_or_none()
    if data["count"] > 0 and existing is None:
        session.add(PromotionUsage(tenant_id=device.tenant_id, promotion_id=promotion.id, outlet_id=device.outlet_id,
                                   customer_uuid=data.get("customer_uuid"), order_uuid=data["order_uuid"], count=1,
                                   discount_amount=data["discount_amount"], used_at=now))
    elif data["count"] < 0 and existing is not None:
        session.execute(delete(PromotionUsage).where(*key))
    session.flush()
    promotion.usage_count = session.execute(select(func.coalesce(func.sum(PromotionUsage.count), 0))
                                            .where(PromotionUsage.promotion_id == promotion.id)).scalar_one()
    allowance = session.execute(select(PromotionAllowance).where(
        PromotionAllowance.promotion_id == promotion.id, PromotionAllowance.outlet_id == device.outlet_id)
    ).scalar_one_or_none()
    if allowance is not None:
        allowance.used = session.execute(select(func.coalesce(func.sum(PromotionUsage.count), 0)).where(
            PromotionUsage.promotion_id == promotion.id, PromotionUsage.outlet_id == device.outlet_id)).scalar_one()
    customer = _customer(session, device.tenant_id, data.get("customer_uuid"))
    if customer is not None:
        _mark_applied(customer, device, seq)
        customer.updated_at = now  # its usage counts changed: outlets should pull it


def _was_deleted(session, tenant_id: int, entity: str, entity_id: int) -> bool:
    return session.execute(select(Tombstone.id).where(
        Tombstone.tenant_id == tenant_id, Tombstone.entity == entity, Tombstone.entity_id == entity_id).limit(1)
    ).first() is not None


APPLY = {
    "order.snapshot": _order, "payment.recorded": _payment, "refund.recorded": _refund,
    "shift.snapshot": _shift, "customer.upserted": _customer_upsert, "loyalty.accrued": _loyalty,
    "promotion.usage": _promotion_usage,
}


def _result(event_id: str, status: str, reason: str | None = None) -> dict:
    return {"event_id": event_id, "status": status, "reason": reason}


def apply_event(session, device: Device, raw: dict) -> dict:
    """Apply one event in its own transaction; returns its result. Commits."""
    event_id = str(raw.get("event_id", "")) if isinstance(raw, dict) else ""
    now = utcnow()
    try:
        event = protocol.envelope(raw)
    except EventRejected as rejected:
        return _result(event_id, REJECTED, str(rejected))
    event_id = event["event_id"]
    if event["seq"] > MAX_SEQ:
        return _result(event_id, REJECTED, f"seq {event['seq']} is out of range")
    _relax(session)
    prior = session.execute(select(ProcessedEvent).where(ProcessedEvent.outlet_id == device.outlet_id,
                                                         ProcessedEvent.event_id == event_id)).scalar_one_or_none()
    if prior is not None and prior.status == APPLIED:
        session.rollback()
        return _result(event_id, DUPLICATE if prior.payload_sha256 == event["payload_sha256"] else CONFLICT,
                       None if prior.payload_sha256 == event["payload_sha256"]
                       else "this event id was already applied with different content")
    record = prior or ProcessedEvent(tenant_id=device.tenant_id, outlet_id=device.outlet_id, device_id=device.id,
                                     event_id=event_id)
    record.seq, record.event_type, record.payload_sha256 = event["seq"], event["type"], event["payload_sha256"]
    record.occurred_at, record.received_at, record.status, record.reason = event["occurred_at"], now, APPLIED, None
    for attempt in range(MAX_ATTEMPTS):
        try:
            session.add(record)
            session.flush()  # the unique (outlet, event_id) row first: a concurrent twin waits here
            data = protocol.payload(event)
            with session.begin_nested():
                try:
                    APPLY[event["type"]](session, device, data, event["seq"], now)
                    session.flush()
                except (DataError, OverflowError):  # a number too large for its column
                    raise EventRejected("a value in the payload is out of range") from None
            session.commit()
            return _result(event_id, APPLIED)
        except EventRejected as rejected:
            record.status, record.reason = REJECTED, str(rejected)[:2000]
            session.commit()
            return _result(event_id, REJECTED, record.reason)
        except (IntegrityError, OperationalError):
            # a twin of this event committed first, or another event of the same order
            # raced this one: look again and, unless it was the twin, apply afresh
            session.rollback()
            _relax(session)
            twin = session.execute(select(ProcessedEvent).where(
                ProcessedEvent.outlet_id == device.outlet_id, ProcessedEvent.event_id == event_id)
            ).scalar_one_or_none()
            if twin is not None and twin.status == APPLIED:
                same = twin.payload_sha256 == event["payload_sha256"]
                return _result(event_id, DUPLICATE if same else CONFLICT,
                               None if same else "this event id was already applied with different content")
            if attempt == MAX_ATTEMPTS - 1:
                raise
            record = twin or ProcessedEvent(tenant_id=device.tenant_id, outlet_id=device.outlet_id,
                                            device_id=device.id, event_id=event_id)
            record.seq, record.event_type, record.payload_sha256 = event["seq"], event["type"], event["payload_sha256"]
            record.occurred_at, record.received_at, record.status, record.reason = (
                event["occurred_at"], now, APPLIED, None)
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Sender:
    """The pushing device's keys as plain values. Every event commits, and a commit
    expires the Device row: reading the keys from the row cost a query per event."""

    id: int
    tenant_id: int
    outlet_id: int


def _relax(session) -> None:
    """This event's transaction commits without waiting for the disk (PostgreSQL; SQLite
    gets the same from `sqlite.synchronous` around the batch): the batch's last commit
    is durable and makes every one before it durable too, before the answer leaves."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit = off"))


def push(session, device: Device, raw_events: list, device_time=None, received_at=None) -> dict:
    """Apply a batch in order; each event commits on its own, without waiting for the
    disk; then the device's row (last seen, last seq, clock skew) commits durably, which
    makes the whole batch durable before the answer leaves. The device's clock skew is
    measured against `received_at` (when the request arrived), so a slow batch does not
    bias it."""
    received_at = received_at or utcnow()
    sender = Sender(device.id, device.tenant_id, device.outlet_id)
    # End the read that loaded the device's keys: a transaction begun before the relaxed
    # block keeps the durable level, and the first event would wait for the disk.
    session.rollback()
    with sqlite.synchronous("NORMAL"):
        results = [apply_event(session, sender, raw) for raw in raw_events]
    session.rollback()  # no read begun inside the block may carry the device's write at its level
    seqs = [raw.get("seq") for raw in raw_events
            if isinstance(raw, dict) and isinstance(raw.get("seq"), int) and raw["seq"] <= MAX_SEQ]
    values = {"last_seen_at": utcnow()}
    if seqs:
        values["last_pushed_seq"] = case((func.coalesce(Device.last_pushed_seq, 0) < max(seqs), max(seqs)),
                                         else_=Device.last_pushed_seq)
    if device_time is not None:
        values["last_clock_skew_s"] = int((device_time - received_at).total_seconds())
    # Outside the relaxed block, a write on every push: this commit is a durable one
    # (SQLite FULL syncs the WAL with every frame before it; PostgreSQL flushes the WAL
    # up to here), so nothing of the batch is answered before it is on disk.
    stored_seq = session.execute(update(Device).where(Device.id == sender.id).values(**values)
                                 .returning(Device.last_pushed_seq)).scalar_one()
    session.commit()
    return {"results": results, "last_seq": max(seqs) if seqs else stored_seq}
