"""Stocktakes at the outlet, offline: count sheets, counted (blind or not) and posted as
count adjustments of the ledger."""
from apiflask import APIBlueprint

from edge.api.access import require
from edge.api.schemas.stocktakes import CountsIn, StocktakeIn, StocktakeOut
from edge.api.tx import writes
from edge.extensions import db
from edge.services.inventory import stocktakes
from sync.roles import STOCK_ROLES
from sync.web.lists import ListQuery, list_schema, paginate_rows
from sync.web.openapi import refuses

bp = APIBlueprint("stocktakes", __name__, url_prefix="/api/stocktakes", tag="Stock")
STOCK_ROLE = "manager"


@bp.get("/")
@require(STOCK_ROLE, also=STOCK_ROLES)
@bp.input(ListQuery, location="query")
@bp.output(list_schema(StocktakeOut, "EdgeStocktakeList"))
def list_stocktakes(query_data, actor):
    """The outlet's count sheets, newest first."""
    return paginate_rows([stocktakes.view(db.session, s) for s in stocktakes.listed(db.session)], query_data)


@bp.post("/")
@writes
@require(STOCK_ROLE, also=STOCK_ROLES)
@bp.input(StocktakeIn)
@bp.output(StocktakeOut, status_code=201)
@refuses(INVALID_STOCK_ITEM="an id names no stock item this outlet knows", NOTHING_TO_COUNT="no stock item to count",
         DUPLICATE_STOCK_ITEM="an item is listed twice")
def start_stocktake(json_data, actor):
    """A new count sheet (blind: the expected figures stay hidden until it is posted)."""
    sheet = stocktakes.start(db.session, actor.user_id, json_data["blind"], json_data["note"],
                             json_data.get("stock_item_ids"))
    return stocktakes.view(db.session, sheet)


@bp.get("/<int:stocktake_id>/")
@require(STOCK_ROLE, also=STOCK_ROLES)
@bp.output(StocktakeOut)
def get_stocktake(stocktake_id, actor):
    return stocktakes.view(db.session, stocktakes.get(db.session, stocktake_id))


@bp.put("/<int:stocktake_id>/counts/")
@writes
@require(STOCK_ROLE, also=STOCK_ROLES)
@bp.input(CountsIn)
@bp.output(StocktakeOut)
@refuses(STOCKTAKE_CLOSED="the sheet is posted or cancelled", INVALID_STOCK_ITEM="the item is not on this sheet")
def record_counts(stocktake_id, json_data, actor):
    """What was counted, per item (base units); counting an item again replaces its count."""
    sheet = stocktakes.count(db.session, stocktakes.get(db.session, stocktake_id), json_data["lines"])
    return stocktakes.view(db.session, sheet)


@bp.post("/<int:stocktake_id>/post/")
@writes
@require(STOCK_ROLE, also=STOCK_ROLES)
@bp.output(StocktakeOut)
@refuses(STOCKTAKE_CLOSED="the sheet is posted or cancelled", UNCOUNTED_ITEMS="an item of the sheet is not counted")
def post_stocktake(stocktake_id, actor):
    """Compare the counts with the ledger now and write the differences as count adjustments."""
    sheet = stocktakes.post(db.session, stocktakes.get(db.session, stocktake_id), actor.user_id)
    return stocktakes.view(db.session, sheet)


@bp.post("/<int:stocktake_id>/cancel/")
@writes
@require(STOCK_ROLE, also=STOCK_ROLES)
@bp.output(StocktakeOut)
@refuses(STOCKTAKE_CLOSED="the sheet is posted or cancelled")
def cancel_stocktake(stocktake_id, actor):
    """Drop an open sheet unposted."""
    sheet = stocktakes.cancel(db.session, stocktakes.get(db.session, stocktake_id), actor.user_id)
    return stocktakes.view(db.session, sheet)
