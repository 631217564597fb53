"""Sale facts as they travel edge -> cloud in `POST /api/sync/push/` (protocol v1).

The edge dumps its rows with these schemas into outbox payloads; the cloud loads the
same JSON with them and rejects (with the reason) an event that does not fit.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

from marshmallow import EXCLUDE, Schema, fields, missing, validate

from sync import vocab
from sync.money import format_amount
from sync.web.fields import Money, UTCDateTime

UUID = fields.UUID
MAX_ID = 2**31 - 1  # ids and counts land in 32-bit integer columns on PostgreSQL
ID = validate.Range(min=1, max=MAX_ID)
COUNT = validate.Range(min=0, max=MAX_ID)
STATUSES = vocab.ORDER_STATUSES
METHODS = vocab.PAYMENT_METHODS


class _Payload(Schema):
    class Meta:
        unknown = EXCLUDE


class ModifierSold(_Payload):
    id = fields.Integer(validate=ID, required=True)
    name = fields.String(required=True)
    price = Money(required=True)


class OrderItemData(_Payload):
    line_no = fields.Integer(required=True, validate=validate.Range(min=1, max=10_000))
    product_id = fields.Integer(validate=ID, required=True)
    product_name = fields.String(required=True)
    sku = fields.String(load_default="")
    category_id = fields.Integer(validate=ID, allow_none=True, load_default=None)
    station = fields.String(load_default="main")
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    modifiers = fields.List(fields.Nested(ModifierSold), load_default=list)
    note = fields.String(load_default="")
    unit_price = Money(required=True)
    gross = Money(required=True)
    discount_amount = Money(required=True)
    total_price = Money(required=True)
    service_charge = Money(required=True)
    tax_amount = Money(required=True)
    line_total = Money(required=True)
    prep_status = fields.String(load_default="queued")
    voided_quantity = fields.Integer(validate=COUNT, load_default=0)
    refunded_quantity = fields.Integer(validate=COUNT, load_default=0)


class OrderPromotionData(_Payload):
    promotion_id = fields.Integer(validate=ID, required=True)
    name = fields.String(required=True)
    code = fields.String(allow_none=True, load_default=None)
    discount_amount = Money(required=True)


class OrderSnapshot(_Payload):
    uuid = fields.String(required=True, validate=validate.Length(equal=36))
    order_number = fields.String(required=True)
    outlet_id = fields.Integer(validate=ID, required=True)
    terminal = fields.Integer(validate=ID, required=True)
    business_date = fields.Date(required=True)
    shift_uuid = fields.String(allow_none=True, load_default=None)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    source = fields.String(required=True)
    customer_uuid = fields.String(allow_none=True, load_default=None)
    customer_name = fields.String(load_default="")
    customer_phone = fields.String(load_default="")
    table = fields.String(load_default="")
    note = fields.String(load_default="")
    subtotal = Money(required=True)
    discount_amount = Money(required=True)
    service_charge = Money(required=True)
    tax_amount = Money(required=True)
    rounding_amount = Money(required=True, allow_negative=True)
    total_amount = Money(required=True)
    paid_amount = Money(required=True)
    change_amount = Money(required=True)
    voided_amount = Money(required=True)
    refunded_amount = Money(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    cashier_id = fields.Integer(validate=ID, allow_none=True, load_default=None)
    cancel_reason = fields.String(load_default="")
    created_at = UTCDateTime(required=True)
    confirmed_at = UTCDateTime(allow_none=True, load_default=None)
    preparing_at = UTCDateTime(allow_none=True, load_default=None)
    ready_at = UTCDateTime(allow_none=True, load_default=None)
    served_at = UTCDateTime(allow_none=True, load_default=None)
    completed_at = UTCDateTime(allow_none=True, load_default=None)
    cancelled_at = UTCDateTime(allow_none=True, load_default=None)
    items = fields.List(fields.Nested(OrderItemData), required=True, validate=validate.Length(min=1))
    promotions = fields.List(fields.Nested(OrderPromotionData), load_default=list)


# An order's own fields as they travel, read off the schemas so that edge and cloud copy
# the same list: all but its identity, its table (stored as `table_label`), its lines and
# its promotions, which each side handles by name.
ORDER_SNAPSHOT_OWN = ("uuid", "outlet_id", "table", "items", "promotions")
ORDER_COLUMNS = tuple(name for name in OrderSnapshot._declared_fields if name not in ORDER_SNAPSHOT_OWN)
ITEM_COLUMNS = tuple(OrderItemData._declared_fields)


class PaymentData(_Payload):
    uuid = fields.String(required=True, validate=validate.Length(equal=36))
    order_uuid = fields.String(required=True, validate=validate.Length(equal=36))
    shift_uuid = fields.String(allow_none=True, load_default=None)
    terminal = fields.Integer(validate=ID, required=True)
    method = fields.String(required=True, validate=validate.OneOf(METHODS))
    amount = Money(required=True)
    tendered = Money(allow_none=True, load_default=None)
    change_amount = Money(required=True)
    status = fields.String(required=True)
    reference = fields.String(load_default="")
    created_by = fields.Integer(validate=ID, allow_none=True, load_default=None)
    created_at = UTCDateTime(required=True)
    # the outlet-local day it was taken (an edge that does not say: the cloud works it out)
    business_date = fields.Date(allow_none=True, load_default=None)


class RefundLineData(_Payload):
    line_no = fields.Integer(validate=ID, required=True)
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    amount = Money(required=True)


class RefundData(_Payload):
    uuid = fields.String(required=True, validate=validate.Length(equal=36))
    order_uuid = fields.String(required=True, validate=validate.Length(equal=36))
    shift_uuid = fields.String(allow_none=True, load_default=None)
    kind = fields.String(required=True, validate=validate.OneOf(vocab.REFUND_KINDS))
    method = fields.String(allow_none=True, load_default=None)
    amount = Money(required=True)
    reason = fields.String(required=True)
    lines = fields.List(fields.Nested(RefundLineData), load_default=list)
    created_by = fields.Integer(validate=ID, allow_none=True, load_default=None)
    created_at = UTCDateTime(required=True)
    business_date = fields.Date(allow_none=True, load_default=None)  # as on payments


class CashMovementData(_Payload):
    uuid = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(("in", "out")))
    amount = Money(required=True)
    reason = fields.String(required=True)
    created_by = fields.Integer(validate=ID, allow_none=True, load_default=None)
    created_at = UTCDateTime(required=True)


class ShiftSnapshot(_Payload):
    uuid = fields.String(required=True, validate=validate.Length(equal=36))
    terminal = fields.Integer(validate=ID, required=True)
    status = fields.String(required=True, validate=validate.OneOf(("open", "closed")))
    opened_by = fields.Integer(validate=ID, required=True)
    opened_at = UTCDateTime(required=True)
    opening_cash = Money(required=True)
    closed_by = fields.Integer(validate=ID, allow_none=True, load_default=None)
    closed_at = UTCDateTime(allow_none=True, load_default=None)
    counted = fields.Dict(keys=fields.String(), values=Money(), load_default=dict)
    z_report = fields.Dict(allow_none=True, load_default=None)
    movements = fields.List(fields.Nested(CashMovementData), load_default=list)
    version = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))


class CustomerUpsert(_Payload):
    uuid = fields.String(required=True, validate=validate.Length(equal=36))
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    phone = fields.String(required=True, validate=validate.Length(min=4, max=20))
    email = fields.String(load_default="")
    marketing_consent = fields.Boolean(load_default=False)
    preferred_outlet_id = fields.Integer(validate=ID, allow_none=True, load_default=None)


class LoyaltyAccrued(_Payload):
    customer_uuid = fields.String(required=True, validate=validate.Length(equal=36))
    order_uuid = fields.String(required=True, validate=validate.Length(equal=36))
    reason = fields.String(load_default="sale")  # "sale" | "refund"
    points = fields.Integer(required=True, validate=validate.Range(min=-MAX_ID, max=MAX_ID))
    orders = fields.Integer(required=True, validate=validate.Range(min=-MAX_ID, max=MAX_ID))
    spent = Money(required=True, allow_negative=True)


class PromotionUsageDelta(_Payload):
    promotion_id = fields.Integer(validate=ID, required=True)
    order_uuid = fields.String(required=True, validate=validate.Length(equal=36))
    customer_uuid = fields.String(allow_none=True, load_default=None)
    count = fields.Integer(required=True, validate=validate.OneOf((1, -1)))
    discount_amount = Money(required=True)




class StockLineData(_Payload):
    stock_item_id = fields.Integer(validate=ID, required=True)
    quantity = fields.Integer(required=True, validate=validate.Range(min=-MAX_ID, max=MAX_ID))  # signed, base unit
    cost = Money(allow_none=True, load_default=None)  # a receipt's cost of this line


class StockMoved(_Payload):
    """One movement document of an outlet's stock ledger (what a sale used, a delivery...)."""
    uuid = fields.String(required=True, validate=validate.Length(equal=36))
    kind = fields.String(required=True, validate=validate.OneOf(vocab.STOCK_MOVEMENT_KINDS))
    order_uuid = fields.String(allow_none=True, load_default=None, validate=validate.Length(equal=36))
    reason = fields.String(load_default="", validate=validate.Length(max=500))
    created_by = fields.Integer(validate=ID, allow_none=True, load_default=None)
    created_at = UTCDateTime(required=True)
    lines = fields.List(fields.Nested(StockLineData), required=True, validate=validate.Length(min=1))


