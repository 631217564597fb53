"""Applying what outlets push: every event's effects in the transaction that holds its
`processed_events` row, so delivery at least once means application exactly once. A
batch commonly goes in one transaction; when one of its events must roll back alone
(it is rejected while being applied, or a twin races it), every event of the batch
gets a transaction of its own instead.

The processed row is claimed first, with one INSERT ... ON CONFLICT DO NOTHING: two
pushes of the same event at the same moment (a retry racing the first try, two edge
processes by mistake) meet on its unique key, the second waits for the first to commit
and then reports `duplicate`. The hot path (orders, payments, refunds, shifts) is
SQLAlchemy Core on the session's connection; what changes master data that outlets pull
(promotion and allowance counters, customers) stays on the ORM, whose flush hook bumps
the tenant's change version. A batch's one transaction commits durably; when each
event has its own, they commit without waiting for the disk and the push's last commit
is durable (see `push`).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    bindparam,
    case,
    delete,
    func,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

from cloud.models import (
    Customer,
    CustomerActivity,
    CustomerAlias,
    Device,
    Outlet,
    OutletSoldOut,
    ProcessedEvent,
    Promotion,
    PromotionAllowance,
    PromotionUsage,
    StockMovement,
    Stocktake,
    SyncedOrder,
    SyncedOrderItem,
    SyncedPayment,
    SyncedRefund,
    SyncedShift,
    Tombstone,
    Transfer,
)
from cloud.services import audit, continuity, notification_triggers, versions
from sync import loyalty, protocol, sqlite
from sync.protocol import (
    APPLIED,
    CONFLICT,
    DUPLICATE,
    REJECTED,
    EventConflict,
    EventRejected,
)
from sync.schemas import events
from sync.timeutil import utcnow
from sync.vocab import PAID

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 4
MAX_SEQ = 2**31 - 1  # devices.last_pushed_seq is an integer column
MAX_REASON_CHARS = 2000  # what a rejection's reason keeps

ORDER_FIELDS = events.ORDER_COLUMNS
ITEM_FIELDS = tuple(f for f in events.ITEM_COLUMNS if f != "prep_status")  # the kitchen's progress stays at the outlet


ORDERS, ORDER_ITEMS = SyncedOrder.__table__, SyncedOrderItem.__table__
ORDER_SET = (*ORDER_FIELDS, "table_label", "customer_id", "promotions", "totals_mismatch", "received_at")
SHIFTS, PROCESSED, PAYMENTS = SyncedShift.__table__, ProcessedEvent.__table__, SyncedPayment.__table__
@dataclass(frozen=True)
class _Statements:
    """The hot path's statements of one dialect (see `_sql`)."""

    claim: Executable
    retake: Executable
    claim_many: Executable
    retake_durable: Executable
    prior: Executable
    order_upsert: Executable
    lines_delete: Executable
    lines_insert: Executable
    shift: Executable
    shift_insert: Executable
    shift_update: Executable
    payment: Executable
    number_holder: Executable
    held_version: Executable
    paid_against_due: Executable
    refund: Executable
    usage: Executable
    stock: Executable
    sold_out: Executable
    stocktake: Executable
    customer: Executable
    alias: Executable


_STATEMENTS: dict[str, _Statements] = {}


