"""Customers (CRM): profiles keyed by a normalised phone, tenant-wide, with loyalty counters.

Phone rule: `sync.phones.normalize`, the one the edge applies too, so a customer has one
key everywhere (unique per tenant). Applied on create, update, search and lookup alike:
  1. drop spaces, dots, dashes, slashes and parentheses;
  2. "+62…", and "62…" of 10 digits or more, become the trunk "0…";
  3. the result must be "0" and 7 to 14 more digits (Indonesia), or "+" and 8 to 15
     digits (another country, kept in that form).
So "+62 812-3456-789", "62812.3456.789" and "0812 3456 789" are one customer: "08123456789".
The loyalty counters (tier, points, orders, spend, last order) are written only by
`cloud.services.loyalty` from synced sales, never by the API.

Order history and favourite products come from the orders outlets synced.
"""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import or_, select

from cloud.models import Customer, Outlet
from cloud.services import loyalty, sales
from cloud.services.actor import Actor
from sync import phones
from sync.errors import Conflict, Invalid, NotFound
from sync.ids import is_uuid, new_uuid
from sync.money import div_round_half_up
from sync.patterns import LIKE_ESCAPE, like_pattern

PROFILE_FIELDS = ("name", "email", "birth_date", "notes", "marketing_consent", "preferred_outlet_id")
_SEPARATORS = re.compile(r"[\s.\-()/]+")


# --- phone numbers ---------------------------------------------------------------------

def normalise_phone(raw: str, field: str = "phone") -> str:
    """The stored form of a phone number (see the module docstring), or 400 INVALID_PHONE."""
    try:
        return phones.normalize(raw)
    except phones.PhoneError as error:
        raise Invalid(str(error), "INVALID_PHONE", field) from None


def _phone_free(session, tenant_id: int, phone: str, exclude_id: int | None = None) -> None:
    stmt = select(Customer.id).where(Customer.tenant_id == tenant_id, Customer.phone == phone)
    if exclude_id:
        stmt = stmt.where(Customer.id != exclude_id)
    if session.execute(stmt).first():
        raise Conflict(f"Another customer already has the phone number {phone}", "PHONE_TAKEN", "phone")


# --- checks ----------------------------------------------------------------------------

def _check_outlet(session, tenant_id: int, outlet_id: int | None) -> None:
    if outlet_id is None:
        return
    outlet = session.get(Outlet, outlet_id)
    if outlet is None or outlet.tenant_id != tenant_id:
        raise Invalid("Outlet does not exist in this tenant", "INVALID_OUTLET", "preferred_outlet_id")


def _check_birth_date(value: date | None) -> None:
    if value is not None and not date(1900, 1, 1) <= value <= date.today():
        raise Invalid("Birth date must be a past date after 1900", "INVALID_BIRTH_DATE", "birth_date")


def _uuid(session, tenant_id: int, raw: str | None) -> str:
    if raw is None:
        return new_uuid()
    if not is_uuid(raw) or len(raw) != 36:
        raise Invalid("uuid must be a UUID such as 0b6f…-…", "INVALID_UUID", "uuid")
    value = raw.lower()
    if session.execute(select(Customer.id).where(Customer.tenant_id == tenant_id, Customer.uuid == value)).first():
        raise Conflict("A customer with this uuid already exists", "UUID_TAKEN", "uuid")
    return value


def _profile(data: dict) -> dict:
    values = {k: data[k] for k in PROFILE_FIELDS if k in data}
    if "email" in values:
        values["email"] = (values["email"] or "").strip().lower()
    if "notes" in values:
        values["notes"] = values["notes"] or ""
    if "name" in values:
        values["name"] = values["name"].strip()
        if not values["name"]:
            raise Invalid("Name cannot be blank", "INVALID_NAME", "name")
    return values


# --- CRUD ------------------------------------------------------------------------------