class AuditRecorded(_Payload):
    """One audit record as the edge chained it: every field as hashed (strings and
    numbers only, so what the cloud loads hashes to what the edge stored)."""
    uuid = fields.String(required=True, validate=validate.Length(equal=36))
    device_id = fields.Integer(validate=ID, allow_none=True, load_default=None)
    seq = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    outlet_id = fields.Integer(validate=ID, allow_none=True, load_default=None)
    terminal = fields.Integer(validate=ID, allow_none=True, load_default=None)
    actor_id = fields.Integer(validate=ID, allow_none=True, load_default=None)
    actor_username = fields.String(load_default="", validate=validate.Length(max=80))
    actor_role = fields.String(load_default="", validate=validate.Length(max=20))
    action = fields.String(required=True, validate=validate.Length(min=1, max=40))
    object_type = fields.String(load_default="", validate=validate.Length(max=40))
    object_id = fields.String(load_default="", validate=validate.Length(max=64))
    before = fields.String(allow_none=True, load_default=None)  # canonical JSON
    after = fields.String(allow_none=True, load_default=None)
    at = fields.String(required=True, validate=validate.Length(min=20, max=32))  # ISO UTC, as hashed
    at_local = fields.String(required=True, validate=validate.Length(min=19, max=40))
    prev_hash = fields.String(required=True, validate=validate.Length(equal=64))
    hash = fields.String(required=True, validate=validate.Length(equal=64))


