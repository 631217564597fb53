"""Stock: stock items and recipes (master data the outlets pull) and an outlet's on-hand."""
from apiflask import APIBlueprint
from flask import Response

from cloud.api.access import require
from cloud.api.schemas.analytics import AnalyticsQuery
from cloud.api.schemas.common import ListQuery, list_schema
from cloud.api.schemas.stock import (
    OnHandOut,
    RecipeIn,
    RecipeListQuery,
    RecipeOut,
    RecipePatchIn,
    ReorderOut,
    ReorderPointIn,
    ReorderPointOut,
    SoldOutOut,
    StockExportQuery,
    StockImportIn,
    StockImportOut,
    StockItemIn,
    StockItemOut,
    StockItemPatchIn,
    StockQuery,
    StocktakeOut,
    StocktakeQuery,
    TransferOut,
    TransferQuery,
    UsageOut,
)
from cloud.api.tx import writes
from cloud.extensions import db
from cloud.models import Recipe, StockItem
from cloud.services import analytics, audit, reorder, stock, stock_io, stocktakes, transfers, usage
from sync.roles import STOCK_ROLES
from sync.web.lists import order_by, ordered_by, paginate, paginate_rows, search_filter
from sync.web.openapi import refuses

bp = APIBlueprint("stock", __name__, url_prefix="/api", tag="Stock")

ITEM_ORDERING = {"name": StockItem.name, "created_at": StockItem.created_at}


@bp.get("/stock-items/")
@require("manager", also=STOCK_ROLES)
@bp.input(ordered_by(ListQuery, ITEM_ORDERING), location="query")
@bp.output(list_schema(StockItemOut, "StockItemList"))
def list_stock_items(query_data, actor):
    stmt = stock.items_query(actor.require_tenant())
    stmt = search_filter(stmt, query_data.get("search"), [StockItem.name])
    stmt = order_by(stmt, query_data.get("ordering"), ITEM_ORDERING, [StockItem.name, StockItem.id])
    return paginate(db.session, stmt, query_data)


@bp.post("/stock-items/")
@writes
@require("manager", also=STOCK_ROLES)
@bp.input(StockItemIn)
@bp.output(StockItemOut, status_code=201)
@refuses(STOCK_ITEM_EXISTS="another stock item of the tenant has this name")
def create_stock_item(json_data, actor):
    """Something an outlet counts, in an integer base unit (g, ml or pcs)."""
    return stock.create_item(db.session, actor, json_data)


FILE_DOC = {200: {"description": "A CSV or Excel file",
                   "content": {"text/csv": {"schema": {"type": "string"}},
                               stock_io.XLSX_MIME: {"schema": {"type": "string", "format": "binary"}}}}}
IMPORT_RULES = {"INVALID_FILE": "not a UTF-8 CSV or an Excel file with the needed header",
                "INVALID_ROWS": "a row is invalid (listed in rows, by line); nothing was written",
                "TOO_MANY_ROWS": "more than 5000 rows"}


def _file(exported: tuple[bytes, str, str]) -> Response:
    body, mimetype, filename = exported
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/stock-items/export/")
@writes
@require("manager", also=STOCK_ROLES)
@bp.input(StockExportQuery, location="query")
@bp.doc(responses=FILE_DOC)
def export_stock_items(query_data, actor):
    """Download every stock item (`?format=csv|xlsx`): name, unit, cost, purchase_units
    ("sack=25000; bag=1000"), is_active. The file imports back unchanged."""
    exported = stock_io.export_items(db.session, actor.require_tenant(), query_data["format"])
    audit.record_export(db.session, actor, "stock_items", query_data)
    return _file(exported)


@bp.post("/stock-items/import/")
@writes
@require("manager", also=STOCK_ROLES)
@bp.input(StockImportIn, location="files")
@bp.output(StockImportOut)
@refuses(**IMPORT_RULES)
def import_stock_items(files_data, actor):
    """Create or change stock items from a CSV or Excel file (the export's columns),
    matched by name; all rows apply or none. A unit cannot change."""
    return stock_io.import_items(db.session, actor, files_data["file"].read())


