"""Orders at the outlet: pricing a cart, creating and changing orders, the status flow.

Every change is one write transaction holding the order, its outbox event (the whole
order snapshot with a new version) and, when the kitchen must know, its kitchen event.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy import update as sa_update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.util import identity_key

from edge.models import (
    Customer,
    MirrorAllowance,
    MirrorPromotion,
    Order,
    OrderItem,
    OrderPromotion,
    OutboxEvent,
    PromotionUse,
)
from edge.services import audit
from edge.services.inventory import stock
from edge.services.kitchen import kitchen_log
from edge.services.printing import jobs as printing
from edge.services.selling import catalog, customers
from edge.services.selling.numbering import next_order_number
from edge.services.selling.pricing import CartLine, ModifierChoice, PricedOrder, price_order
from edge.services.selling.promotion_rules import CodeRejection, PromotionRule, explain_unapplied, select_promotions
from edge.services.storage import rows
from edge.services.syncing import mirror_cache, outbox
from edge.services.syncing import outlet as outlet_settings
from sync import vocab
from sync.errors import Conflict, Forbidden, Invalid, NotFound, Unprocessable
from sync.ids import is_uuid, new_uuid
from sync.money import format_amount
from sync.schemas import events
from sync.timeutil import utcnow
from sync.vocab import TIMESTAMP_OF, TRANSITIONS

log = logging.getLogger(__name__)

EDITABLE = vocab.EDITABLE_STATUSES
KITCHEN_STATUSES = vocab.KITCHEN_SET_STATUSES


@dataclass(frozen=True)
class LineWanted:
    """One line of a cart as the till asks for it."""

    product_id: int
    quantity: int
    modifier_ids: tuple[int, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class CustomerRef:
    """Who an order is for: a known customer by id (refused when unknown), or a phone
    (the customer it belongs to, if any). Neither: nobody."""

    id: int | None = None
    phone: str | None = None


@dataclass(frozen=True)
class NewOrder:
    """What a new order asks for, built by the API layer from the request."""

    lines: tuple[LineWanted, ...]
    client_uuid: str | None = None
    status: str | None = None  # draft or pending; None: pending
    source: str = "pos"
    customer: CustomerRef = CustomerRef()
    customer_name: str = ""
    table: str = ""
    note: str = ""
    promo_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrderPatch:
    """A change to a draft or pending order; None leaves that part as it is. A `customer`
    given with neither id nor phone takes the customer off the order."""

    lines: tuple[LineWanted, ...] | None = None
    promo_codes: tuple[str, ...] | None = None
    customer: CustomerRef | None = None
    customer_name: str | None = None
    table: str | None = None
    note: str | None = None
    source: str | None = None
    status: str | None = None

    @property
    def reprices(self) -> bool:
        return self.lines is not None or self.promo_codes is not None or self.customer is not None


@dataclass
class Quote:
    lines: list[CartLine]
    items: list[dict]            # what each line sells: product, modifiers, note, station
    priced: PricedOrder
    rejections: tuple[CodeRejection, ...]


# --- pricing a cart ------------------------------------------------------------------

def _cart(session, items: Sequence[LineWanted]) -> tuple[list[CartLine], list[dict]]:
    if not items:
        raise Invalid("An order needs at least one item", "EMPTY_ORDER", "items")
    products = catalog.load_for_sale(session, {item.product_id for item in items})
    zero_stock = outlet_settings.zero_stock(session)
    lines, sold = [], []
    for index, item in enumerate(items):
        found = products.get(item.product_id)
        if found is None:
            raise Invalid(f"Product {item.product_id} is not on this outlet's menu",
                                   "INVALID_PRODUCT", f"items.{index}.product_id")
        if not found.is_available:
            raise Conflict(f"{found.product.name} is sold out", "PRODUCT_UNAVAILABLE", f"items.{index}.product_id")
        modifiers = catalog.choose_modifiers(found.product, list(item.modifier_ids),
                                             f"items.{index}.modifier_ids")
        if not zero_stock.sells:
            stock.refuse_when_out(session, found.product.name,
                                  stock.per_unit(session, found.product.id, [m["id"] for m in modifiers]),
                                  f"items.{index}.product_id")
        lines.append(CartLine(product_id=found.product.id, name=found.product.name,
                              category_id=found.product.category_id, unit_base_price=found.price,
                              quantity=item.quantity,
                              modifiers=tuple(ModifierChoice(m["id"], m["name"], m["price"]) for m in modifiers)))
        sold.append({"product": found.product, "modifiers": modifiers, "note": item.note or "",
                     "station": found.station})
    return lines, sold


def _load_rules(session) -> list[PromotionRule]:
    rules = []
    for row in session.execute(select(MirrorPromotion).where(MirrorPromotion.is_active.is_(True))).scalars():
        try:
            rules.append(PromotionRule.from_dict(row.data))
        except (TypeError, ValueError, KeyError) as error:
            log.error("promotion %s is unreadable and was skipped: %s", row.id, error)
    return rules


def _rules(session) -> list[PromotionRule]:
    """Active promotions; one the engine cannot read is skipped (and logged), never
    allowed to stop every sale."""
    return mirror_cache.get("promotion_rules", lambda: _load_rules(session))


_USES = PromotionUse.__table__.c
_USES_OF_ALLOWANCES = (
    select(_USES.promotion_id, func.sum(_USES.count))
    .where(_USES.promotion_id.in_(select(MirrorAllowance.__table__.c.promotion_id).scalar_subquery()))
    .group_by(_USES.promotion_id))
_USES_OF_ALLOWANCES_BY_OTHER_ORDERS = _USES_OF_ALLOWANCES.where(_USES.order_id != bindparam("order_id"))


def _uses_of_allowances(session, exclude_order_id: int | None) -> dict[int, int]:
    """Uses of the promotions the outlet holds an allowance for, found by the index (not a
    sum over every promotion ever sold, which grows with each order); built once and run
    on the connection, as every sale asks (docs/performance.md)."""
    if exclude_order_id is None:
        found = session.connection().execute(_USES_OF_ALLOWANCES)
    else:
        found = session.connection().execute(_USES_OF_ALLOWANCES_BY_OTHER_ORDERS, {"order_id": exclude_order_id})
    return {pid: int(count) for pid, count in found}


def _granted(session) -> dict[int, int]:
    return mirror_cache.get("allowances", lambda: {
        row.promotion_id: row.granted for row in session.execute(select(MirrorAllowance)).scalars()})


def _allowance_left(session, rules: list[PromotionRule], exclude_order_id: int | None) -> dict[int, int]:
    if not any(rule.usage_limit is not None for rule in rules):
        return {}
    granted = _granted(session)
    used = _uses_of_allowances(session, exclude_order_id) if granted else {}
    return {pid: max(0, count - used.get(pid, 0)) for pid, count in granted.items()}


def _customer_usage(session, customer: Customer | None, exclude_order_id: int | None) -> dict[int, int]:
    if customer is None:
        return {}
    usage = customers.promotion_usage(session, customer)
    if exclude_order_id is not None:
        own = session.execute(
            select(PromotionUse.promotion_id, func.sum(PromotionUse.count))
            .join(OutboxEvent, OutboxEvent.event_id == PromotionUse.event_id)
            .where(PromotionUse.order_id == exclude_order_id, OutboxEvent.seq > customer.applied_seq)
            .group_by(PromotionUse.promotion_id)).all()
        for pid, count in own:
            usage[pid] = usage.get(pid, 0) - int(count)
    return usage


def quote_cart(session, lines: Sequence[LineWanted], codes: Sequence[str], customer: CustomerRef) -> Quote:
    """Price a cart for the till without saving anything. The customer is found by the
    same rule as an order's: an unknown customer_id is refused (INVALID_CUSTOMER)."""
    return quote(session, lines, list(codes), _customer_for(session, customer))


