"""When this edge's database is behind what the cloud has seen from it.

A restored backup, a disk that lost the tail of its WAL, or a copy of the data dir started
as a second till all hold fewer outbox events than the cloud has seen from the device
(its `last_pushed_seq`). Selling on from such a database would reissue order numbers,
reuse outbox sequence numbers, show paid orders as unpaid (and take the money again) and
hide the orders the lost writes held. So, when the cloud says it has seen more than the
database holds (at start, before selling, and in every push answer), the edge:

1. pauses selling (writes answer 503 CATCHING_UP for the seconds this takes);
2. takes back from the cloud its orders (with payments and refunds) and shifts that the
   cloud received after the first event the database no longer holds: a missing one is
   inserted, an older local copy is replaced (its unsent snapshots are dismissed as
   superseded: the cloud holds the newer state); nothing is queued for the cloud again;
3. moves its outbox counter past every seq the cloud has seen, so no number is reused;
4. takes a new identity from the cloud (a new device with its own numbering space,
   recorded with the device it came from), so it can never issue an order number the
   other copy (if one still runs) issues; the old credential is kept beside it;
5. records what happened as an incident the manager sees (`pos sync status`, GET
   /api/sync/status/), while the cloud records a discrepancy for head office.

If the cloud cannot be reached, selling goes on (offline-first): the check runs again on
the next successful push.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select, text, update
from sqlalchemy.orm import selectinload

from edge.context import running_app
from edge.models import (
    CashMovement,
    Customer,
    Order,
    OrderItem,
    OrderPromotion,
    OutboxEvent,
    Payment,
    Refund,
    Shift,
    SyncIncident,
    SyncState,
)
from edge.services.selling import numbering, orders
from edge.services.storage.uow import write_transaction
from edge.services.syncing import credentials, mirror_cache, outbox
from edge.services.syncing import status as sync_status
from sync.client import CloudClient, CloudError, Refused
from sync.errors import Unavailable
from sync.schemas import events
from sync.timeutil import utcnow

log = logging.getLogger(__name__)
PAGE = 200  # orders per page: each page is one write transaction (a short stall of the loop)
_lock = threading.Lock()


class CatchingUp(Unavailable):
    def __init__(self, reason: str):
        super().__init__(f"This till is catching up with head office: {reason}. Selling resumes by itself in a "
                         "moment; nothing already sold is lost.", "CATCHING_UP")


@dataclass
class Recovered:
    cloud_seq: int = 0
    local_seq: int = 0
    orders_added: int = 0
    orders_updated: int = 0
    payments: int = 0
    refunds: int = 0
    shifts: int = 0
    superseded_events: int = 0
    paid_here_too: list[str] = field(default_factory=list)  # order numbers paid on this copy and the cloud's
    renumbered: list[tuple] = field(default_factory=list)  # (uuid, number) of ours the cloud's copy holds too
    new_device_id: int | None = None
    new_number_space: int | None = None


# --- the pause --------------------------------------------------------------------------

def _state(app=None) -> dict:
    return (app or running_app()).extensions.setdefault("pos_continuity", {"catching_up": None})


def catching_up(app=None) -> str | None:
    """Why selling is paused (the database is catching up with the cloud), or None."""
    return _state(app)["catching_up"]


def refuse_if_catching_up() -> None:
    reason = _state()["catching_up"]
    if reason is not None:
        raise CatchingUp(reason)


# --- the check --------------------------------------------------------------------------


def behind(app, client: CloudClient, cloud_seq: int | None = None,
           after_seq: int | None = None) -> tuple[int, int] | None:
    """(what the cloud has seen, what the database still holds) when the database is behind
    the cloud, else None. `cloud_seq` from a push answer saves asking; `after_seq`: the
    cloud said this database numbered events after it again (it went back, then sold).
    Raises CloudError when the cloud cannot be asked (the caller sells on)."""
    with app.app_context():
        from edge.extensions import db

        if cloud_seq is None:
            device = client.device()
            _learn_number_space(app, device)
            cloud_seq = device["last_pushed_seq"]
        local = outbox.local_high_seq(db.session)
        if after_seq is not None:
            return cloud_seq, min(local, after_seq)  # the events after it are not the ones the cloud saw
        return (cloud_seq, local) if cloud_seq > local else None


def pause(app, cloud_seq: int, local: int) -> None:
    _state(app)["catching_up"] = (
        f"its records went back behind head office's (it holds events up to {local}, head office has seen "
        f"{cloud_seq}: a restored backup, a lost write or a copied till)")


def check(app, client: CloudClient, cloud_seq: int | None = None, after_seq: int | None = None) -> Recovered | None:
    """`behind`, then `catch_up` when it is. Returns what was recovered, or None."""
    found = behind(app, client, cloud_seq, after_seq)
    return None if found is None else catch_up(app, client, *found)


def _learn_number_space(app, device: dict) -> None:
    """An edge enrolled before numbering spaces learns its own from the cloud."""
    from edge.extensions import db

    row = db.session.get(SyncState, 1)
    db.session.rollback()
    if row is not None and row.device_id == device["device_id"] and row.number_space == device["number_space"]:
        return
    with write_transaction() as session:
        state = sync_status.state(session)
        state.device_id, state.number_space = device["device_id"], device["number_space"]
    mirror_cache.clear()


def catch_up(app, client: CloudClient, cloud_seq: int, local: int) -> Recovered:
    """Take back what the database lost, move its counter, take a new identity (see the
    module's docstring); selling is paused meanwhile. Raises CloudError if the cloud goes
    away midway (what was merged stays; the next check starts again)."""
    with _lock, app.app_context():
        pause(app, cloud_seq, local)
        log.warning("this database is behind the cloud (holds seq %d, the cloud has seen %d): catching up", local,
                    cloud_seq)
        try:
            return _catch_up(app, client, cloud_seq, local)
        finally:
            _state(app)["catching_up"] = None
            mirror_cache.clear()


def _catch_up(app, client: CloudClient, cloud_seq: int, local: int) -> Recovered:
    outcome = Recovered(cloud_seq=cloud_seq, local_seq=local)
    after_id = 0
    while True:
        page = client.recovery(local, after_id, PAGE)
        with write_transaction() as session:
            if after_id == 0:
                for shift in page["shifts"]:
                    outcome.shifts += _merge_shift(session, events.load("shift.snapshot", shift))
            _merge_orders(session, page["orders"], outcome)
        if page["next_after_id"] is None:
            break
        after_id = page["next_after_id"]
    with write_transaction() as session:
        _raise_counter(session, cloud_seq)
    _take_new_identity(app, client, local, outcome)
    with write_transaction() as session:
        for uuid, number in outcome.renumbered:
            order = orders.find_by_uuid(session, uuid)
            orders.renumber(session, order, "another copy of this till had used its number", shown_as=number)
        session.add(SyncIncident(kind="database_behind", message=_describe(outcome), detail=outcome.__dict__,
                                 device_id=outcome.new_device_id))
    log.warning("caught up: %s", _describe(outcome))
    return outcome


def _describe(outcome: Recovered) -> str:
    said = (f"This till's records were behind head office's (it held events up to {outcome.local_seq}, head office "
            f"had seen {outcome.cloud_seq}). Taken back from head office: {outcome.orders_added} orders added, "
            f"{outcome.orders_updated} brought up to date, {outcome.payments} payments, {outcome.refunds} refunds, "
            f"{outcome.shifts} shifts; {outcome.superseded_events} unsent changes superseded.")
    if outcome.new_device_id:
        said += (f" It now runs as device {outcome.new_device_id} (order numbers with terminals "
                 f"{(outcome.new_number_space - 1) * 100 + 1}+).")
    if outcome.renumbered:
        said += f" {len(outcome.renumbered)} orders sold here got new numbers (the other copy had used theirs)."
    if outcome.paid_here_too:
        said += (f" Paid here and elsewhere too (check for a double charge): {', '.join(outcome.paid_here_too)}.")
    return said


# --- merging the cloud's copy -----------------------------------------------------------

_ORDER_FIELDS = ("order_number", "outlet_id", "terminal", "business_date", "shift_uuid", "status", "source",
                 "customer_uuid", "customer_name", "customer_phone", "note", "subtotal", "discount_amount",
                 "service_charge", "tax_amount", "rounding_amount", "total_amount", "paid_amount", "change_amount",
                 "voided_amount", "refunded_amount", "version", "cashier_id", "cancel_reason", "created_at",
                 "confirmed_at", "preparing_at", "ready_at", "served_at", "completed_at", "cancelled_at")
_ITEM_FIELDS = ("line_no", "product_id", "product_name", "sku", "category_id", "station", "quantity", "modifiers",
                "note", "unit_price", "gross", "discount_amount", "total_price", "service_charge", "tax_amount",
                "line_total", "prep_status", "voided_quantity", "refunded_quantity")


def _uuid_map(session, model, uuids) -> dict[str, int]:
    uuids = [u for u in set(uuids) if u]
    if not uuids:
        return {}
    return dict(session.execute(select(model.uuid, model.id).where(model.uuid.in_(uuids))).all())


def _merge_orders(session, entries: list[dict], outcome: Recovered) -> None:
    """One page of the cloud's orders, with what the database holds of them read up front
    (a few queries per page, not per order)."""
    page = [(events.load("order.snapshot", e["order"]), e) for e in entries]
    if not page:
        return
    numbering.note_used_many(session, [(d["order_number"], d["business_date"]) for d, _ in page])
    held = {o.uuid: o for o in session.execute(select(Order).options(
        selectinload(Order.items), selectinload(Order.promotions), selectinload(Order.payments))
        .where(Order.uuid.in_([d["uuid"] for d, _ in page]))).scalars()}
    holders = {o.order_number: o for o in session.execute(select(Order).where(
        Order.order_number.in_([d["order_number"] for d, _ in page]))).scalars()}
    shifts = _uuid_map(session, Shift, [d["shift_uuid"] for d, _ in page])
    customers = _uuid_map(session, Customer, [d["customer_uuid"] for d, _ in page])
    merged = []
    for data, entry in page:
        order = held.get(data["uuid"])
        if order is not None and order.version >= data["version"]:
            continue  # this copy holds it as new as the cloud does (or newer: it will send it)
        clash = holders.get(data["order_number"])
        if clash is not None and clash.uuid != data["uuid"]:  # sold here under a number the other copy used
            clash.order_number = f"{clash.order_number}*{clash.id}"
            outcome.renumbered.append((clash.uuid, data["order_number"]))
            session.flush()
        _adopt(session, order, data, entry, outcome, shifts, customers)
        merged.append((data, entry))
    session.flush()
    ids = dict(session.execute(select(Order.uuid, Order.id).where(Order.uuid.in_([d["uuid"] for d, _ in merged])))
               .all()) if merged else {}
    payments = [(data, events.load("payment.recorded", raw)) for data, entry in merged for raw in entry["payments"]]
    refunds = [(data, events.load("refund.recorded", raw)) for data, entry in merged for raw in entry["refunds"]]
    known = set(_uuid_map(session, Payment, [p["uuid"] for _, p in payments])) | set(
        _uuid_map(session, Refund, [r["uuid"] for _, r in refunds]))
    shifts.update(_uuid_map(session, Shift, [p["shift_uuid"] for _, p in payments + refunds]))
    for data, payment in payments:
        if payment["uuid"] not in known:
            session.add(Payment(uuid=payment["uuid"], order_id=ids[data["uuid"]], shift_id=shifts.get(
                payment["shift_uuid"]), **{f: payment[f] for f in (
                    "shift_uuid", "terminal", "method", "amount", "tendered", "change_amount", "status", "reference",
                    "created_by", "created_at")}))
            outcome.payments += 1
    lines = {}
    if refunds:
        lines = {(uuid, line_no): item_id for uuid, line_no, item_id in session.execute(
            select(Order.uuid, OrderItem.line_no, OrderItem.id).join(OrderItem, OrderItem.order_id == Order.id)
            .where(Order.uuid.in_({d["uuid"] for d, _ in refunds})))}
    for data, refund in refunds:
        if refund["uuid"] not in known:
            session.add(Refund(uuid=refund["uuid"], order_id=ids[data["uuid"]], shift_id=shifts.get(
                refund["shift_uuid"]), lines=[{"item_id": lines.get((data["uuid"], line["line_no"])), **line}
                                              for line in refund["lines"]],
                **{f: refund[f] for f in ("shift_uuid", "kind", "method", "amount", "reason", "created_by",
                                          "created_at")}))
            outcome.refunds += 1


def _adopt(session, order: Order | None, data: dict, entry: dict, outcome: Recovered, shifts: dict,
           customers: dict) -> None:
    """The cloud's state of one order, in place of the database's (or new)."""
    if order is None:
        order = Order(uuid=data["uuid"], promo_codes=[])
        session.add(order)
        outcome.orders_added += 1
    else:
        outcome.orders_updated += 1
        theirs = {p["uuid"] for p in entry["payments"]}
        if any(p.uuid not in theirs for p in order.payments):
            outcome.paid_here_too.append(order.order_number)
        order.items.clear()
        order.promotions.clear()
        session.flush()  # the old lines go before the new ones take their numbers
        outcome.superseded_events += session.execute(
            update(OutboxEvent).where(OutboxEvent.aggregate_id == order.uuid, OutboxEvent.type == "order.snapshot",
                                      OutboxEvent.status == "pending",
                                      OutboxEvent.aggregate_version <= data["version"])
            .values(status="dismissed", resolution="superseded", resolved_at=utcnow())).rowcount
    for name in _ORDER_FIELDS:
        setattr(order, name, data[name])
    order.table_label = data["table"]
    order.synced_version = data["version"]
    order.updated_at = utcnow()
    order.shift_id = shifts.get(data["shift_uuid"])
    order.customer_id = customers.get(data["customer_uuid"])
    order.items = [OrderItem(**{f: item[f] for f in _ITEM_FIELDS}) for item in data["items"]]
    order.promotions = [OrderPromotion(promotion_id=p["promotion_id"], name=p["name"], code=p["code"],
                                       discount_amount=p["discount_amount"], line_discounts=[])
                        for p in data["promotions"]]
    order.promo_codes = [p["code"] for p in data["promotions"] if p["code"]]


def _merge_shift(session, data: dict) -> int:
    shift = session.execute(select(Shift).where(Shift.uuid == data["uuid"])).scalar_one_or_none()
    if shift is not None and shift.version >= data["version"]:
        return 0
    if shift is None:
        shift = Shift(uuid=data["uuid"])
        session.add(shift)
    for name in ("terminal", "status", "opened_by", "opened_at", "opening_cash", "closed_by", "closed_at",
                 "z_report", "version"):
        setattr(shift, name, data[name])
    shift.counted = dict(data["counted"])
    session.flush()
    known = set(_uuid_map(session, CashMovement, [m["uuid"] for m in data["movements"]]))
    for movement in data["movements"]:
        if movement["uuid"] not in known:
            session.add(CashMovement(shift_id=shift.id, created_by=movement["created_by"] or 0,
                                     **{f: movement[f] for f in ("uuid", "kind", "amount", "reason", "created_at")}))
    session.execute(update(OutboxEvent).where(
        OutboxEvent.aggregate_id == shift.uuid, OutboxEvent.type == "shift.snapshot", OutboxEvent.status == "pending",
        OutboxEvent.aggregate_version <= data["version"]).values(status="dismissed", resolution="superseded",
                                                                 resolved_at=utcnow()))
    return 1


def _raise_counter(session, cloud_seq: int) -> None:
    """No seq the cloud has seen from this device is handed out again."""
    moved = session.execute(text("UPDATE sqlite_sequence SET seq = max(seq, :seq) WHERE name = 'outbox'"),
                            {"seq": cloud_seq}).rowcount
    if not moved:
        session.execute(text("INSERT INTO sqlite_sequence (name, seq) VALUES ('outbox', :seq)"), {"seq": cloud_seq})


# --- the new identity --------------------------------------------------------------------

def _take_new_identity(app, client: CloudClient, local: int, outcome: Recovered) -> None:
    data_dir = Path(app.config["DATA_DIR"])
    old = credentials.load_device(data_dir)
    try:
        body = client.fork(local, f"{old.device_name} (restored)" if old else None)
    except Refused as refused:
        log.error("the cloud refused a new identity for this copy (%s): keeping the old one", refused)
        return
    except CloudError:
        raise
    new = credentials.DeviceCredential(
        device_id=body["device_id"], device_token=body["device_token"], cloud_url=old.cloud_url,
        tenant_id=old.tenant_id, outlet_id=old.outlet_id, outlet_code=old.outlet_code,
        device_name=f"{old.device_name} (restored)"[:120], number_space=body["number_space"],
        forked_from_id=old.device_id)
    credentials.save_device(data_dir, old, name=f"device.{old.device_id}.json")  # kept: the other copy may run on
    credentials.save_device(data_dir, new)
    with write_transaction() as session:
        state = sync_status.state(session)
        state.device_id, state.number_space = new.device_id, new.number_space
    mirror_cache.clear()
    client.become(new.device_id, new.device_token)
    outcome.new_device_id, outcome.new_number_space = new.device_id, new.number_space