def _sql(conn) -> _Statements:
    """The hot path's statements, built once per dialect with bound parameters: values
    travel as execute() parameters, so no statement is rebuilt (nor its cache key
    recomputed) per event. Updates name their row with `b_id`; their SET columns are the
    parameters' other keys."""
    found = _STATEMENTS.get(conn.dialect.name)
    if found is not None:
        return found
    postgres = conn.dialect.name == "postgresql"
    insert_ = pg_insert if postgres else sqlite_insert  # ON CONFLICT: SQLite >= 3.35
    b = bindparam
    # PostgreSQL: the claim itself makes its transaction's commit asynchronous.
    # set_config(name, value, true) is SET LOCAL as a function; it runs when the claim
    # returns its row, i.e. exactly when this transaction will write (no extra round
    # trip). SQLite gets the same from `sqlite.synchronous` around the batch.
    relaxed = (func.set_config("synchronous_commit", "off", True),) if postgres else ()
    orders_in = insert_(ORDERS)
    claim = insert_(PROCESSED).on_conflict_do_nothing(index_elements=["outlet_id", "event_id"])
    retake = update(PROCESSED).where(PROCESSED.c.id == b("b_id"), PROCESSED.c.status != APPLIED)
    sql = _Statements(
        claim=claim.returning(PROCESSED.c.id, *relaxed),
        retake=retake.returning(PROCESSED.c.id, *relaxed),
        # a batch applied in one transaction commits durably: its claims leave the level be
        claim_many=claim.returning(PROCESSED.c.event_id),  # executemany: one statement per batch
        retake_durable=retake.returning(PROCESSED.c.id),
        prior=select(PROCESSED.c.id, PROCESSED.c.status, PROCESSED.c.payload_sha256)
        .where(PROCESSED.c.outlet_id == b("b_outlet"), PROCESSED.c.event_id == b("b_event")),
        # the highest version wins: an older or equal snapshot updates nothing, returns no row.
        # `inserted`: PostgreSQL tells a new row by xmax = 0 (no old lines to delete); SQLite
        # cannot tell (NULL) and deletes the lines, a no-op for a new order.
        order_upsert=orders_in.on_conflict_do_update(
            index_elements=["outlet_id", "uuid"], set_={c: orders_in.excluded[c] for c in ORDER_SET},
            where=ORDERS.c.version < orders_in.excluded.version,
        ).returning(ORDERS.c.id, literal_column("(xmax = 0)" if postgres else "NULL").label("inserted")),
        lines_delete=delete(ORDER_ITEMS).where(ORDER_ITEMS.c.order_id == b("b_id")),
        lines_insert=insert(ORDER_ITEMS),
        shift=select(SHIFTS.c.id, SHIFTS.c.version).where(SHIFTS.c.outlet_id == b("b_outlet"),
                                                          SHIFTS.c.uuid == b("b_uuid")),
        shift_insert=insert(SHIFTS),
        shift_update=update(SHIFTS).where(SHIFTS.c.id == b("b_id")),
        payment=insert_(SyncedPayment.__table__).on_conflict_do_nothing(index_elements=["outlet_id", "uuid"])
        .returning(SyncedPayment.__table__.c.id),
        # another order of the outlet holding this number (numbers are unique per outlet)
        number_holder=select(ORDERS.c.uuid).where(ORDERS.c.outlet_id == b("b_outlet"),
                                                  ORDERS.c.order_number == b("b_number"),
                                                  ORDERS.c.uuid != b("b_uuid")).limit(1),
        held_version=select(ORDERS.c.version).where(ORDERS.c.outlet_id == b("b_outlet"),
                                                    ORDERS.c.uuid == b("b_uuid")),
        # what an order was due and what its payments add up to (one statement per payment)
        paid_against_due=select(
            (ORDERS.c.total_amount - ORDERS.c.voided_amount).label("due"), ORDERS.c.order_number,
            select(func.coalesce(func.sum(PAYMENTS.c.amount), 0)).where(
                PAYMENTS.c.outlet_id == ORDERS.c.outlet_id, PAYMENTS.c.order_uuid == ORDERS.c.uuid,
                PAYMENTS.c.status == PAID).scalar_subquery().label("paid"),
        ).where(ORDERS.c.outlet_id == b("b_outlet"), ORDERS.c.uuid == b("b_uuid")),
        refund=insert_(SyncedRefund.__table__).on_conflict_do_nothing(index_elements=["outlet_id", "uuid"]),
        stock=insert_(StockMovement.__table__).on_conflict_do_nothing(
            index_elements=["outlet_id", "uuid", "stock_item_id"]),
        stocktake=insert_(Stocktake.__table__).on_conflict_do_nothing(index_elements=["outlet_id", "uuid"]),
        # the outlet's later change of a mark wins, by outbox seq (an earlier one arriving late changes nothing)
        sold_out=(lambda i: i.on_conflict_do_update(
            index_elements=["outlet_id", "target", "target_id"],
            set_={c: i.excluded[c] for c in ("name", "sold_out", "changed_by", "changed_at", "seq", "received_at")},
            where=OutletSoldOut.__table__.c.seq < i.excluded.seq))(insert_(OutletSoldOut.__table__)),
        usage=insert_(PromotionUsage.__table__).on_conflict_do_nothing(
            index_elements=["outlet_id", "order_uuid", "promotion_id"]),
        customer=select(Customer.id).where(Customer.tenant_id == b("b_tenant"), Customer.uuid == b("b_uuid")),
        alias=select(CustomerAlias.customer_id).where(CustomerAlias.tenant_id == b("b_tenant"),
                                                      CustomerAlias.uuid == b("b_uuid")),
    )
    _STATEMENTS[conn.dialect.name] = sql
    return sql


def _customer(session, tenant_id: int, customer_uuid: str | None) -> Customer | None:
    """The customer, locked and read afresh: their figures are read, changed in Python and
    written back, so another outlet's push must wait for this transaction and then see
    its result (PostgreSQL; SQLite's pushes run one at a time)."""
    if not customer_uuid:
        return None
    found = session.execute(select(Customer).where(Customer.tenant_id == tenant_id, Customer.uuid == customer_uuid)
                            .with_for_update(of=Customer).execution_options(populate_existing=True)
                            ).scalar_one_or_none()
    if found is not None:
        return found
    return session.execute(select(Customer).join(CustomerAlias, CustomerAlias.customer_id == Customer.id)
                           .where(CustomerAlias.tenant_id == tenant_id, CustomerAlias.uuid == customer_uuid)
                           .with_for_update(of=Customer).execution_options(populate_existing=True)
                           ).scalar_one_or_none()


