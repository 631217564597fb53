"""Stock items, recipes and on-hand figures on the cloud's wire."""
from apiflask import Schema
from apiflask.fields import Boolean, File, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from cloud.api.schemas.analytics import TenantRef
from cloud.api.schemas.common import ID, ListQuery, Money
from sync.vocab import STOCK_UNITS, TRANSFER_STATUSES
from sync.web.fields import Day, UTCDateTime, WholeNumber

MAX_QUANTITY = 2**31 - 1


class PurchaseUnit(Schema):
    name = String(required=True, validate=Length(min=1, max=40))
    multiple = WholeNumber(required=True, validate=Range(min=1, max=MAX_QUANTITY),
                           metadata={"description": "Base units in one purchase unit (a 25 kg sack: 25000)"})


class StockItemIn(Schema):
    name = String(required=True, validate=Length(min=1, max=120))
    unit = String(required=True, validate=OneOf(STOCK_UNITS), metadata={"description": "Base unit: g, ml or pcs"})
    cost = Money(load_default=0, metadata={"description": "Cost of one base unit"})
    purchase_units = List(Nested(PurchaseUnit), validate=Length(max=20))
    is_active = Boolean()


class StockItemPatchIn(StockItemIn):
    name = String(validate=Length(min=1, max=120))
    unit = String(validate=OneOf(STOCK_UNITS))
    cost = Money()


class StockItemOut(StockItemIn):
    id = WholeNumber(required=True)


class RecipeIn(Schema):
    product_id = WholeNumber(validate=ID, allow_none=True, load_default=None)
    modifier_id = WholeNumber(validate=ID, allow_none=True, load_default=None)
    stock_item_id = WholeNumber(required=True, validate=ID)
    quantity = WholeNumber(required=True, validate=Range(min=1, max=MAX_QUANTITY),
                           metadata={"description": "Base units one sold unit uses"})


class RecipePatchIn(Schema):
    quantity = WholeNumber(required=True, validate=Range(min=1, max=MAX_QUANTITY))


class RecipeOut(RecipeIn):
    id = WholeNumber(required=True)


class RecipeListQuery(ListQuery):
    product_id = WholeNumber(validate=ID)
    modifier_id = WholeNumber(validate=ID)


class StockQuery(ListQuery):
    outlet_id = WholeNumber(required=True, validate=ID)


class OnHandOut(Schema):
    stock_item_id = WholeNumber(required=True)
    name = String(required=True)
    unit = String(required=True)
    on_hand = WholeNumber(required=True, metadata={"description": "Base units, the sum of the outlet's ledger"})
    cost = Money(required=True, metadata={"description": "The item's cost per base unit now"})
    value = Money(required=True, allow_negative=True, metadata={"description": "on_hand x cost (negative: the ledger "
                                                                               "is below zero)"})


class SoldOutOut(Schema):
    target = String(required=True, metadata={"description": "product or modifier"})
    id = WholeNumber(required=True, attribute="target_id")
    name = String(required=True)
    changed_by = WholeNumber(allow_none=True, metadata={"description": "The manager who marked it (edge user id)"})
    changed_at = UTCDateTime(required=True, metadata={"description": "When the outlet marked it"})


class StocktakeQuery(ListQuery):
    outlet_id = WholeNumber(validate=ID)
    has_variance = Boolean(metadata={"description": "true: only counts that found a difference"})
    date_from = Day(metadata={"description": "Posted on or after (UTC date)"})
    date_to = Day(metadata={"description": "Posted on or before (UTC date)"})


class StocktakeLineOut(Schema):
    stock_item_id = WholeNumber(required=True)
    name = String(required=True)
    unit = String(required=True)
    expected = WholeNumber(required=True, metadata={"description": "The outlet's ledger when it posted"})
    counted = WholeNumber(required=True)
    variance = WholeNumber(required=True, metadata={"description": "counted - expected, base units"})
    cost = Money(required=True, metadata={"description": "The item's cost per base unit then"})
    variance_value = Money(required=True, allow_negative=True,
                           metadata={"description": "variance x cost (negative: missing)"})


class StocktakeOut(Schema):
    id = WholeNumber(required=True)
    uuid = String(required=True)
    outlet_id = WholeNumber(required=True)
    outlet_name = String(required=True)
    blind = Boolean(required=True)
    note = String(required=True)
    started_by = WholeNumber(allow_none=True)
    started_at = UTCDateTime(required=True)
    posted_by = WholeNumber(allow_none=True)
    posted_at = UTCDateTime(required=True)
    movement_uuid = String(allow_none=True)
    items_counted = WholeNumber(required=True)
    items_with_variance = WholeNumber(required=True)
    variance_value = Money(required=True, allow_negative=True,
                           metadata={"description": "Total of the lines' variance values (negative: missing)"})
    lines = List(Nested(StocktakeLineOut), required=True)