def quote(session, items: Sequence[LineWanted], codes: list[str], customer: Customer | None,
          exclude_order_id: int | None = None) -> Quote:
    """Price a cart as it would be sold now, without saving anything."""
    lines, sold = _cart(session, items)
    place = outlet_settings.outlet(session)
    rules = _rules(session)
    selection = select_promotions(
        rules, now_utc=utcnow(), outlet_id=place.id, outlet_timezone=place.timezone,
        entered_codes=codes, customer_id_present=customer is not None,
        customer_usage=_customer_usage(session, customer, exclude_order_id),
        allowance_left=_allowance_left(session, rules, exclude_order_id),
        subtotal=sum(line.gross for line in lines), cart_product_ids={line.product_id for line in lines},
    )
    priced = price_order(lines, outlet_settings.charges(session), selection.rules_to_try)
    rejections = selection.rejected_codes + explain_unapplied(selection, priced, codes)
    return Quote(lines, sold, priced, rejections)


def _refuse_rejected_codes(result: Quote) -> None:
    if result.rejections:
        first = result.rejections[0]
        raise Unprocessable(first.message, "PROMO_CODE_REJECTED", "promo_codes", extra={
            "rejections": [{"code": r.code, "reason": r.reason_code, "message": r.message} for r in result.rejections]})


