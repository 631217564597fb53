"""Customers at the outlet: looked up and created by phone offline, and their loyalty
figures as the cloud last reported them plus what happened here since."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from edge.models import Customer, LoyaltyEntry, OutboxEvent, PromotionUse
from edge.services.syncing import outbox
from sync import loyalty, phones
from sync.errors import Conflict, Invalid, NotFound
from sync.ids import new_uuid
from sync.patterns import LIKE_ESCAPE, like_pattern


@dataclass(frozen=True)
class Figures:
    points: int
    total_orders: int
    total_spent: int
    membership_tier: str


def normalize_phone(raw: str, field: str = "phone") -> str:
    try:
        return phones.normalize(raw)
    except phones.PhoneError as error:
        raise Invalid(str(error), "INVALID_PHONE", field) from None


def figures(session, customer: Customer) -> Figures:
    points, orders, spent = session.execute(
        select(func.coalesce(func.sum(LoyaltyEntry.points), 0), func.coalesce(func.sum(LoyaltyEntry.orders), 0),
               func.coalesce(func.sum(LoyaltyEntry.spent), 0))
        .join(OutboxEvent, OutboxEvent.event_id == LoyaltyEntry.event_id)
        .where(LoyaltyEntry.customer_id == customer.id, OutboxEvent.seq > customer.applied_seq)
    ).one()
    total_orders = customer.total_orders_base + orders
    total_spent = customer.total_spent_base + spent
    return Figures(max(0, customer.points_base + points), total_orders, total_spent,
                   loyalty.tier_for(total_orders, total_spent))


def promotion_usage(session, customer: Customer) -> dict[int, int]:
    """Uses per promotion: the cloud's count plus ours it has not counted yet."""
    usage = {int(k): v for k, v in (customer.promotion_usage_base or {}).items()}
    rows = session.execute(
        select(PromotionUse.promotion_id, func.sum(PromotionUse.count))
        .join(OutboxEvent, OutboxEvent.event_id == PromotionUse.event_id)
        .where(PromotionUse.customer_id == customer.id, OutboxEvent.seq > customer.applied_seq)
        .group_by(PromotionUse.promotion_id)
    ).all()
    for promotion_id, count in rows:
        usage[promotion_id] = usage.get(promotion_id, 0) + int(count)
    return usage


def get(session, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("Customer")
    return customer


def find_by_phone(session, raw_phone: str) -> Customer | None:
    return session.execute(select(Customer).where(Customer.phone == normalize_phone(raw_phone))).scalar_one_or_none()


def _event_values(customer: Customer) -> dict:
    return {"uuid": customer.uuid, "name": customer.name, "phone": customer.phone, "email": customer.email,
            "marketing_consent": customer.marketing_consent, "preferred_outlet_id": customer.preferred_outlet_id}


def create(session, data: dict, outlet_id: int) -> Customer:
    phone = normalize_phone(data["phone"])
    if find_by_phone(session, phone) is not None:
        raise Conflict(f"A customer with phone {phone} already exists", "PHONE_TAKEN", "phone")
    customer = Customer(uuid=new_uuid(), name=data["name"].strip(), phone=phone, email=data.get("email") or "",
                        marketing_consent=data.get("marketing_consent", False),
                        preferred_outlet_id=data.get("preferred_outlet_id") or outlet_id)
    session.add(customer)
    session.flush()
    outbox.append(session, "customer.upserted", customer.uuid, _event_values(customer))
    return customer


def update(session, customer: Customer, changes: dict) -> Customer:
    if "phone" in changes:
        phone = normalize_phone(changes["phone"])
        other = find_by_phone(session, phone)
        if other is not None and other.id != customer.id:
            raise Conflict(f"A customer with phone {phone} already exists", "PHONE_TAKEN", "phone")
        customer.phone = phone
    for key in ("name", "email", "marketing_consent"):
        if key in changes:
            setattr(customer, key, changes[key])
    session.flush()
    outbox.append(session, "customer.upserted", customer.uuid, _event_values(customer))
    return customer


def query(search: str | None = None):
    stmt = select(Customer)
    if search:
        pattern = like_pattern(search.strip().lower())
        digits = "".join(ch for ch in search if ch.isdigit())
        clauses = [func.lower(Customer.name).like(pattern, escape=LIKE_ESCAPE),
                   func.lower(Customer.email).like(pattern, escape=LIKE_ESCAPE)]
        if digits:
            clauses.append(Customer.phone.like(f"%{digits}%"))
        stmt = stmt.where(or_(*clauses))
    return stmt


def record_loyalty(session, customer: Customer, order_uuid: str, *, amount: int, orders: int,
                   points_per_amount: int, reason: str) -> LoyaltyEntry:
    """Points for a completed sale (or taken back for a refund), counted here at once and
    sent to the cloud as a delta."""
    current = figures(session, customer)
    points = loyalty.points_for(abs(amount), current.membership_tier, points_per_amount)
    if amount < 0:
        points = -min(points, current.points)  # never below zero
    event = outbox.append(session, "loyalty.accrued", customer.uuid, {
        "customer_uuid": customer.uuid, "order_uuid": order_uuid, "reason": reason,
        "points": points, "orders": orders, "spent": amount,
    })
    entry = LoyaltyEntry(customer_id=customer.id, order_uuid=order_uuid, points=points, orders=orders,
                         spent=amount, event_id=event.event_id)
    session.add(entry)
    return entry
