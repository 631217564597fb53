"""The outlet's stock on the wire: on-hand per item, deliveries and waste."""
from apiflask import Schema
from apiflask.fields import List, Nested, String
from apiflask.validators import Length, Range

from sync.web.fields import Money, UTCDateTime, WholeNumber

MAX_ID = 2**31 - 1
MAX_QUANTITY = 2**31 - 1


class OnHandOut(Schema):
    stock_item_id = WholeNumber(required=True)
    name = String(required=True)
    unit = String(required=True, metadata={"description": "Base unit: g, ml or pcs"})
    on_hand = WholeNumber(required=True, metadata={"description": "Base units: the sum of this outlet's ledger"})


class ReceiveLineIn(Schema):
    stock_item_id = WholeNumber(required=True, validate=Range(min=1, max=MAX_ID))
    quantity = WholeNumber(required=True, validate=Range(min=1, max=MAX_QUANTITY),
                           metadata={"description": "Base units received"})
    cost = Money(load_default=0, metadata={"description": "What this line of the delivery cost"})


class ReceiveIn(Schema):
    reason = String(load_default="", validate=Length(max=500), metadata={"description": "Supplier, delivery note"})
    lines = List(Nested(ReceiveLineIn), required=True, validate=Length(min=1, max=200))


class WasteLineIn(Schema):
    stock_item_id = WholeNumber(required=True, validate=Range(min=1, max=MAX_ID))
    quantity = WholeNumber(required=True, validate=Range(min=1, max=MAX_QUANTITY),
                           metadata={"description": "Base units thrown away"})


class WasteIn(Schema):
    reason = String(required=True, validate=Length(min=1, max=500))
    lines = List(Nested(WasteLineIn), required=True, validate=Length(min=1, max=200))


class MovementLineOut(Schema):
    stock_item_id = WholeNumber(required=True)
    quantity = WholeNumber(required=True, metadata={"description": "Signed base units (waste: negative)"})
    cost = Money(allow_none=True)


class MovementOut(Schema):
    uuid = String(required=True)
    kind = String(required=True)
    reason = String(required=True)
    created_by = WholeNumber(allow_none=True)
    created_at = UTCDateTime(required=True)
    lines = List(Nested(MovementLineOut), required=True)
