"""Customers at the outlet: look up or create by phone, offline; loyalty figures."""
from apiflask import APIBlueprint

from edge.api.access import require
from edge.api.schemas.customers import CustomerIn, CustomerOut, CustomerPatchIn, PhoneIn
from edge.api.tx import writes
from edge.extensions import db
from edge.models import Customer
from edge.services.selling import customers
from edge.services.syncing import outlet as outlet_settings
from sync.web.errors import NotFound
from sync.web.lists import ListQuery, list_schema, paginate
from sync.web.openapi import refuses

bp = APIBlueprint("customers", __name__, url_prefix="/api/customers", tag="Customers")


def customer_out(customer: Customer) -> dict:
    figures = customers.figures(db.session, customer)
    return {"id": customer.id, "uuid": customer.uuid, "name": customer.name, "phone": customer.phone,
            "email": customer.email, "marketing_consent": customer.marketing_consent,
            "membership_tier": figures.membership_tier, "points": figures.points,
            "total_orders": figures.total_orders, "total_spent": figures.total_spent,
            "synced": customer.cloud_id is not None, "created_at": customer.created_at}


@bp.get("/")
@require("cashier")
@bp.input(ListQuery, location="query")
@bp.output(list_schema(CustomerOut, "EdgeCustomerList"))
def list_customers(query_data, actor):
    stmt = customers.query(query_data.get("search")).order_by(Customer.name, Customer.id)
    return paginate(db.session, stmt, query_data, serialize=customer_out)


@bp.post("/")
@writes
@require("cashier")
@bp.input(CustomerIn)
@bp.output(CustomerOut, status_code=201)
@refuses(INVALID_PHONE="phone has not 8 to 15 digits once separators are dropped")
def create_customer(json_data, actor):
    """Register a customer here (works offline; the cloud learns of them by sync)."""
    customer = customers.create(db.session, json_data, outlet_settings.outlet(db.session).id)
    return customer_out(customer)


@bp.post("/search/")
@require("cashier")
@bp.input(PhoneIn)
@bp.output(CustomerOut)
@refuses(INVALID_PHONE="phone has not 8 to 15 digits once separators are dropped")
def search_by_phone(json_data, actor):
    """The customer with this phone number (any common way of writing it)."""
    customer = customers.find_by_phone(db.session, json_data["phone"])
    if customer is None:
        raise NotFound("Customer")
    return customer_out(customer)


@bp.get("/<int:customer_id>/")
@require("cashier")
@bp.output(CustomerOut)
def get_customer(customer_id, actor):
    return customer_out(customers.get(db.session, customer_id))


@bp.patch("/<int:customer_id>/")
@writes
@require("cashier")
@bp.input(CustomerPatchIn)
@bp.output(CustomerOut)
@refuses(INVALID_PHONE="phone has not 8 to 15 digits once separators are dropped")
def update_customer(customer_id, json_data, actor):
    return customer_out(customers.update(db.session, customers.get(db.session, customer_id), json_data))