def _customer_id(conn, tenant_id: int, customer_uuid: str | None) -> int | None:
    """The customer's id by uuid or by a uuid folded into them, without loading the row."""
    if not customer_uuid:
        return None
    keys = {"b_tenant": tenant_id, "b_uuid": customer_uuid}
    found = conn.execute(_sql(conn).customer, keys).scalar()
    return found if found is not None else conn.execute(_sql(conn).alias, keys).scalar()


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




@dataclass
class _Apply:
    """What every event's handler works with: the session and its connection (one
    transaction), the pushing device, the event's seq and when the push arrived. A batch
    also collects its orders' lines (`pending_lines`: order id -> its lines) to insert
    them all at its end, each order's from its newest snapshot."""

    session: Session
    conn: Connection
    device: Device
    seq: int
    now: datetime
    pending_lines: dict | None = None

    @property
    def sql(self) -> _Statements:
        return _sql(self.conn)


def _order(ctx: _Apply, data: dict) -> None:
    """Keep the highest version: a newer snapshot replaces the row and all its lines (one
    upsert that updates only to a higher version, then the lines in one executemany).
    `pending_lines` (order id -> its lines): a batch collects the lines and inserts them
    all at its end, each order's from its newest snapshot."""
    conn, device, now, pending_lines = ctx.conn, ctx.device, ctx.now, ctx.pending_lines
    if data["outlet_id"] != device.outlet_id:
        raise EventRejected(f"order names outlet {data['outlet_id']}, but this device belongs to outlet "
                            f"{device.outlet_id}")
    sql = _sql(conn)
    keys = {"b_outlet": device.outlet_id, "b_uuid": data["uuid"]}
    # Order numbers are unique per outlet. In a batch (`pending_lines`) the unique key
    # finds a taken number (the batch then goes event by event) at no cost per order;
    # event by event, this look-up names it.
    holder = None if pending_lines is not None else conn.execute(
        sql.number_holder, {**keys, "b_number": data["order_number"]}).first()
    if holder is not None:
        raise EventRejected(
            f"ORDER_NUMBER_TAKEN: order number {data['order_number']} is already used by another order of this outlet",
            {"kind": "order_number_taken", "order_uuid": data["uuid"],
             "message": f"order {data['uuid']} came with number {data['order_number']}, which order {holder.uuid} "
                        "already holds (a copy of a till's database sold under the same numbers); the till gives "
                        "it a new number",
             "detail": {"order_number": data["order_number"], "held_by": holder.uuid}})
    totals_mismatch = not _totals_add_up(data)
    values = {field: data.get(field) for field in ORDER_FIELDS}
    values.update(tenant_id=device.tenant_id, outlet_id=device.outlet_id, uuid=data["uuid"],
                  table_label=data.get("table", ""),
                  customer_id=_customer_id(conn, device.tenant_id, data.get("customer_uuid")),
                  promotions=[dict(p) for p in data.get("promotions", [])], totals_mismatch=totals_mismatch,
                  received_at=now, device_id=device.id)
    stored = conn.execute(sql.order_upsert, values).first()
    if stored is None:
        # The cloud holds this version or a newer one, from another event: made on another
        # copy of the till's database (a restored backup, a twin). Applying nothing and
        # answering "applied" hid that; it is a conflict the till and head office must see.
        held = conn.execute(sql.held_version, keys).scalar()
        raise EventConflict(
            f"STALE_SNAPSHOT: the cloud holds version {held} of order {data['order_number']}; this snapshot "
            f"(version {data['version']}) was made on an older copy of it",
            {"kind": "stale_snapshot", "order_uuid": data["uuid"],
             "message": f"order {data['order_number']} came back as version {data['version']} while the cloud "
                        f"holds version {held}: two copies of a till changed it (the cloud keeps its version)",
             "detail": {"sent_version": data["version"], "cloud_version": held}})
    notification_triggers.note_order(conn, device, data, now)  # ready or cancelled: the worker tells the customer
    if not stored.inserted:
        conn.execute(sql.lines_delete, {"b_id": stored.id})  # old lines go before new ones take their numbers
    lines = [{"order_id": stored.id, "tenant_id": device.tenant_id, **{f: item.get(f) for f in ITEM_FIELDS}}
             for item in data["items"]]
    if pending_lines is None:
        conn.execute(sql.lines_insert, lines)
    else:
        pending_lines[stored.id] = lines  # an older snapshot's lines in this batch are never written
    if totals_mismatch:
        log.warning("order %s of outlet %s: stored totals do not add up (kept as sent)", data["uuid"],
                    device.outlet_id)


def _append_once(conn, statement, device: Device, data: dict, now, fields: tuple):
    """Append-only facts: a second copy can never be made (the unique (outlet, uuid) key).
    Returns the statement's result row (its RETURNING: None when the row was there)."""
    result = conn.execute(statement, {"tenant_id": device.tenant_id, "outlet_id": device.outlet_id,
                                      "received_at": now, **{f: data.get(f) for f in fields}})
    return result.first() if result.returns_rows else None


