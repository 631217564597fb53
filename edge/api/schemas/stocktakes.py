"""Stocktakes (count sheets) at the outlet on the wire."""
from apiflask import Schema
from apiflask.fields import Boolean, List, Nested, String
from apiflask.validators import Length, Range

from sync.web.fields import JsonBoolean, Money, UTCDateTime, WholeNumber

MAX_ID = 2**31 - 1


class StocktakeIn(Schema):
    blind = JsonBoolean(load_default=False, metadata={"description": "Hide the expected figures while counting"})
    note = String(load_default="", validate=Length(max=500))
    stock_item_ids = List(WholeNumber(validate=Range(min=1, max=MAX_ID)), validate=Length(min=1, max=500),
                          metadata={"description": "The items to count; default every active stock item"})


class CountLineIn(Schema):
    stock_item_id = WholeNumber(required=True, validate=Range(min=1, max=MAX_ID))
    counted = WholeNumber(required=True, validate=Range(min=0, max=MAX_ID), metadata={"description": "Base units"})


class CountsIn(Schema):
    lines = List(Nested(CountLineIn), required=True, validate=Length(min=1, max=500))


class StocktakeLineOut(Schema):
    stock_item_id = WholeNumber(required=True)
    name = String(required=True)
    unit = String(required=True)
    counted = WholeNumber(allow_none=True, metadata={"description": "null: not counted yet"})
    expected = WholeNumber(allow_none=True, metadata={"description": "The ledger (now, or when posted); null on a "
                                                                      "blind sheet being counted"})
    variance = WholeNumber(allow_none=True, metadata={"description": "counted - expected, base units"})
    variance_value = Money(allow_none=True, allow_negative=True, metadata={"description": "variance x the item's cost"})


class StocktakeOut(Schema):
    id = WholeNumber(required=True)
    uuid = String(required=True)
    status = String(required=True, metadata={"description": "open, posted or cancelled"})
    blind = Boolean(required=True)
    note = String(required=True)
    started_by = WholeNumber(allow_none=True)
    started_at = UTCDateTime(required=True)
    closed_by = WholeNumber(allow_none=True)
    closed_at = UTCDateTime(allow_none=True)
    movement_uuid = String(allow_none=True, metadata={"description": "The count adjustments it posted"})
    variance_value = Money(allow_none=True, allow_negative=True, metadata={"description": "The variances' total value"})
    lines = List(Nested(StocktakeLineOut), required=True)