@bp.get("/recipes/export/")
@writes
@require("manager", also=STOCK_ROLES)
@bp.input(StockExportQuery, location="query")
@bp.doc(responses=FILE_DOC)
def export_recipes(query_data, actor):
    """Download every recipe line (`?format=csv|xlsx`): product_sku, modifier_group and
    modifier (empty for the product's own recipe), stock_item (its name), quantity."""
    exported = stock_io.export_recipes(db.session, actor.require_tenant(), query_data["format"])
    audit.record_export(db.session, actor, "recipes", query_data)
    return _file(exported)


@bp.post("/recipes/import/")
@writes
@require("manager", also=STOCK_ROLES)
@bp.input(StockImportIn, location="files")
@bp.output(StockImportOut)
@refuses(**IMPORT_RULES)
def import_recipes(files_data, actor):
    """Create recipe lines or change their quantities from a CSV or Excel file (the
    export's columns); all rows apply or none; lines not in the file are left alone."""
    return stock_io.import_recipes(db.session, actor, files_data["file"].read())


@bp.get("/stock-items/<int:stock_item_id>/")
@require("manager", also=STOCK_ROLES)
@bp.output(StockItemOut)
def get_stock_item(stock_item_id, actor):
    return stock.get_item(db.session, actor.require_tenant(), stock_item_id)


@bp.patch("/stock-items/<int:stock_item_id>/")
@writes
@require("manager", also=STOCK_ROLES)
@bp.input(StockItemPatchIn)
@bp.output(StockItemOut)
@refuses(UNIT_FIXED="the unit cannot change once set", STOCK_ITEM_EXISTS="another stock item has this name")
def update_stock_item(stock_item_id, json_data, actor):
    return stock.update_item(db.session, stock.get_item(db.session, actor.require_tenant(), stock_item_id), json_data)


@bp.delete("/stock-items/<int:stock_item_id>/")
@writes
@require("manager", also=STOCK_ROLES)
@bp.output({}, status_code=204)
@refuses(STOCK_ITEM_IN_USE="recipes still use the item")
def delete_stock_item(stock_item_id, actor):
    stock.delete_item(db.session, stock.get_item(db.session, actor.require_tenant(), stock_item_id))
    return ""


@bp.get("/recipes/")
@require("manager", also=STOCK_ROLES)
@bp.input(RecipeListQuery, location="query")
@bp.output(list_schema(RecipeOut, "RecipeList"))
def list_recipes(query_data, actor):
    stmt = stock.recipes_query(actor.require_tenant(), query_data.get("product_id"), query_data.get("modifier_id"))
    return paginate(db.session, stmt.order_by(Recipe.id), query_data)


@bp.post("/recipes/")
@writes
@require("manager", also=STOCK_ROLES)
@bp.input(RecipeIn)
@bp.output(RecipeOut, status_code=201)
@refuses(INVALID_RECIPE_OWNER="name exactly one of product_id and modifier_id",
          INVALID_PRODUCT="product_id names no product of this tenant",
          INVALID_MODIFIER="modifier_id names no modifier of this tenant",
          INVALID_STOCK_ITEM="stock_item_id names no stock item of this tenant",
          RECIPE_EXISTS="the product or modifier already uses this stock item")
def create_recipe(json_data, actor):
    """One unit of the product (or modifier) uses `quantity` base units of the stock item."""
    return stock.create_recipe(db.session, actor, json_data)


@bp.get("/recipes/<int:recipe_id>/")
@require("manager", also=STOCK_ROLES)
@bp.output(RecipeOut)
def get_recipe(recipe_id, actor):
    return stock.get_recipe(db.session, actor.require_tenant(), recipe_id)


@bp.patch("/recipes/<int:recipe_id>/")
@writes
@require("manager", also=STOCK_ROLES)
@bp.input(RecipePatchIn)
@bp.output(RecipeOut)
def update_recipe(recipe_id, json_data, actor):
    return stock.update_recipe(db.session, stock.get_recipe(db.session, actor.require_tenant(), recipe_id), json_data)


@bp.delete("/recipes/<int:recipe_id>/")
@writes
@require("manager", also=STOCK_ROLES)
@bp.output({}, status_code=204)
def delete_recipe(recipe_id, actor):
    stock.delete_recipe(db.session, stock.get_recipe(db.session, actor.require_tenant(), recipe_id))
    return ""