class TransferQuery(ListQuery):
    outlet_id = WholeNumber(validate=ID, metadata={"description": "Transfers from or to this outlet"})
    status = String(validate=OneOf(TRANSFER_STATUSES))


class TransferLineOut(Schema):
    stock_item_id = WholeNumber(required=True)
    name = String(required=True)
    unit = String(required=True)
    quantity = WholeNumber(required=True, metadata={"description": "Base units sent"})


class TransferOut(Schema):
    id = WholeNumber(required=True)
    uuid = String(required=True, metadata={"description": "Also the uuid of both movement documents"})
    from_outlet_id = WholeNumber(required=True)
    to_outlet_id = WholeNumber(required=True)
    status = String(required=True, metadata={"description": "in_transit or received"})
    note = String(required=True)
    sent_by = WholeNumber(allow_none=True)
    sent_at = UTCDateTime(required=True)
    received_by = WholeNumber(allow_none=True)
    received_at = UTCDateTime(allow_none=True)
    lines = List(Nested(TransferLineOut), required=True)


class ReorderPointIn(Schema):
    outlet_id = WholeNumber(required=True, validate=ID)
    stock_item_id = WholeNumber(required=True, validate=ID)
    reorder_level = WholeNumber(required=True, validate=Range(min=0, max=2**31 - 1),
                                metadata={"description": "Reorder at or below this on-hand (base units)"})
    reorder_quantity = WholeNumber(load_default=0, validate=Range(min=0, max=2**31 - 1),
                                   metadata={"description": "How much to order; 0: enough to reach the level"})


class ReorderPointOut(Schema):
    id = WholeNumber(allow_none=True, metadata={"description": "null: the point was cleared (both figures 0)"})
    outlet_id = WholeNumber(required=True)
    stock_item_id = WholeNumber(required=True)
    reorder_level = WholeNumber(required=True)
    reorder_quantity = WholeNumber(required=True)


class ReorderOut(OnHandOut):
    reorder_level = WholeNumber(required=True)
    reorder_quantity = WholeNumber(required=True)
    order_quantity = WholeNumber(required=True, metadata={"description": "What to order now, base units"})


class UsageLineOut(Schema):
    outlet_id = WholeNumber(required=True)
    outlet_name = String(required=True)
    stock_item_id = WholeNumber(required=True)
    name = String(required=True)
    unit = String(required=True)
    cost = Money(required=True, metadata={"description": "The item's cost per base unit now"})
    opening = WholeNumber(required=True, metadata={"description": "Ledger on-hand when the range opens"})
    received = WholeNumber(required=True)
    transferred_in = WholeNumber(required=True)
    transferred_out = WholeNumber(required=True)
    wasted = WholeNumber(required=True)
    closing = WholeNumber(required=True, metadata={"description": "Ledger on-hand when the range closes"})
    theoretical = WholeNumber(required=True, metadata={"description": "What the recipes say the sales used"})
    actual = WholeNumber(required=True, metadata={
        "description": "opening + received + transferred_in - transferred_out - wasted - closing"})
    variance = WholeNumber(required=True, metadata={
        "description": "actual - theoretical (positive: used more than the recipes say)"})
    theoretical_value = Money(required=True, allow_negative=True)
    actual_value = Money(required=True, allow_negative=True)
    variance_value = Money(required=True, allow_negative=True)
    counts = WholeNumber(required=True, metadata={
        "description": "Stocktakes posted in the range that counted the item (0: no truth point, variance 0)"})
    last_counted_at = UTCDateTime(allow_none=True)


class UsageOut(Schema):
    tenant = Nested(TenantRef, required=True)
    date_from = Day(required=True)
    date_to = Day(required=True)
    outlet_id = WholeNumber(allow_none=True, required=True)
    theoretical_value = Money(required=True, allow_negative=True)
    actual_value = Money(required=True, allow_negative=True)
    variance_value = Money(required=True, allow_negative=True)
    results = List(Nested(UsageLineOut), required=True)


class StockExportQuery(Schema):
    format = String(load_default="csv", validate=OneOf(("csv", "xlsx")))


class StockImportIn(Schema):
    file = File(required=True, metadata={"description": "A CSV (UTF-8) or Excel (.xlsx) file with a header row"})


class StockImportOut(Schema):
    created = WholeNumber(required=True)
    updated = WholeNumber(required=True)
    unchanged = WholeNumber(required=True)