class ReceiptRequested(_Payload):
    """A customer asked at the till for the order's e-receipt by WhatsApp or email; the
    cloud sends it once this event (and the order) have synced."""
    uuid = fields.String(required=True, validate=validate.Length(equal=36))
    order_uuid = fields.String(required=True, validate=validate.Length(equal=36))
    channel = fields.String(required=True, validate=validate.OneOf(vocab.NOTIFY_CHANNELS))
    recipient = fields.String(required=True, validate=validate.Length(min=1, max=254))
    receipt_url = fields.String(load_default="", validate=validate.Length(max=500))  # the link the paper's QR holds
    requested_by = fields.Integer(validate=ID, allow_none=True, load_default=None)
    created_at = UTCDateTime(required=True)


class SoldOutChanged(_Payload):
    """A product or a modifier marked sold out ("86") at the outlet, or back on sale."""
    uuid = fields.String(required=True, validate=validate.Length(equal=36))
    target = fields.String(required=True, validate=validate.OneOf(vocab.SOLD_OUT_TARGETS))
    target_id = fields.Integer(validate=ID, required=True)
    name = fields.String(load_default="", validate=validate.Length(max=200))
    sold_out = fields.Boolean(required=True)
    changed_by = fields.Integer(validate=ID, allow_none=True, load_default=None)
    changed_at = UTCDateTime(required=True)


class StocktakeLineData(_Payload):
    stock_item_id = fields.Integer(validate=ID, required=True)
    expected = fields.Integer(required=True, validate=validate.Range(min=-MAX_ID, max=MAX_ID))  # the ledger then
    counted = fields.Integer(required=True, validate=validate.Range(min=0, max=MAX_ID))
    cost = fields.Integer(required=True, validate=validate.Range(min=0, max=MAX_ID))  # minor units per base unit


class StocktakePosted(_Payload):
    """An outlet's count sheet as posted; its adjustments travel as the `stock.moved` named."""
    uuid = fields.String(required=True, validate=validate.Length(equal=36))
    blind = fields.Boolean(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=500))
    started_by = fields.Integer(validate=ID, allow_none=True, load_default=None)
    started_at = UTCDateTime(required=True)
    posted_by = fields.Integer(validate=ID, allow_none=True, load_default=None)
    posted_at = UTCDateTime(required=True)
    movement_uuid = fields.String(allow_none=True, load_default=None, validate=validate.Length(equal=36))
    lines = fields.List(fields.Nested(StocktakeLineData), required=True, validate=validate.Length(min=1))


class TransferLineData(_Payload):
    stock_item_id = fields.Integer(validate=ID, required=True)
    quantity = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))  # base units sent