def _business_date(conn, device: Device, data: dict):
    """The outlet-local day of a payment or refund: as the edge stamped it, or (an edge
    from before it did) its time in the outlet's timezone."""
    if data.get("business_date") is not None:
        return data["business_date"]
    name = conn.execute(select(Outlet.timezone).where(Outlet.id == device.outlet_id)).scalar()
    try:
        zone = ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return data["created_at"].replace(tzinfo=UTC).astimezone(zone).date()


def _payment(ctx: _Apply, data: dict) -> None:
    conn, device = ctx.conn, ctx.device
    dated = {**data, "business_date": _business_date(conn, device, data)}
    inserted = _append_once(conn, ctx.sql.payment, device, dated,
                            ctx.now, ("uuid", "order_uuid", "shift_uuid", "terminal", "method", "amount", "tendered",
                                  "change_amount", "status", "reference", "created_by", "created_at", "business_date"))
    if inserted is not None and data["status"] == PAID:
        _flag_overpayment(ctx.session, conn, device, data["order_uuid"])
        notification_triggers.note_payment(conn, device, data, ctx.now)  # the worker sends payment_received


def _flag_overpayment(session, conn, device, order_uuid: str) -> None:
    """More paid on an order than it was due (two copies of a till each took the money):
    the payments stand (they happened); head office is told."""
    found = conn.execute(_sql(conn).paid_against_due, {"b_outlet": device.outlet_id, "b_uuid": order_uuid}).first()
    if found is None or found.paid <= found.due:
        return
    continuity.record(session, device, "overpaid",
                      f"order {found.order_number} was paid {found.paid} (minor units) against {found.due} due: "
                      "a payment was taken twice (e.g. on a restored copy of the till); refund the customer",
                      order_uuid=order_uuid, detail={"paid": int(found.paid), "due": int(found.due)})


def _refund(ctx: _Apply, data: dict) -> None:
    conn, device = ctx.conn, ctx.device
    _append_once(conn, ctx.sql.refund, device, {**data, "business_date": _business_date(conn, device, data)},
                 ctx.now, ("uuid", "order_uuid", "shift_uuid", "kind", "method", "amount", "reason", "lines",
                       "created_by", "created_at", "business_date"))
    notification_triggers.note_refund(conn, device, data, ctx.now)  # noted once per refund (its unique key)


def _stock_moved(ctx: _Apply, data: dict) -> None:
    """A movement document of the outlet's stock ledger: one row per stock item, appended
    once (its (outlet, uuid, item) key: a replay adds nothing)."""
    items = [line["stock_item_id"] for line in data["lines"]]
    if len(set(items)) != len(items):
        raise EventRejected("stock.moved lists a stock item twice")
    device = ctx.device
    ctx.conn.execute(ctx.sql.stock, [
        {"tenant_id": device.tenant_id, "outlet_id": device.outlet_id, "uuid": data["uuid"],
         "stock_item_id": line["stock_item_id"], "kind": data["kind"], "quantity": line["quantity"],
         "cost": line.get("cost"), "reason": data.get("reason") or "", "order_uuid": data.get("order_uuid"),
         "created_by": data.get("created_by"), "created_at": data["created_at"], "received_at": ctx.now}
        for line in data["lines"]])
    if data["kind"] == "transfer_in":
        _transfer_received(ctx, data)


def _transfer_received(ctx: _Apply, data: dict) -> None:
    """The receiving outlet took a transfer in (the movement's uuid is the transfer's):
    the transfer is received (through the ORM, so the change reaches the outlet's pull)."""
    transfer = ctx.session.execute(select(Transfer).where(
        Transfer.tenant_id == ctx.device.tenant_id, Transfer.uuid == data["uuid"])).scalar_one_or_none()
    if transfer is None or transfer.to_outlet_id != ctx.device.outlet_id:
        raise EventRejected("transfer_in names no transfer on its way to this outlet")
    if transfer.status != "received":
        transfer.status, transfer.received_by, transfer.received_at = "received", data.get("created_by"), \
            data["created_at"]
        ctx.session.flush()


def _transfer_sent(ctx: _Apply, data: dict) -> None:
    """An outlet sent stock to another of the tenant's outlets (its `transfer_out` is in its
    ledger already): the transfer is on its way, and the receiver pulls it."""
    device = ctx.device
    to_outlet = ctx.session.execute(select(Outlet).where(Outlet.id == data["to_outlet_id"],
                                                         Outlet.tenant_id == device.tenant_id)).scalar_one_or_none()
    if to_outlet is None or to_outlet.id == device.outlet_id:
        raise EventRejected("transfer.sent names no other outlet of this tenant")
    if ctx.session.execute(select(Transfer.id).where(Transfer.uuid == data["uuid"])).first() is not None:
        return
    sender = ctx.session.get(Outlet, device.outlet_id)
    ctx.session.add(Transfer(
        tenant_id=device.tenant_id, uuid=data["uuid"], from_outlet_id=device.outlet_id, from_outlet_name=sender.name,
        to_outlet_id=to_outlet.id, status="in_transit", note=data.get("note") or "", sent_by=data.get("sent_by"),
        sent_at=data["sent_at"], lines=[{"stock_item_id": line["stock_item_id"], "quantity": line["quantity"]}
                                        for line in data["lines"]]))
    ctx.session.flush()