# --- customers on orders ---------------------------------------------------------------

def _customer_for(session, ref: CustomerRef) -> Customer | None:
    """The one rule for who an order (or a quote) is for."""
    if ref.id:
        customer = session.get(Customer, ref.id)
        if customer is None:
            raise Invalid("Customer does not exist", "INVALID_CUSTOMER", "customer_id")
        return customer
    if ref.phone:
        return customers.find_by_phone(session, ref.phone)
    return None


# --- writing orders --------------------------------------------------------------------

def _fill(session, order: Order, result: Quote) -> None:
    priced = result.priced
    order.items = [
        OrderItem(line_no=index + 1, product_id=sold["product"].id, product_name=sold["product"].name,
                  sku=sold["product"].sku, category_id=sold["product"].category_id, station=sold["station"],
                  quantity=line.quantity, modifiers=sold["modifiers"], note=sold["note"],
                  unit_price=p.unit_price, gross=p.gross, discount_amount=p.discount_amount, total_price=p.total_price,
                  service_charge=p.service_charge, tax_amount=p.tax_amount, line_total=p.total)
        for index, (line, sold, p) in enumerate(zip(result.lines, result.items, priced.lines, strict=True))
    ]
    order.promotions = [
        OrderPromotion(promotion_id=a.promotion_id, name=a.name, discount_amount=a.discount_amount,
                       line_discounts=list(a.line_discounts),
                       code=_code_of(session, a.promotion_id, order.promo_codes))
        for a in priced.promotions
    ]
    _mark_limited(session, order)
    for field in ("subtotal", "discount_amount", "service_charge", "tax_amount", "rounding_amount", "total_amount"):
        setattr(order, field, getattr(priced, field))


def snapshot_values(order: Order) -> dict:
    """The order as the cloud receives it (sync.schemas.events.OrderSnapshot)."""
    return {
        "uuid": order.uuid, "outlet_id": order.outlet_id,
        "table": order.table_label, **{f: getattr(order, f) for f in events.ORDER_COLUMNS},
        "items": [{f: getattr(item, f) for f in events.ITEM_COLUMNS} for item in order.items],
        "promotions": [{"promotion_id": p.promotion_id, "name": p.name, "code": p.code,
                        "discount_amount": p.discount_amount} for p in order.promotions],
    }


def record_change(session, order: Order, *, first: bool = False) -> None:
    """Bump the order's version and queue its snapshot for the cloud."""
    if not first:
        order.version += 1
        order.updated_at = utcnow()
    rows.write(session, order)
    if "items" in order.__dict__:  # loaded: a kitchen move may have changed their prep status
        for item in order.items:
            rows.write(session, item)
    outbox.append(session, "order.snapshot", order.uuid, snapshot_values(order), version=order.version)


