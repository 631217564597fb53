from apiflask import Schema
from apiflask.fields import Boolean, Date, Dict, List, Nested, String
from apiflask.validators import OneOf

from cloud.api.schemas.common import ID, ListQuery, Money, UTCDateTime
from sync.vocab import ORDER_STATUSES
from sync.web.fields import Day, WholeNumber

STATUSES = ORDER_STATUSES


class SyncedItemOut(Schema):
    line_no = WholeNumber(required=True)
    product_id = WholeNumber(required=True)
    product_name = String(required=True)
    sku = String()
    quantity = WholeNumber(required=True)
    modifiers = List(Dict())
    note = String()
    unit_price = Money(required=True)
    gross = Money(required=True)
    discount_amount = Money(required=True)
    total_price = Money(required=True)
    service_charge = Money(required=True)
    tax_amount = Money(required=True)
    line_total = Money(required=True)
    voided_quantity = WholeNumber()
    refunded_quantity = WholeNumber()


class SyncedPaymentOut(Schema):
    uuid = String(required=True)
    method = String(required=True)
    amount = Money(required=True)
    tendered = Money(allow_none=True)
    change_amount = Money(required=True)
    status = String(required=True)
    reference = String()
    created_at = UTCDateTime()


class SyncedRefundOut(Schema):
    uuid = String(required=True)
    kind = String(required=True)
    method = String(allow_none=True)
    amount = Money(required=True)
    reason = String(required=True)
    created_at = UTCDateTime()


class SyncedOrderOut(Schema):
    id = WholeNumber(required=True)
    uuid = String(required=True)
    order_number = String(required=True)
    outlet_id = WholeNumber(required=True)
    terminal = WholeNumber()
    business_date = Date()
    status = String(required=True)
    source = String()
    customer_id = WholeNumber(allow_none=True)
    customer_name = String()
    table = String(attribute="table_label")
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
    promotions = List(Dict())
    version = WholeNumber(required=True)
    totals_mismatch = Boolean()
    items = List(Nested(SyncedItemOut), required=True)
    created_at = UTCDateTime(required=True)
    completed_at = UTCDateTime(allow_none=True)
    cancelled_at = UTCDateTime(allow_none=True)
    received_at = UTCDateTime()


class SyncedOrderDetailOut(SyncedOrderOut):
    payments = List(Nested(SyncedPaymentOut), required=True)
    refunds = List(Nested(SyncedRefundOut), required=True)


class OrderListQuery(ListQuery):
    status = String(validate=OneOf(STATUSES))
    outlet_id = WholeNumber(validate=ID)
    date_from = Day()
    date_to = Day()
