"""Customers (CRM): profiles, search by phone, order history and loyalty stats."""
from apiflask import APIBlueprint

from cloud.api.access import require
from cloud.api.schemas.common import ListQuery, list_schema
from cloud.api.schemas.customers import (
    CustomerCreateIn,
    CustomerListQuery,
    CustomerOrderOut,
    CustomerOut,
    CustomerPatchIn,
    CustomerStatsOut,
    PhoneSearchIn,
)
from cloud.api.tx import writes
from cloud.extensions import db
from cloud.models import Customer
from cloud.services import customers as customer_service
from sync.web.lists import order_by, ordered_by, paginate
from sync.web.openapi import refuses

bp = APIBlueprint("customers", __name__, url_prefix="/api/customers", tag="Customers")

ORDERING = {"name": Customer.name, "created_at": Customer.created_at, "total_spent": Customer.total_spent,
            "points": Customer.points, "total_orders": Customer.total_orders,
            "last_order_at": Customer.last_order_at}


@bp.get("/")
@require("cashier")
@bp.input(ordered_by(CustomerListQuery, ORDERING), location="query")
@bp.output(list_schema(CustomerOut, "CustomerList"))
def list_customers(query_data, actor):
    """The tenant's customers; `search` looks in name, phone (any format) and email."""
    stmt = customer_service.customers_query(actor)
    for name in ("membership_tier", "marketing_consent", "preferred_outlet_id"):
        if query_data.get(name) is not None:
            stmt = stmt.where(getattr(Customer, name) == query_data[name])
    stmt = customer_service.filter_by_search(stmt, query_data.get("search"))
    stmt = order_by(stmt, query_data.get("ordering"), ORDERING, [Customer.name, Customer.id])
    return paginate(db.session, stmt, query_data)


@bp.post("/")
@writes
@require("cashier")
@bp.input(CustomerCreateIn)
@bp.output(CustomerOut, status_code=201)
@refuses(INVALID_PHONE="phone has not 8 to 15 digits once separators are dropped",
          INVALID_OUTLET="preferred_outlet_id names no outlet of this tenant",
          INVALID_BIRTH_DATE="birth_date is in the future or before 1900")
def create_customer(json_data, actor):
    """Register a customer; the phone is normalised and unique within the tenant."""
    return customer_service.create_customer(db.session, actor, json_data)


@bp.post("/search/")
@require("cashier")
@bp.input(PhoneSearchIn)
@bp.output(CustomerOut)
@refuses(INVALID_PHONE="phone has not 8 to 15 digits once separators are dropped")
def search_by_phone(json_data, actor):
    """The customer with exactly this phone number (in any common format), or 404."""
    return customer_service.find_by_phone(db.session, actor, json_data["phone"])


@bp.get("/<int:customer_id>/")
@require("cashier")
@bp.output(CustomerOut)
def get_customer(customer_id, actor):
    return customer_service.get_customer(db.session, actor, customer_id)


@bp.patch("/<int:customer_id>/")
@writes
@require("cashier")
@bp.input(CustomerPatchIn)
@bp.output(CustomerOut)
@refuses(INVALID_PHONE="phone has not 8 to 15 digits once separators are dropped",
          INVALID_OUTLET="preferred_outlet_id names no outlet of this tenant",
          INVALID_BIRTH_DATE="birth_date is in the future or before 1900")
def update_customer(customer_id, json_data, actor):
    """Change a customer's profile (tier, points and order counters are not editable)."""
    customer = customer_service.get_customer(db.session, actor, customer_id)
    return customer_service.update_customer(db.session, actor, customer, json_data)


@bp.delete("/<int:customer_id>/")
@writes
@require("manager")
@bp.output({}, status_code=204)
def delete_customer(customer_id, actor):
    """Delete a customer who never ordered (409 CUSTOMER_HAS_ORDERS otherwise)."""
    customer = customer_service.get_customer(db.session, actor, customer_id)
    customer_service.delete_customer(db.session, actor, customer)
    return ""


@bp.get("/<int:customer_id>/orders/")
@require("cashier")
@bp.input(ListQuery, location="query")
@bp.output(list_schema(CustomerOrderOut, "CustomerOrderList"))
def customer_orders(customer_id, query_data, actor):
    """The customer's orders synced from the outlets, newest first."""
    customer = customer_service.get_customer(db.session, actor, customer_id)
    return paginate(db.session, customer_service.customer_orders_query(customer), query_data)


@bp.get("/<int:customer_id>/stats/")
@require("cashier")
@bp.output(CustomerStatsOut)
def customer_stats(customer_id, actor):
    """Orders, spend, average order, points, tier (and what reaches the next one)."""
    customer = customer_service.get_customer(db.session, actor, customer_id)
    return customer_service.customer_stats(db.session, customer)
