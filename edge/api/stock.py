"""Stock at the outlet, offline: on-hand per item, deliveries received and waste recorded."""
from apiflask import APIBlueprint

from edge.api.access import require
from edge.api.schemas.stock import MovementOut, OnHandOut, ReceiveIn, WasteIn
from edge.api.tx import writes
from edge.extensions import db
from edge.services.inventory import stock
from sync.roles import STOCK_ROLES
from sync.web.lists import ListQuery, list_schema, paginate_rows
from sync.web.openapi import refuses

bp = APIBlueprint("stock", __name__, url_prefix="/api/stock", tag="Stock")


def movement_document(uuid: str) -> dict:
    """A movement document as the API answers it."""
    rows = stock.movements_of(db.session, document_uuid=uuid)
    first = rows[0]
    return {"uuid": uuid, "kind": first.kind, "reason": first.reason, "created_by": first.created_by,
            "created_at": first.created_at,
            "lines": [{"stock_item_id": r.stock_item_id, "quantity": r.quantity, "cost": r.cost} for r in rows]}


@bp.get("/")
@require("cashier", also=STOCK_ROLES)
@bp.input(ListQuery, location="query")
@bp.output(list_schema(OnHandOut, "EdgeOnHandList"))
def list_on_hand(query_data, actor):
    """Every stock item the outlet knows with its on-hand: the sum of its ledger (may be below zero:
    selling never stops on a count)."""
    return paginate_rows(stock.on_hand(db.session), query_data)


@bp.post("/receive/")
@writes
@require("manager", also=STOCK_ROLES)
@bp.input(ReceiveIn)
@bp.output(MovementOut, status_code=201)
@refuses(INVALID_STOCK_ITEM="a stock_item_id names no stock item this outlet knows")
def receive_delivery(json_data, actor):
    """A delivery from a supplier: quantities in base units and what each line cost (manager+)."""
    return movement_document(stock.receive(db.session, actor.user_id, json_data["lines"], json_data["reason"]))


@bp.post("/waste/")
@writes
@require("manager", also=STOCK_ROLES)
@bp.input(WasteIn)
@bp.output(MovementOut, status_code=201)
@refuses(INVALID_STOCK_ITEM="a stock_item_id names no stock item this outlet knows")
def record_waste(json_data, actor):
    """Stock thrown away, with the reason (manager+)."""
    return movement_document(stock.waste(db.session, actor.user_id, json_data["lines"], json_data["reason"]))