def _sold_out(ctx: _Apply, data: dict) -> None:
    """An outlet marked an item sold out ("86") or put it back: its row says the latest (by seq)."""
    device = ctx.device
    ctx.conn.execute(ctx.sql.sold_out, {
        "tenant_id": device.tenant_id, "outlet_id": device.outlet_id, "target": data["target"],
        "target_id": data["target_id"], "name": data.get("name") or "", "sold_out": data["sold_out"],
        "changed_by": data.get("changed_by"), "changed_at": data["changed_at"], "seq": ctx.seq,
        "received_at": ctx.now})


def _stocktake(ctx: _Apply, data: dict) -> None:
    """An outlet's posted count sheet, kept once (its (outlet, uuid) key) with its variance
    figures worked out for the dashboard; its adjustments arrive as `stock.moved`."""
    items = [line["stock_item_id"] for line in data["lines"]]
    if len(set(items)) != len(items):
        raise EventRejected("stocktake.posted lists a stock item twice")
    variances = [(line["counted"] - line["expected"], line["cost"]) for line in data["lines"]]
    device = ctx.device
    ctx.conn.execute(ctx.sql.stocktake, {
        "tenant_id": device.tenant_id, "outlet_id": device.outlet_id, "uuid": data["uuid"], "blind": data["blind"],
        "note": data.get("note") or "", "started_by": data.get("started_by"), "started_at": data["started_at"],
        "posted_by": data.get("posted_by"), "posted_at": data["posted_at"], "movement_uuid": data.get("movement_uuid"),
        "lines": [dict(line) for line in data["lines"]], "items_with_variance": sum(1 for v, _ in variances if v),
        "variance_value": sum(v * cost for v, cost in variances), "received_at": ctx.now})


def _receipt_requested(ctx: _Apply, data: dict) -> None:
    """A customer asked at the till for the e-receipt: noted once (the worker sends it)."""
    notification_triggers.note_receipt_request(ctx.conn, ctx.device, data, ctx.now)


def _shift(ctx: _Apply, data: dict) -> None:
    conn, device, now = ctx.conn, ctx.device, ctx.now
    sql = _sql(conn)
    found = conn.execute(sql.shift, {"b_outlet": device.outlet_id, "b_uuid": data["uuid"]}).first()
    if found is not None and found.version >= data["version"]:
        return
    values = {field: data.get(field) for field in ("terminal", "status", "opened_by", "opened_at", "opening_cash",
                                                   "closed_by", "closed_at", "z_report", "version")}
    values.update(counted=dict(data.get("counted") or {}), received_at=now,
                  movements=[{**m, "created_at": m["created_at"].isoformat() + "Z"} for m in data.get("movements", [])])
    if found is None:
        conn.execute(sql.shift_insert, {"tenant_id": device.tenant_id, "outlet_id": device.outlet_id,
                                        "uuid": data["uuid"], "device_id": device.id, **values})
    else:
        conn.execute(sql.shift_update, {"b_id": found.id, **values})


def _customer_upsert(ctx: _Apply, data: dict) -> None:
    session, device = ctx.session, ctx.device
    preferred = data.get("preferred_outlet_id")
    if preferred and session.execute(select(Outlet.id).where(Outlet.id == preferred,
                                                             Outlet.tenant_id == device.tenant_id)).first() is None:
        raise EventRejected(f"preferred outlet {preferred} is not an outlet of this tenant")
    customer = _customer(session, device.tenant_id, data["uuid"])
    if customer is None:
        customer = session.execute(select(Customer).where(Customer.tenant_id == device.tenant_id,
                                                          Customer.phone == data["phone"])
                                   .with_for_update(of=Customer).execution_options(populate_existing=True)
                                   ).scalar_one_or_none()
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


def _loyalty(ctx: _Apply, data: dict) -> None:
    session, device, seq, now = ctx.session, ctx.device, ctx.seq, ctx.now
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