def renumber(session, order: Order, why: str, shown_as: str | None = None) -> str:
    """Give an order a new number (the cloud refused its number: another order of the
    outlet holds it, made on another copy of this till's database). Its unsent snapshots
    with the old number are dismissed as superseded by the new one; the change is
    recorded for the manager. Returns the old number."""
    from edge.models import SyncIncident

    old = shown_as or order.order_number
    order.order_number = next_order_number(session, outlet_settings.outlet(session).code, order.business_date,
                                           order.terminal)
    session.execute(sa_update(OutboxEvent).where(
        OutboxEvent.aggregate_id == order.uuid, OutboxEvent.type == "order.snapshot", OutboxEvent.status == "pending")
        .values(status="dismissed", resolution="superseded", resolved_at=utcnow()))
    record_change(session, order)
    session.add(SyncIncident(kind="order_renumbered", detail={"order_uuid": order.uuid, "old": old,
                                                             "new": order.order_number},
                             message=f"Order {old} was renumbered {order.order_number}: {why}"))
    log.warning("order %s renumbered %s: %s", old, order.order_number, why)
    return old


def _mark_limited(session, order: Order) -> None:
    """Which of the order's promotions draw on the outlet's allowance (set only where it
    differs: an unchanged promotion has nothing to write)."""
    limited = set(_granted(session))
    for promotion in order.promotions:
        if promotion.limited is not (promotion.promotion_id in limited):
            promotion.limited = promotion.promotion_id in limited


def _record_promotion_uses(session, order: Order, before: dict[int, int], user_id: int | None = None) -> None:
    """Queue +1/-1 promotion uses so that what this order holds matches its promotions.
    A promotion a code brought onto the order is a discount someone at the till chose:
    audited (`discount`) with who, the code and the amount."""
    after = {p.promotion_id: p.discount_amount for p in order.promotions} if order.status != "cancelled" else {}
    for promotion in order.promotions if order.status != "cancelled" else ():
        if promotion.code and promotion.promotion_id not in before:
            audit.record(session, "discount", user_id=user_id if user_id is not None else order.cashier_id,
                         terminal=order.terminal, object_type="order", object_id=order.uuid,
                         after={"order_number": order.order_number, "promotion_id": promotion.promotion_id,
                                "name": promotion.name, "code": promotion.code,
                                "amount": format_amount(promotion.discount_amount)})
    changes = [(pid, 1, after[pid]) for pid in after if pid not in before]
    changes += [(pid, -1, before[pid]) for pid in before if pid not in after]
    for promotion_id, count, amount in sorted(changes):
        event = outbox.append(session, "promotion.usage", order.uuid, {
            "promotion_id": promotion_id, "order_uuid": order.uuid, "count": count, "discount_amount": amount,
            "customer_uuid": order.customer_uuid,
        })
        rows.insert(session, PromotionUse(promotion_id=promotion_id, order_id=order.id,
                                          customer_id=order.customer_id, count=count, event_id=event.event_id))


def _held_promotions(session, order: Order) -> dict[int, int]:
    session.flush()
    rows = session.execute(
        select(PromotionUse.promotion_id, func.sum(PromotionUse.count)).where(PromotionUse.order_id == order.id)
        .group_by(PromotionUse.promotion_id)).all()
    amounts = {p.promotion_id: p.discount_amount for p in order.promotions}
    return {pid: amounts.get(pid, 0) for pid, count in rows if count > 0}


_ID_BY_UUID = select(Order.__table__.c.id).where(Order.__table__.c.uuid == bindparam("uuid"))


def find_by_uuid(session, uuid: str) -> Order | None:
    """Looked up by id first with a Core probe: nearly every new order's `client_uuid` is
    new, so the ORM query is rarely needed (docs/performance.md)."""
    session.flush()
    order_id = session.connection().execute(_ID_BY_UUID, {"uuid": uuid}).scalar()
    return get(session, order_id) if order_id is not None else None


# Built once, options and statement: every load of an order uses them (docs/performance.md).
_WHOLE_ORDER = (joinedload(Order.items), joinedload(Order.promotions), joinedload(Order.payments),
                joinedload(Order.refunds))
_WHOLE_ORDER_BY_ID = select(Order).options(*_WHOLE_ORDER).where(Order.id == bindparam("order_id"))