class TransferSent(_Payload):
    """Stock sent to another outlet; the sender's `transfer_out` movement has the same uuid."""
    uuid = fields.String(required=True, validate=validate.Length(equal=36))
    to_outlet_id = fields.Integer(validate=ID, required=True)
    note = fields.String(load_default="", validate=validate.Length(max=500))
    sent_by = fields.Integer(validate=ID, allow_none=True, load_default=None)
    sent_at = UTCDateTime(required=True)
    lines = fields.List(fields.Nested(TransferLineData), required=True, validate=validate.Length(min=1))


PAYLOADS = {
    "order.snapshot": OrderSnapshot(),
    "payment.recorded": PaymentData(),
    "refund.recorded": RefundData(),
    "shift.snapshot": ShiftSnapshot(),
    "customer.upserted": CustomerUpsert(),
    "loyalty.accrued": LoyaltyAccrued(),
    "promotion.usage": PromotionUsageDelta(),
    "stock.moved": StockMoved(),
    "audit.recorded": AuditRecorded(),
    "receipt.requested": ReceiptRequested(),
    "sold_out.changed": SoldOutChanged(),
    "stocktake.posted": StocktakePosted(),
    "transfer.sent": TransferSent(),
}


class PushEvent(Schema):
    """One outbox event on the wire."""

    class Meta:
        unknown = EXCLUDE

    seq = fields.Integer(required=True, validate=validate.Range(min=1, max=2**53))
    event_id = fields.String(required=True, validate=validate.Length(equal=36))
    type = fields.String(required=True, validate=validate.Length(min=1, max=40))
    occurred_at = UTCDateTime(required=True)
    payload = fields.Dict(required=True)
    payload_sha256 = fields.String(required=True, validate=validate.Length(equal=64))


ENVELOPE = PushEvent()  # one instance: building a schema costs more than loading an envelope with it


# Field types whose `_serialize` gives None for None (so None is written as it is), and,
# for some, the one value type they give back unchanged (a str to String, an int to
# Integer): those values skip the call, which was most of a payload's dump.
_NONE_AS_IS = (fields.String, fields.Integer, fields.Boolean, fields.Date, fields.Dict, Money, UTCDateTime)
_SAME_TYPE = {fields.String: str, fields.Integer: int}


def _compiled(schema: Schema) -> Callable[[Mapping], dict]:
    """`schema.dump` for a mapping of values, without marshmallow's per-field walk.

    Every sale change dumps a payload (an order snapshot is some 60 values) and the walk
    cost more than the rest of writing the outbox row. This gives the same result: each
    field in the schema's order, its value read by key, skipped when absent, converted
    by the field's own `_serialize` (or passed as it is where that call would give it
    back unchanged); nested schemas and lists of them compiled alike.
    tests/sync/test_event_dump.py compares the two on every event a day of sales makes."""
    steps = []
    for name, field in schema.dump_fields.items():
        if field.dump_default is not missing or not field._CHECK_ATTRIBUTE:
            raise TypeError(f"{type(schema).__name__}.{name}: dump defaults are not compiled")
        kind = type(field)
        none_as_is = kind in _NONE_AS_IS or isinstance(field, (fields.Nested, fields.List))
        steps.append((field.attribute or name, field.data_key or name, none_as_is,
                      _SAME_TYPE.get(kind, _NoType), _converter(field, name)))

    def dump(values: Mapping) -> dict:
        out = {}
        for attribute, key, none_as_is, same_type, convert in steps:
            value = values.get(attribute, missing)
            if value is missing:
                continue
            if type(value) is same_type or (value is None and none_as_is):
                out[key] = value
            else:
                out[key] = convert(value)
        return out

    return dump


class _NoType:
    """No value is of this type: the field's values always go through its converter."""


def _converter(field: fields.Field, name: str) -> Callable:
    if isinstance(field, fields.Nested):
        if field.many or field.only or field.exclude:
            raise TypeError(f"{name}: only a plain nested schema is compiled")
        return _compiled(field.schema)
    if isinstance(field, fields.List) and isinstance(field.inner, fields.Nested):
        item = _converter(field.inner, name)
        return lambda value: [None if v is None else item(v) for v in value]
    if isinstance(field, (fields.List, fields.Tuple)):
        raise TypeError(f"{name}: only lists of nested schemas are compiled")
    if type(field) is Money:
        return format_amount  # what Money._serialize gives for a value that is not None
    return lambda value: field._serialize(value, name, None)


_DUMPERS = {event_type: _compiled(schema) for event_type, schema in PAYLOADS.items()}


def dump(event_type: str, values: Mapping) -> dict:
    """The payload of an outbox event: what `PAYLOADS[event_type].dump(values)` gives."""
    return _DUMPERS[event_type](values)


def load(event_type: str, payload: dict) -> dict:
    return PAYLOADS[event_type].load(payload)