def _promotion_usage(ctx: _Apply, data: dict) -> None:
    """Count one order's use of a promotion once (its unique key), then recount the
    promotion's and this outlet's allowance's counters. A counter that changed gets the
    tenant's next change version, as an ORM flush would give it, so outlets pull it."""
    session, conn, device, seq, now = ctx.session, ctx.conn, ctx.device, ctx.seq, ctx.now
    # locked first: the counters below are recounted and written back, so a push of
    # another outlet counting the same promotion waits for this one's uses to commit
    promotion = conn.execute(select(Promotion.id, Promotion.tenant_id, Promotion.usage_count)
                             .where(Promotion.id == data["promotion_id"]).with_for_update()).first()
    if promotion is None and _was_deleted(conn, device.tenant_id, "promotion", data["promotion_id"]):
        # Head office deleted it while this outlet's uses were still queued: the order
        # (with its discount) arrives in its own event; there is no counter left to keep.
        return
    if promotion is None or promotion.tenant_id != device.tenant_id:
        raise EventRejected(f"unknown promotion {data['promotion_id']}")
    if data["count"] > 0:
        conn.execute(_sql(conn).usage, {
            "tenant_id": device.tenant_id, "promotion_id": promotion.id, "outlet_id": device.outlet_id,
            "customer_uuid": data.get("customer_uuid"), "order_uuid": data["order_uuid"], "count": 1,
            "discount_amount": data["discount_amount"], "used_at": now})
    else:
        conn.execute(delete(PromotionUsage).where(
            PromotionUsage.outlet_id == device.outlet_id, PromotionUsage.order_uuid == data["order_uuid"],
            PromotionUsage.promotion_id == promotion.id))
    used = func.coalesce(func.sum(PromotionUsage.count), 0)
    changed = []
    usage_count = conn.execute(select(used).where(PromotionUsage.promotion_id == promotion.id)).scalar_one()
    if usage_count != promotion.usage_count:
        changed.append((Promotion, promotion.id, {"usage_count": usage_count}))
    allowance = conn.execute(select(PromotionAllowance.id, PromotionAllowance.used).where(
        PromotionAllowance.promotion_id == promotion.id, PromotionAllowance.outlet_id == device.outlet_id)).first()
    if allowance is not None:
        outlet_used = conn.execute(select(used).where(PromotionUsage.promotion_id == promotion.id,
                                                      PromotionUsage.outlet_id == device.outlet_id)).scalar_one()
        if outlet_used != allowance.used:
            changed.append((PromotionAllowance, allowance.id, {"used": outlet_used}))
    if changed:
        fresh = versions.next_versions(conn, device.tenant_id, len(changed))
        for (model, row_id, values), version in zip(changed, fresh, strict=True):
            conn.execute(update(model.__table__).where(model.__table__.c.id == row_id)
                         .values(sync_version=version, **values))  # updated_at: its onupdate
    customer = _customer(session, device.tenant_id, data.get("customer_uuid"))
    if customer is not None:
        _mark_applied(customer, device, seq)
        customer.updated_at = now  # its usage counts changed: outlets should pull it


def _was_deleted(conn, tenant_id: int, entity: str, entity_id: int) -> bool:
    return conn.execute(select(Tombstone.id).where(
        Tombstone.tenant_id == tenant_id, Tombstone.entity == entity, Tombstone.entity_id == entity_id).limit(1)
    ).first() is not None


def _audit(ctx: _Apply, data: dict) -> None:
    audit.ingest(ctx.session, ctx.device.tenant_id, ctx.device.outlet_id, data, ctx.now)


APPLY = {
    "order.snapshot": _order, "payment.recorded": _payment, "refund.recorded": _refund,
    "shift.snapshot": _shift, "customer.upserted": _customer_upsert, "loyalty.accrued": _loyalty,
    "promotion.usage": _promotion_usage, "stock.moved": _stock_moved, "audit.recorded": _audit,
    "receipt.requested": _receipt_requested, "sold_out.changed": _sold_out, "stocktake.posted": _stocktake,
    "transfer.sent": _transfer_sent,
}


def _result(event_id: str, status: str, reason: str | None = None) -> dict:
    return {"event_id": event_id, "status": status, "reason": reason}


class _LookAgain(Exception):
    """The processed row changed under this event's claim: begin the event afresh."""


def _claim(conn, device: Device, event: dict, now, rejection: str | None) -> dict | None:
    """Insert the event's processed row (applied, or rejected with the reason) in this
    transaction, before any of its effects: one INSERT ... ON CONFLICT DO NOTHING. A
    twin committing at the same moment holds the unique key: the insert waits for it and
    then finds it. Returns None when this transaction owns the row, else the answer
    (`duplicate` / `conflict`) to give. The transaction may commit without waiting for
    the disk (PostgreSQL; SQLite's level is set around the events)."""
    sql = _sql(conn)
    claimed = conn.execute(sql.claim, _claim_row(device, event, now, rejection)).first()
    if claimed is not None:
        return None
    return _settle_taken(conn, device, event, now, rejection, relaxed=True)


def _claim_row(device: Device, event: dict, now, rejection: str | None) -> dict:
    return {"tenant_id": device.tenant_id, "outlet_id": device.outlet_id, "device_id": device.id,
            "event_id": event["event_id"], "seq": event["seq"], "event_type": event["type"],
            "payload_sha256": event["payload_sha256"], "occurred_at": event["occurred_at"], "received_at": now,
            "status": APPLIED if rejection is None else REJECTED, "reason": rejection}