def get(session, order_id: int) -> Order:
    """The order with its lines and promotions, loaded up front: every change snapshots
    them, and loading them lazily mid-change flushed the half-made change first. One joined
    query (faster than one per collection: docs/performance.md); payments and refunds join
    it too, as every answer shows them (an order has a few of each: the product of the
    joined rows stays small). An order the session already holds is returned as
    `session.get` would return it. (Ids past SQLite's integers are refused where they
    come in: path, body and socket.)"""
    if identity_key(Order, order_id) in session.identity_map:
        order = session.get(Order, order_id, options=_WHOLE_ORDER)
    else:
        order = session.execute(_WHOLE_ORDER_BY_ID, {"order_id": order_id}).unique().scalar_one_or_none()
    if order is None:
        raise NotFound("Order")
    return order


def create(session, user_id: int, terminal: int, shift, wanted: NewOrder) -> tuple[Order, bool]:
    """Create an order; a repeated `client_uuid` returns the order it already made."""
    uuid = wanted.client_uuid
    if uuid is not None:
        if not is_uuid(uuid):
            raise Invalid("client_uuid must be a UUID", "INVALID_CLIENT_UUID", "client_uuid")
        existing = find_by_uuid(session, str(uuid))
        if existing is not None:
            return existing, False
    customer = _customer_for(session, wanted.customer)
    codes = list(wanted.promo_codes)
    result = quote(session, wanted.lines, codes, customer)
    _refuse_rejected_codes(result)
    place = outlet_settings.outlet(session)
    now = utcnow()
    business_date = _local_date(session, now)
    shift_uuid = shift.uuid if shift else None
    order = Order(
        uuid=str(uuid or new_uuid()), outlet_id=place.id, terminal=terminal, business_date=business_date,
        order_number=next_order_number(session, place.code, business_date, terminal),
        shift_id=shift.id if shift else None, status=wanted.status or "pending", source=wanted.source or "pos",
        customer_id=customer.id if customer else None, customer_uuid=customer.uuid if customer else None,
        shift_uuid=shift_uuid,
        customer_name=(wanted.customer_name or (customer.name if customer else "")).strip(),
        customer_phone=customer.phone if customer else (wanted.customer.phone or "").strip(),
        table_label=(wanted.table or "").strip(), note=(wanted.note or "").strip(),
        promo_codes=[c.strip().upper() for c in codes], cashier_id=user_id, created_at=now, updated_at=now,
    )
    if order.status not in EDITABLE:
        raise Invalid("A new order starts as draft or pending", "INVALID_STATUS", "status")
    _fill(session, order, result)
    order.payments, order.refunds = [], []  # known empty: no lazy load later
    _insert_new(session, order)
    _record_promotion_uses(session, order, before={}, user_id=user_id)
    record_change(session, order, first=True)
    return order, True


def _insert_new(session, order: Order) -> None:
    """Write a new order, its lines and its promotions through `rows`, not the session's
    unit of work (docs/performance.md)."""
    rows.write(session, order)
    for child in (*order.items, *order.promotions):
        child.order_id = order.id
        rows.write(session, child)
    rows.attach(session, *order.items, *order.promotions, order)


def _local_date(session, now):
    """The outlet's business day: its local date, whatever the device's timezone."""
    return outlet_settings.local_date(session, now)


def _code_of(session, promotion_id: int, codes: list[str]) -> str | None:
    rule = next((r for r in _rules(session) if r.id == promotion_id), None)
    code = rule.code.strip().upper() if rule is not None and rule.code else None
    return code if code in codes else None


def update(session, order: Order, patch: OrderPatch, *, user_id: int | None = None) -> Order:
    """Change an order that has not gone to the kitchen (draft or pending): its details,
    its customer, its status within draft/pending, its lines and codes (repriced)."""
    if order.status not in EDITABLE:
        raise Conflict(f"A {order.status} order can no longer be changed", "ORDER_NOT_EDITABLE", "status")
    if order.paid_amount > 0 and patch.lines is not None:
        raise Conflict("Items of an order with payments cannot change; void or refund instead",
                       "ORDER_HAS_PAYMENTS", "items")
    _change_details(order, patch)
    if patch.customer is not None:
        _change_customer(session, order, patch.customer)
    if patch.status is not None and patch.status != order.status:
        _change_status(order, patch.status)
    if patch.reprices:
        _reprice(session, order, patch, user_id)
    record_change(session, order)
    return order


