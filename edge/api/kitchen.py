"""The kitchen's REST side: open tickets, status changes, per-item progress and recall
(the same services as the Socket.IO `update_status`, `update_items` and `recall_order`)."""
from apiflask import APIBlueprint, Schema
from apiflask.fields import String
from apiflask.validators import Length, OneOf

from edge.api.access import require
from edge.api.schemas.orders import OrderOut
from edge.api.tx import writes
from edge.extensions import db
from edge.services.kitchen import kitchen_log
from edge.services.selling import orders
from sync.vocab import KITCHEN_SET_STATUSES, PREP_SET_BY_KITCHEN
from sync.web.lists import ListQuery, list_schema, paginate

bp = APIBlueprint("kitchen", __name__, url_prefix="/api/kitchen", tag="Kitchen")


class StationQuery(ListQuery):
    station = String(validate=Length(min=1, max=40))


class StatusIn(Schema):
    status = String(required=True, validate=OneOf(KITCHEN_SET_STATUSES))


class ItemStatusIn(Schema):
    prep_status = String(required=True, validate=OneOf(PREP_SET_BY_KITCHEN))


@bp.get("/orders/")
@require("kitchen")
@bp.input(StationQuery, location="query")
@bp.output(list_schema(OrderOut, "KitchenOrderList"))
def open_tickets(query_data, actor):
    """Tickets the kitchen is working on, oldest first (`?station=` for one station), in the list envelope."""
    return paginate(db.session, kitchen_log.open_orders_query(query_data.get("station")), query_data)


@bp.patch("/orders/<int:order_id>/status/")
@writes
@require("kitchen")
@bp.input(StatusIn)
@bp.output(OrderOut)
def set_status(order_id, json_data, actor):
    return orders.set_kitchen_status(db.session, orders.get(db.session, order_id), json_data["status"])


@bp.post("/orders/<int:order_id>/ready/")
@writes
@require("kitchen")
@bp.output(OrderOut)
def mark_ready(order_id, actor):
    return orders.set_kitchen_status(db.session, orders.get(db.session, order_id), "ready")


@bp.patch("/orders/<int:order_id>/items/<int:item_id>/status/")
@writes
@require("kitchen")
@bp.input(ItemStatusIn)
@bp.output(OrderOut)
def set_item_status(order_id, item_id, json_data, actor):
    """Cross off one item; when every item is ready the order is ready."""
    return orders.set_item_status(db.session, orders.get(db.session, order_id), item_id, json_data["prep_status"])


@bp.post("/orders/<int:order_id>/recall/")
@writes
@require("kitchen")
@bp.output(OrderOut)
def recall(order_id, actor):
    """Undo the last bump of a ticket: served -> ready -> preparing -> confirmed."""
    return orders.recall(db.session, orders.get(db.session, order_id))