def _settle_taken(conn, device: Device, event: dict, now, rejection: str | None, relaxed: bool) -> dict | None:
    """The event's processed row exists already: the answer to give (`duplicate` /
    `conflict`), or None when it was rejected before and this transaction now owns it."""
    sql = _sql(conn)
    values = {k: v for k, v in _claim_row(device, event, now, rejection).items()
              if k not in ("tenant_id", "outlet_id", "device_id", "event_id")}
    prior = conn.execute(sql.prior, {"b_outlet": device.outlet_id, "b_event": event["event_id"]}).first()
    if prior is None:
        raise _LookAgain  # the twin holding the key rolled back
    if prior.status == APPLIED:
        if prior.payload_sha256 == event["payload_sha256"]:
            return _result(event["event_id"], DUPLICATE)
        return _result(event["event_id"], CONFLICT, "this event id was already applied with different content")
    # rejected before (a manager's retry, or a fix at the cloud): looked at afresh
    if conn.execute(sql.retake if relaxed else sql.retake_durable, {"b_id": prior.id, **values}).first() is None:
        raise _LookAgain  # a twin applied it meanwhile
    return None


@dataclass
class _Parsed:
    """An event as read off the wire: its answer already, or what to claim and apply."""

    event_id: str
    event: dict | None = None
    data: dict | None = None
    rejection: str | None = None
    answer: dict | None = None  # settled without touching the database
    rejected_as: str = REJECTED  # or CONFLICT: the answer a rejection found while applying gets
    discrepancy: dict | None = None  # what head office is told with the rejection


def _parse(raw) -> _Parsed:
    event_id = str(raw.get("event_id", "")) if isinstance(raw, dict) else ""
    try:
        event = protocol.envelope(raw)
    except EventRejected as rejected:
        return _Parsed(event_id, answer=_result(event_id, REJECTED, str(rejected)))
    event_id = event["event_id"]
    if event["seq"] > MAX_SEQ:
        return _Parsed(event_id, answer=_result(event_id, REJECTED, f"seq {event['seq']} is out of range"))
    try:
        return _Parsed(event_id, event, protocol.payload(event))
    except EventRejected as rejected:
        return _Parsed(event_id, event, rejection=str(rejected)[:MAX_REASON_CHARS])


def _apply(session, conn, device: Device, parsed: _Parsed, now) -> dict | None:
    """Claim the event and apply its effects in the session's transaction, without
    committing. Returns the answer when the claim settles it (duplicate or conflict; it
    wrote nothing), else None. Raises what the event's effects raise."""
    answer = _claim(conn, device, parsed.event, now, parsed.rejection)
    if answer is not None:
        return answer
    _effects(session, conn, device, parsed, now)
    return None


def _effects(session, conn, device: Device, parsed: _Parsed, now, pending_lines: dict | None = None) -> None:
    if parsed.rejection is None:
        try:
            kind = parsed.event["type"]
            ctx = _Apply(session, conn, device, parsed.event["seq"], now,
                         pending_lines if kind == "order.snapshot" else None)
            APPLY[kind](ctx, parsed.data)
            session.flush()
        except (DataError, OverflowError):  # a number too large for its column
            raise EventRejected("a value in the payload is out of range") from None


def apply_event(session, device: Device, raw: dict) -> dict:
    """Apply one event in its own transaction, which holds its processed row and all its
    effects, or its processed row marked rejected and no effect; returns its result.
    Commits (or rolls back a duplicate)."""
    now = utcnow()
    parsed = _parse(raw)
    if parsed.answer is not None:
        return parsed.answer
    retries = 0
    while True:
        try:
            answer = _apply(session, session.connection(), device, parsed, now)
            if answer is not None:
                session.rollback()
                return answer
            if parsed.discrepancy is not None:
                continuity.record(session, device, parsed.discrepancy["kind"], parsed.discrepancy["message"],
                                  order_uuid=parsed.discrepancy.get("order_uuid"),
                                  detail=parsed.discrepancy.get("detail"))
            session.commit()
            return _result(parsed.event_id, APPLIED if parsed.rejection is None else parsed.rejected_as,
                           parsed.rejection)
        except EventRejected as rejected:
            # none of its effects stay: the processed row alone, marked rejected, in a
            # transaction of its own (the next pass, which applies nothing, so it is the
            # last; it uses none of the retries), with the discrepancy it raised for head
            # office; the queue behind it moves on
            session.rollback()
            parsed.rejection = str(rejected)[:2000]
            parsed.rejected_as, parsed.discrepancy = rejected.status, rejected.discrepancy
        except (IntegrityError, OperationalError, _LookAgain):
            # a twin of this event committed first, or another event of the same order
            # raced this one: begin again; the claim then tells which it was
            session.rollback()
            retries += 1
            if retries >= MAX_ATTEMPTS:
                raise