def _change_details(order: Order, patch: OrderPatch) -> None:
    for attr, value in (("customer_name", patch.customer_name), ("table_label", patch.table), ("note", patch.note),
                        ("source", patch.source)):
        if value is not None:
            setattr(order, attr, value.strip())


def _change_customer(session, order: Order, ref: CustomerRef) -> None:
    customer = _customer_for(session, ref)
    order.customer_id = customer.id if customer else None
    order.customer_uuid = customer.uuid if customer else None
    order.customer_phone = customer.phone if customer else (ref.phone or "").strip()
    if customer and not order.customer_name:
        order.customer_name = customer.name


def _change_status(order: Order, status: str) -> None:
    """Draft <-> pending only: the rest of the flow has its own steps (confirm, cancel...)."""
    if status not in TRANSITIONS[order.status] or status not in EDITABLE:
        raise Conflict(f"Cannot go from {order.status} to {status} here", "INVALID_TRANSITION", "status")
    order.status = status


def _reprice(session, order: Order, patch: OrderPatch, user_id: int | None = None) -> None:
    """New lines, codes or customer: the order is priced again as a whole."""
    before = _held_promotions(session, order)
    lines = patch.lines or tuple(
        LineWanted(i.product_id, i.quantity, tuple(m["id"] for m in i.modifiers), i.note) for i in order.items)
    codes = list(patch.promo_codes) if patch.promo_codes is not None else order.promo_codes
    customer = session.get(Customer, order.customer_id) if order.customer_id else None
    result = quote(session, lines, codes, customer, exclude_order_id=order.id)
    _refuse_rejected_codes(result)
    order.items.clear()
    order.promotions.clear()
    session.flush()
    order.promo_codes = [c.strip().upper() for c in codes]
    _fill(session, order, result)
    session.flush()
    _record_promotion_uses(session, order, before, user_id)


# --- the status flow -------------------------------------------------------------------

def _move(order: Order, status: str) -> None:
    if status not in TRANSITIONS[order.status]:
        raise Conflict(f"An order cannot go from {order.status} to {status}", "INVALID_TRANSITION", "status")
    order.status = status
    if status in TIMESTAMP_OF and getattr(order, TIMESTAMP_OF[status]) is None:
        setattr(order, TIMESTAMP_OF[status], utcnow())


def confirm(session, order: Order) -> Order:
    """Send the order to the kitchen."""
    _move(order, "confirmed")
    for item in order.items:
        item.prep_status = "queued"
    record_change(session, order)
    stock.on_confirmed(session, order)
    kitchen_log.record(session, order, "order_created")
    printing.on_confirmed(session, order)
    return order


def set_kitchen_status(session, order: Order, status: str) -> Order:
    """preparing / ready / served, from the kitchen screen or API (one code path)."""
    if status not in KITCHEN_STATUSES:
        raise Invalid("Status must be preparing, ready or served", "INVALID_STATUS", "status")
    _move(order, status)
    for item in order.items:
        if status == "preparing" and item.prep_status == "queued":
            item.prep_status = "preparing"
        elif status in ("ready", "served") and item.prep_status != "voided":
            item.prep_status = status if status == "served" else "ready"
    record_change(session, order)
    kitchen_log.record(session, order, "order_updated")
    return order


def set_item_status(session, order: Order, item_id: int, prep_status: str) -> Order:
    """Cross off one item; the order is ready when all its items are."""
    return set_items_status(session, order, [item_id], prep_status)


# A recall steps an order back one kitchen status and clears the timestamp it had set, so
# the prep times the cloud receives are those of the final bump.
STEP_BACK = {"preparing": "confirmed", "ready": "preparing", "served": "ready"}
ITEM_STEP_BACK = {"preparing": {"preparing": "queued"}, "ready": {"ready": "preparing"},
                  "served": {"served": "ready"}}


def _step_back(order: Order) -> None:
    previous = STEP_BACK[order.status]
    setattr(order, TIMESTAMP_OF[order.status], None)
    order.status = previous


