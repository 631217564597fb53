"""Transfers of stock to and from other outlets, offline on either side."""
from apiflask import APIBlueprint

from edge.api.access import require
from edge.api.schemas.stock import MovementOut
from edge.api.schemas.transfers import IncomingTransferOut, TransferIn
from edge.api.stock import movement_document
from edge.api.tx import writes
from edge.extensions import db
from edge.services.inventory import transfers
from sync.roles import STOCK_ROLES
from sync.web.lists import ListQuery, list_schema, paginate_rows
from sync.web.openapi import refuses

bp = APIBlueprint("transfers", __name__, url_prefix="/api/transfers", tag="Stock")
STOCK_ROLE = "manager"


@bp.post("/")
@writes
@require(STOCK_ROLE, also=STOCK_ROLES)
@bp.input(TransferIn)
@bp.output(MovementOut, status_code=201)
@refuses(SAME_OUTLET="the receiving outlet is this one",
         INVALID_STOCK_ITEM="a stock_item_id names no stock item this outlet knows")
def send_transfer(json_data, actor):
    """Send stock to another outlet: out of this ledger now (`transfer_out`), in transit until
    the receiver takes it in. Answers the movement; its uuid is the transfer's."""
    uuid = transfers.send(db.session, actor.user_id, json_data["to_outlet_id"], json_data["lines"],
                          json_data["note"])
    return movement_document(uuid)


@bp.get("/incoming/")
@require(STOCK_ROLE, also=STOCK_ROLES)
@bp.input(ListQuery, location="query")
@bp.output(list_schema(IncomingTransferOut, "EdgeIncomingTransferList"))
def list_incoming(query_data, actor):
    """Transfers other outlets sent here (as last pulled from the cloud), newest first."""
    return paginate_rows(transfers.incoming(db.session), query_data)


@bp.post("/incoming/<string:transfer_uuid>/receive/")
@writes
@require(STOCK_ROLE, also=STOCK_ROLES)
@bp.output(IncomingTransferOut)
@refuses(TRANSFER_RECEIVED="this outlet took it in already")
def receive_transfer(transfer_uuid, actor):
    """Take a transfer in (`transfer_in`, the transfer's uuid): once, offline or not."""
    return transfers.receive(db.session, actor.user_id, transfer_uuid)
