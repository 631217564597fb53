"""Sold out at the till ("86"): the marks a manager sets and clears, offline or not."""
from apiflask import APIBlueprint

from edge.api.access import require
from edge.api.schemas.sold_out import SoldOutChangeOut, SoldOutIn, SoldOutMarkOut
from edge.api.tx import writes
from edge.extensions import db
from edge.services.inventory import sold_out
from sync.web.lists import ListQuery, list_schema, paginate_rows
from sync.web.openapi import refuses

bp = APIBlueprint("sold_out", __name__, url_prefix="/api/sold-out", tag="Stock")


@bp.get("/")
@require("kitchen")
@bp.input(ListQuery, location="query")
@bp.output(list_schema(SoldOutMarkOut, "EdgeSoldOutList"))
def list_marks(query_data, actor):
    """What is marked sold out here now, oldest mark first (the kitchen screens show it)."""
    return paginate_rows(sold_out.marks(db.session), query_data)


@bp.put("/")
@writes
@require("manager")
@bp.input(SoldOutIn)
@bp.output(SoldOutChangeOut)
@refuses(INVALID_PRODUCT="the id names no product on this outlet's menu",
         INVALID_MODIFIER="the id names no modifier on this outlet's menu")
def set_sold_out(json_data, actor):
    """Mark a product or a modifier sold out at this outlet, or put it back (manager+). Every
    kiosk, self-order and kitchen screen hears `sold_out_changed` at once; the cloud hears
    after sync. Marking what is already marked answers `changed: false`."""
    return sold_out.set_sold_out(db.session, json_data["target"], json_data["id"], json_data["sold_out"],
                                 actor.user_id)