def set_items_status(session, order: Order, item_ids: list[int], prep_status: str) -> Order:
    """Cross off (or restore) some items of an order in one change. The order is ready
    when all its live items are; a ready order with an item restored is preparing again."""
    if order.status not in vocab.KITCHEN_OPEN_STATUSES:
        raise Conflict(f"Items of a {order.status} order cannot change", "INVALID_TRANSITION", "prep_status")
    if prep_status not in vocab.PREP_SET_BY_KITCHEN:
        raise Invalid("prep_status must be queued, preparing or ready", "INVALID_STATUS", "prep_status")
    by_id = {item.id: item for item in order.items}
    if not item_ids or any(item_id not in by_id for item_id in item_ids):
        raise NotFound("Order item")
    for item_id in item_ids:
        item = by_id[item_id]
        if item.quantity <= item.voided_quantity:
            raise Conflict(f"{item.product_name} was voided", "ITEM_VOIDED", "item_id")
        item.prep_status = prep_status
    live = [i for i in order.items if i.quantity > i.voided_quantity]
    if order.status == "confirmed" and prep_status in ("preparing", "ready"):
        _move(order, "preparing")
    if live and all(i.prep_status == "ready" for i in live):
        if order.status != "ready":
            _move(order, "ready")
    elif order.status == "ready":
        _step_back(order)
    record_change(session, order)
    kitchen_log.record(session, order, "order_updated")
    return order


def recall(session, order: Order) -> Order:
    """Undo the kitchen's last bump: served -> ready -> preparing -> confirmed."""
    if order.status not in STEP_BACK:
        raise Conflict(f"A {order.status} order cannot be recalled", "INVALID_TRANSITION", "status")
    moves = ITEM_STEP_BACK[order.status]
    _step_back(order)
    for item in order.items:
        item.prep_status = moves.get(item.prep_status, item.prep_status)
    record_change(session, order)
    kitchen_log.record(session, order, "order_updated", recalled=True)
    return order


def complete(session, order: Order, points_per_amount: int) -> Order:
    if not order.is_fully_paid:
        raise Conflict(f"The order still has {order.balance_due} due; take payment first", "ORDER_NOT_PAID",
                       "balance_due")
    if order.status == "ready":
        order.served_at = order.served_at or utcnow()
    _move(order, "completed")
    for item in order.items:
        if item.prep_status != "voided":
            item.prep_status = "served"
    record_change(session, order)
    kitchen_log.record(session, order, "order_completed")
    if order.customer_id:
        customer = session.get(Customer, order.customer_id)
        customers.record_loyalty(session, customer, order.uuid, amount=order.amount_due, orders=1,
                                 points_per_amount=points_per_amount, reason="sale")
    return order


def cancel(session, order: Order, role_rank_ok: bool, reason: str, *, user_id: int | None = None,
           terminal: int | None = None) -> Order:
    """Cancel an unpaid order; one the kitchen had is audited (`cancel`, by `user_id`)."""
    if order.status in vocab.MANAGER_CANCELS and not role_rank_ok:
        raise Forbidden("Only a manager can cancel an order the kitchen has", "MANAGER_REQUIRED")
    if order.paid_amount - order.refunded_amount > 0:
        raise Conflict("Refund the order's payments before cancelling it", "ORDER_HAS_PAYMENTS")
    was_in_kitchen = order.confirmed_at is not None
    previous_status = order.status
    before = _held_promotions(session, order)
    _move(order, "cancelled")
    order.cancel_reason = reason
    _mark_limited(session, order)  # as they stand now (new and changed orders are marked by _fill)
    _record_promotion_uses(session, order, before)
    record_change(session, order)
    stock.on_cancelled(session, order, was_in_kitchen, reason)
    if was_in_kitchen:
        kitchen_log.record(session, order, "order_cancelled")
        audit.record(session, "cancel", user_id=user_id, terminal=terminal or order.terminal, object_type="order",
                     object_id=order.uuid, before={"status": previous_status},
                     after={"status": "cancelled", "order_number": order.order_number, "reason": reason,
                            "total": format_amount(order.total_amount)})
    return order
