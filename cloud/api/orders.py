"""Orders as the outlets synced them (read-only: the outlet is their source of truth)."""
from apiflask import APIBlueprint
from sqlalchemy import func, or_

from cloud.api.access import require
from cloud.api.schemas.common import list_schema
from cloud.api.schemas.orders import (
    OrderListQuery,
    SyncedOrderDetailOut,
    SyncedOrderOut,
)
from cloud.extensions import db
from cloud.models import SyncedOrder
from cloud.services import sales
from sync.web.lists import LIKE_ESCAPE, like_pattern, order_by, ordered_by, paginate

bp = APIBlueprint("orders", __name__, url_prefix="/api/orders", tag="Orders (synced)")

ORDERING = {"created_at": SyncedOrder.created_at, "total_amount": SyncedOrder.total_amount,
            "order_number": SyncedOrder.order_number, "received_at": SyncedOrder.received_at}


@bp.get("/")
@require("cashier")
@bp.input(ordered_by(OrderListQuery, ORDERING), location="query")
@bp.output(list_schema(SyncedOrderOut, "SyncedOrderList"))
def list_orders(query_data, actor):
    """Every order the outlets synced (yours only, for outlet staff), newest first."""
    stmt = sales.orders_query(actor)
    if query_data.get("status"):
        stmt = stmt.where(SyncedOrder.status == query_data["status"])
    if query_data.get("outlet_id"):
        stmt = stmt.where(SyncedOrder.outlet_id == query_data["outlet_id"])
    if query_data.get("date_from"):
        stmt = stmt.where(SyncedOrder.business_date >= query_data["date_from"])
    if query_data.get("date_to"):
        stmt = stmt.where(SyncedOrder.business_date <= query_data["date_to"])
    search = (query_data.get("search") or "").strip().lower()
    if search:
        pattern = like_pattern(search)
        stmt = stmt.where(or_(func.lower(SyncedOrder.order_number).like(pattern, escape=LIKE_ESCAPE),
                              func.lower(SyncedOrder.customer_name).like(pattern, escape=LIKE_ESCAPE)))
    stmt = order_by(stmt, query_data.get("ordering") or "-created_at", ORDERING, [SyncedOrder.id.desc()])
    return paginate(db.session, stmt, query_data)


@bp.get("/<int:order_id>/")
@require("cashier")
@bp.output(SyncedOrderDetailOut)
def get_order(order_id, actor):
    order = sales.get_order(db.session, actor, order_id)
    return {**{c: getattr(order, c) for c in SyncedOrderOut._declared_fields if hasattr(order, c)},
            "table_label": order.table_label, "items": order.items,
            "payments": sales.payments_of(db.session, order), "refunds": sales.refunds_of(db.session, order)}
