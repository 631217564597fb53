"""Transfers of stock between outlets on the wire (the edge's side)."""
from apiflask import Schema
from apiflask.fields import List, Nested, String
from apiflask.validators import Length, Range

from sync.web.fields import UTCDateTime, WholeNumber

MAX_ID = 2**31 - 1


class TransferLineIn(Schema):
    stock_item_id = WholeNumber(required=True, validate=Range(min=1, max=MAX_ID))
    quantity = WholeNumber(required=True, validate=Range(min=1, max=MAX_ID), metadata={"description": "Base units"})


class TransferIn(Schema):
    to_outlet_id = WholeNumber(required=True, validate=Range(min=1, max=MAX_ID),
                               metadata={"description": "The receiving outlet (checked by the cloud)"})
    note = String(load_default="", validate=Length(max=500))
    lines = List(Nested(TransferLineIn), required=True, validate=Length(min=1, max=200))


class TransferLineOut(Schema):
    stock_item_id = WholeNumber(required=True)
    quantity = WholeNumber(required=True)


class IncomingTransferOut(Schema):
    id = WholeNumber(required=True)
    uuid = String(required=True)
    from_outlet_id = WholeNumber(required=True)
    from_outlet_name = String(required=True)
    status = String(required=True, metadata={"description": "in_transit, or received (by this outlet's ledger)"})
    note = String(required=True)
    sent_at = UTCDateTime(required=True)
    lines = List(Nested(TransferLineOut), required=True)