def _apply_together(session, device: Device, raw_events: list) -> list | None:
    """The common case in one transaction: every event's claim (one INSERT of all the
    batch's processed rows) and effects (the order lines of the whole batch in one
    INSERT at its end), uncommitted (the caller adds the device's row and commits once,
    durably). None, with nothing written, when an event's effects
    must roll back alone (a rejection found while applying, a value out of range) or a
    twin raced the batch: then each event goes through `apply_event` in its own
    transaction."""
    parsed = [_parse(raw) for raw in raw_events]
    now = utcnow()
    pending_lines: dict[int, list] = {}
    try:
        conn = session.connection()
        owned = _claim_all(conn, device, [p for p in parsed if p.answer is None], now)
        for event in parsed:
            if event.answer is not None:
                continue
            if event.event_id in owned:
                owned.discard(event.event_id)  # a second copy in the batch finds the row taken
                answer = None
            else:
                answer = _settle_taken(conn, device, event.event, now, event.rejection, relaxed=False)
            if answer is None:
                _effects(session, conn, device, event, now, pending_lines)
                answer = _result(event.event_id, APPLIED if event.rejection is None else REJECTED, event.rejection)
            event.answer = answer
        if pending_lines:
            conn.execute(_sql(conn).lines_insert, [line for lines in pending_lines.values() for line in lines])
    except (EventRejected, IntegrityError, OperationalError, DataError, OverflowError, _LookAgain):
        session.rollback()
        return None
    return [event.answer for event in parsed]


def _claim_all(conn, device: Device, parsed: list[_Parsed], now) -> set[str]:
    """Insert the processed rows of these events at once; the ids of those this
    transaction now owns (a row already there, or a twin's, is left out)."""
    if not parsed:
        return set()
    rows = [_claim_row(device, p.event, now, p.rejection) for p in parsed]
    return set(conn.execute(_sql(conn).claim_many, rows).scalars())


@dataclass(frozen=True)
class Sender:
    """The pushing device's keys as plain values. Event by event, every event commits,
    and a commit expires the Device row: reading the keys from it cost a query each."""

    id: int
    tenant_id: int
    outlet_id: int


def push(session, device: Device, raw_events: list, device_time=None, received_at=None) -> dict:
    """Apply a batch in order. Commonly the whole batch and the device's row (last seen,
    last seq, clock skew) commit together, once and durably. When an event must roll
    back alone, each event commits on its own without waiting for the disk, then the
    device's row commits durably, which makes the whole batch durable before the answer
    leaves. The device's clock skew is measured against `received_at` (when the request
    arrived), so a slow batch does not bias it."""
    received_at = received_at or utcnow()
    sender = Sender(device.id, device.tenant_id, device.outlet_id)
    reused_from = _seq_reused_from(session, sender, device.last_pushed_seq or 0, raw_events)
    # End the read that loaded the device's keys: the batch's transaction begins afresh
    # (on SQLite, IMMEDIATE when the caller asks, and at the durable level).
    session.rollback()
    results = _apply_together(session, sender, raw_events)
    if results is None:
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
        # clamped to its integer column: a clock decades off must not fail the batch it rides with
        skew = int((device_time - received_at).total_seconds())
        values["last_clock_skew_s"] = max(-MAX_SEQ, min(MAX_SEQ, skew))
    # Outside the relaxed block, a write on every push: this commit is a durable one
    # (SQLite FULL syncs the WAL with every frame before it; PostgreSQL flushes the WAL
    # up to here), so nothing of the batch is answered before it is on disk.
    stored_seq = session.execute(update(Device).where(Device.id == sender.id).values(**values)
                                 .returning(Device.last_pushed_seq)).scalar_one()
    session.commit()
    return {"results": results, "last_seq": max(seqs) if seqs else stored_seq, "device_last_seq": stored_seq,
            "seq_reused_from": reused_from}


def _seq_reused_from(session, device: Sender, prior_seq: int, raw_events: list) -> int | None:
    """The lowest seq in this push that the device had already used for another event:
    its database went back (a restored backup, a lost write, a copy running as a second
    till) and hands out numbers again. Commonly a push's seqs all lie above what the
    cloud has seen, and this costs nothing; a resend's events are all known ones."""
    candidates = {raw["event_id"]: raw["seq"] for raw in raw_events if isinstance(raw, dict)
                  and isinstance(raw.get("seq"), int) and raw["seq"] <= prior_seq
                  and isinstance(raw.get("event_id"), str)}
    if not candidates:
        return None
    known = set(session.execute(select(PROCESSED.c.event_id).where(
        PROCESSED.c.outlet_id == device.outlet_id, PROCESSED.c.event_id.in_(list(candidates)))).scalars())
    fresh = [seq for event_id, seq in candidates.items() if event_id not in known]
    return min(fresh) if fresh else None