def create_customer(session, actor: Actor, data: dict) -> Customer:
    tenant_id = actor.require_tenant()
    phone = normalise_phone(data["phone"])
    values = _profile(data)
    _check_birth_date(values.get("birth_date"))
    _check_outlet(session, tenant_id, values.get("preferred_outlet_id"))
    _phone_free(session, tenant_id, phone)
    customer = Customer(
        tenant_id=tenant_id, uuid=_uuid(session, tenant_id, data.get("uuid")), phone=phone,
        membership_tier=loyalty.REGULAR, points=0, total_orders=0, total_spent=0, **values,
    )
    session.add(customer)
    session.flush()
    return customer


def customers_query(actor: Actor):
    """Every customer of the caller's tenant (customers are tenant-wide, not per outlet)."""
    return select(Customer).where(Customer.tenant_id == actor.require_tenant())


def filter_by_search(stmt, search: str | None):
    """Case-insensitive substring search over name, email and phone; a phone typed in any
    form ("+62 812-34") also matches its stored form ("081234…")."""
    if not search or not search.strip():
        return stmt
    term = search.strip().lower()
    pattern = like_pattern(term)
    clauses = [Customer.name.ilike(pattern, escape=LIKE_ESCAPE), Customer.email.ilike(pattern, escape=LIKE_ESCAPE),
               Customer.phone.like(pattern, escape=LIKE_ESCAPE)]
    digits = _SEPARATORS.sub("", term)
    if digits and re.fullmatch(r"\+?[0-9]+", digits):
        clauses.append(Customer.phone.like(f"%{digits}%"))
        if digits.startswith("+62"):
            clauses.append(Customer.phone.like(f"0{digits[3:]}%"))
    return stmt.where(or_(*clauses))


def get_customer(session, actor: Actor, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None or customer.tenant_id != actor.require_tenant():
        raise NotFound("Customer")
    return customer


def find_by_phone(session, actor: Actor, phone: str) -> Customer:
    """The tenant's customer with exactly this (normalised) phone, or 404."""
    normalised = normalise_phone(phone)
    customer = session.execute(
        select(Customer).where(Customer.tenant_id == actor.require_tenant(), Customer.phone == normalised)
    ).scalar_one_or_none()
    if customer is None:
        raise NotFound("Customer")
    return customer


def update_customer(session, actor: Actor, customer: Customer, changes: dict) -> Customer:
    """Profile fields only: the loyalty counters are not the API's to change."""
    values = _profile(changes)
    if "birth_date" in values:
        _check_birth_date(values["birth_date"])
    if "preferred_outlet_id" in values:
        _check_outlet(session, customer.tenant_id, values["preferred_outlet_id"])
    if "phone" in changes:
        phone = normalise_phone(changes["phone"])
        if phone != customer.phone:
            _phone_free(session, customer.tenant_id, phone, customer.id)
            customer.phone = phone
    for key, value in values.items():
        setattr(customer, key, value)
    session.flush()
    return customer


def delete_customer(session, actor: Actor, customer: Customer) -> None:
    """Only a customer who never ordered: one with history stays for the sales records."""
    if customer.total_orders > 0:
        raise Conflict("This customer has orders and cannot be deleted", "CUSTOMER_HAS_ORDERS")
    session.delete(customer)
    session.flush()


# --- history and stats -----------------------------------------------------------------

def customer_orders_query(customer: Customer):
    """The customer's orders as synced from the outlets, newest first (the API pages it)."""
    return sales.customer_orders_query(customer)


def customer_stats(session, customer: Customer) -> dict:
    """Totals, average, loyalty standing and favourite products of a customer: the
    counters sync ingest keeps, and the top products over their completed orders."""
    orders, spent = customer.total_orders or 0, customer.total_spent or 0
    upcoming = loyalty.next_tier(orders, spent)
    return {
        "total_orders": orders,
        "total_spent": spent,
        "average_order_value": div_round_half_up(spent, orders) if orders > 0 else 0,
        "points": customer.points or 0,
        "membership_tier": customer.membership_tier,
        "next_tier": upcoming[0] if upcoming else None,
        "orders_to_next_tier": upcoming[1] if upcoming else None,
        "spend_to_next_tier": upcoming[2] if upcoming else None,
        "last_order_at": customer.last_order_at,
        "favourite_products": sales.favourite_products(session, customer),
    }