@bp.get("/stock/")
@require("manager", also=STOCK_ROLES)
@bp.input(StockQuery, location="query")
@bp.output(list_schema(OnHandOut, "OnHandList"))
def list_on_hand(query_data, actor):
    """What the outlet's ledger, as synced, sums to per stock item (every item of the tenant)."""
    return paginate_rows(stock.on_hand(db.session, actor, query_data["outlet_id"]), query_data)


@bp.get("/stock/sold-out/")
@require("manager", also=STOCK_ROLES)
@bp.input(StockQuery, location="query")
@bp.output(list_schema(SoldOutOut, "SoldOutList"))
def list_sold_out(query_data, actor):
    """What the outlet marked sold out ("86") at its till, as its last synced change says."""
    return paginate_rows(stock.sold_out(db.session, actor, query_data["outlet_id"]), query_data)


@bp.get("/stocktakes/")
@require("manager", also=STOCK_ROLES)
@bp.input(StocktakeQuery, location="query")
@bp.output(list_schema(StocktakeOut, "StocktakeList"))
def list_stocktakes(query_data, actor):
    """The outlets' posted stocktakes, newest first, with the variance by item and by value."""
    stmt = stocktakes.query(db.session, actor, query_data.get("outlet_id"), query_data.get("has_variance"),
                            query_data.get("date_from"), query_data.get("date_to"))
    page = paginate(db.session, stmt, query_data)
    page["results"] = stocktakes.views(db.session, page["results"])
    return page


@bp.get("/stocktakes/<int:stocktake_id>/")
@require("manager", also=STOCK_ROLES)
@bp.output(StocktakeOut)
def get_stocktake(stocktake_id, actor):
    return stocktakes.views(db.session, [stocktakes.get(db.session, actor, stocktake_id)])[0]


@bp.get("/transfers/")
@require("manager", also=STOCK_ROLES)
@bp.input(TransferQuery, location="query")
@bp.output(list_schema(TransferOut, "TransferList"))
def list_transfers(query_data, actor):
    """Stock sent between the tenant's outlets: in transit until the receiver takes it in."""
    page = paginate(db.session, transfers.query(db.session, actor, query_data.get("outlet_id"),
                                                query_data.get("status")), query_data)
    page["results"] = transfers.views(db.session, page["results"])
    return page


@bp.put("/stock/reorder-points/")
@writes
@require("manager", also=STOCK_ROLES)
@bp.input(ReorderPointIn)
@bp.output(ReorderPointOut)
@refuses(INVALID_STOCK_ITEM="the stock item is not the tenant's")
def set_reorder_point(json_data, actor):
    """Set an outlet's reorder point for a stock item (both figures 0 clear it)."""
    return reorder.set_point(db.session, actor, json_data)


@bp.get("/stock/reorder-points/")
@require("manager", also=STOCK_ROLES)
@bp.input(StockQuery, location="query")
@bp.output(list_schema(ReorderPointOut, "ReorderPointList"))
def list_reorder_points(query_data, actor):
    return paginate_rows(reorder.points(db.session, actor, query_data["outlet_id"]), query_data)


@bp.get("/stock/reorder/")
@require("manager", also=STOCK_ROLES)
@bp.input(StockQuery, location="query")
@bp.output(list_schema(ReorderOut, "ReorderList"))
def list_to_reorder(query_data, actor):
    """What the outlet should reorder now: items at or below their reorder level."""
    return paginate_rows(reorder.to_reorder(db.session, actor, query_data["outlet_id"]), query_data)


@bp.get("/stock/usage/")
@require("manager", also=STOCK_ROLES)
@bp.input(AnalyticsQuery, location="query")
@bp.output(UsageOut)
@refuses(DATE_RANGE_TOO_LONG="date_from to date_to spans more than 1096 days",
         INVALID_DATE_RANGE="date_from is after date_to", INVALID_OUTLET="outlet_id names no outlet you may see")
def stock_usage(query_data, actor):
    """Theoretical (the recipes times what sold) against actual usage (opening + received +
    transferred in - out - wasted - closing, the range's stocktakes in the closing figure)
    per outlet and stock item, over business dates (`date_from`, `date_to` included; default
    the last 30 days); every outlet you may see unless `outlet_id` names one."""
    scope = analytics.resolve_scope(db.session, actor, query_data.get("outlet_id"), query_data.get("date_from"),
                                    query_data.get("date_to"))
    return usage.usage(db.session, scope)
