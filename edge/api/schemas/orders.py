from apiflask import Schema
from apiflask.fields import Boolean, Date, Dict, Function, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from edge.api.schemas import ROW_ID, Quantity, presenters
from edge.services.printing import receipt_links
from sync.vocab import (
    EDITABLE_STATUSES,
    NOTIFY_CHANNELS,
    ORDER_SOURCES,
    ORDER_STATUSES,
    PAYMENT_METHODS,
    PRINTER_ROLES,
)
from sync.web.fields import UUID_PATTERN, Day, Money, UTCDateTime, WholeNumber
from sync.web.lists import ListQuery

SOURCES = ORDER_SOURCES


class _Presented(Schema):
    """A response schema whose `dump` is a hand-written presenter (see presenters.py);
    its fields document the output and are what the presenter is tested against."""

    present = None

    def dump(self, obj, *, many=None):
        if self.only or self.exclude or type(self).present is None:
            return super().dump(obj, many=many)
        present = type(self).present
        many = self.many if many is None else many
        return [present(o) for o in obj] if many else present(obj)


class ItemIn(Schema):
    product_id = WholeNumber(required=True, validate=ROW_ID)
    quantity = Quantity()
    modifier_ids = List(WholeNumber(validate=ROW_ID), load_default=list, validate=Length(max=30),
                        metadata={"uniqueItems": True})
    note = String(validate=Length(max=500))


class OrderIn(Schema):
    client_uuid = String(validate=Length(min=36, max=36), metadata={"description": "Retry-safe id made by the client",
                                                                    "pattern": UUID_PATTERN})
    source = String(load_default="pos", validate=OneOf(SOURCES))
    status = String(validate=OneOf(EDITABLE_STATUSES))
    customer_name = String(validate=Length(max=120))
    customer_phone = String(validate=Length(max=30))
    customer_id = WholeNumber(allow_none=True, validate=ROW_ID)
    table = String(validate=Length(max=40))
    note = String(validate=Length(max=500))
    items = List(Nested(ItemIn), required=True, validate=Length(min=1, max=100))
    promo_codes = List(String(validate=Length(min=1, max=40)), load_default=list, validate=Length(max=5))


class OrderPatchIn(Schema):
    source = String(validate=OneOf(SOURCES))
    status = String(validate=OneOf(EDITABLE_STATUSES))
    customer_name = String(validate=Length(max=120))
    customer_phone = String(allow_none=True, validate=Length(max=30))
    customer_id = WholeNumber(allow_none=True, validate=ROW_ID)
    table = String(validate=Length(max=40))
    note = String(validate=Length(max=500))
    items = List(Nested(ItemIn), validate=Length(min=1, max=100))
    promo_codes = List(String(validate=Length(min=1, max=40)), validate=Length(max=5))


class QuoteIn(Schema):
    items = List(Nested(ItemIn), required=True, validate=Length(min=1, max=100))
    promo_codes = List(String(validate=Length(min=1, max=40)), load_default=list, validate=Length(max=5))
    customer_id = WholeNumber(allow_none=True, validate=ROW_ID)
    customer_phone = String(validate=Length(max=30))


class ModifierSoldOut(Schema):
    id = WholeNumber(required=True)
    name = String(required=True)
    price = Money(required=True)


class ItemOut(Schema):
    id = WholeNumber(required=True)
    line_no = WholeNumber(required=True)
    product_id = WholeNumber(required=True)
    product_name = String(required=True)
    sku = String()
    quantity = WholeNumber(required=True)
    unit_price = Money(required=True)
    modifiers = List(Nested(ModifierSoldOut), required=True)
    gross = Money(required=True)
    discount_amount = Money(required=True)
    total_price = Money(required=True)
    service_charge = Money(required=True)
    tax_amount = Money(required=True)
    line_total = Money(required=True)
    note = String()
    station = String()
    prep_status = String()
    voided_quantity = WholeNumber()
    refunded_quantity = WholeNumber()


class AppliedPromotionOut(Schema):
    id = WholeNumber(required=True, attribute="promotion_id")
    name = String(required=True)
    code = String(allow_none=True)
    discount_amount = Money(required=True)


class PaymentOut(_Presented):
    id = WholeNumber(required=True)
    uuid = String(required=True)
    order_id = WholeNumber(required=True)
    method = String(required=True, validate=OneOf(PAYMENT_METHODS))
    amount = Money(required=True)
    tendered = Money(allow_none=True, required=True)
    change_amount = Money(required=True)
    status = String(required=True)
    reference = String(required=True)
    qr_string = String(allow_none=True, dump_default=None)
    deeplink_url = String(allow_none=True, metadata={"description": "e-wallet: opens the wallet app to pay"})
    expires_at = UTCDateTime(allow_none=True, metadata={"description": "a pending QR / e-wallet charge: pay by"})
    provider = String(allow_none=True, metadata={"description": "the gateway: midtrans or xendit"})
    late_payment = Boolean(metadata={"description": "QRIS / e-wallet: paid after its QR was cancelled or expired "
                                                    "(the order shows the overpayment until it is given back)"})
    returned_at = UTCDateTime(allow_none=True, metadata={"description": "a late payment: when it was given back"})
    unverified = Boolean(metadata={"description": "static QRIS: taken on the payer's reference; the cloud matches "
                                                  "it against the provider's settlement report"})
    print_jobs = List(Dict(), metadata={"description": "In the create response: the print jobs this payment queued"})
    shift_id = WholeNumber(allow_none=True)
    terminal = WholeNumber()
    created_at = UTCDateTime()

    present = staticmethod(presenters.payment)


class LatePaymentOut(Schema):
    payment = Nested(PaymentOut, required=True)
    order_id = WholeNumber(required=True)
    order_number = String(required=True)
    order_status = String(required=True)
    overpaid_amount = Money(required=True, metadata={"description": "What the order holds beyond its amount due"})


class GiveBackIn(Schema):
    reason = String(load_default="Paid after the QR was cancelled or expired", validate=Length(min=1, max=500))


class PaymentQuery(Schema):
    wait = WholeNumber(load_default=0, validate=Range(0, 25), metadata={
        "description": "A pending QRIS / e-wallet payment: answer as soon as it changes (paid, expired, "
                       "cancelled), or after this many seconds; the edge long-polls the cloud meanwhile"})


class DisplayQuery(Schema):
    terminal = WholeNumber(required=True, validate=Range(1, 99), metadata={"description": "The till it faces"})
    since = String(load_default=None, validate=Length(max=40), metadata={
        "description": "The fingerprint the screen shows: answer when it changes (or after `wait`)"})
    wait = WholeNumber(load_default=0, validate=Range(0, 25), metadata={"description": "Long-poll, whole seconds"})


class DisplayOut(Schema):
    state = String(required=True, metadata={"enum": ["idle", "pending", "paid", "ended"]})
    fingerprint = String(required=True)
    terminal = WholeNumber(required=True)
    payment_id = WholeNumber()
    order_number = String()
    method = String()
    amount = Money()
    status = String()
    qr_string = String(allow_none=True)
    deeplink_url = String(allow_none=True)
    expires_at = UTCDateTime(allow_none=True)


class RefundLineOut(Schema):
    item_id = WholeNumber(required=True)
    line_no = WholeNumber(required=True)
    quantity = WholeNumber(required=True)
    amount = Money(required=True)


class RefundTenderOut(Schema):
    id = WholeNumber(required=True)
    uuid = String(required=True)
    method = String(required=True)
    amount = Money(required=True)


class RefundOut(_Presented):
    id = WholeNumber(required=True)
    uuid = String(required=True)
    order_id = WholeNumber(required=True)
    kind = String(required=True)
    method = String(allow_none=True)
    amount = Money(required=True)
    reason = String(required=True)
    lines = List(Nested(RefundLineOut), required=True)
    created_by = WholeNumber(allow_none=True)
    created_at = UTCDateTime()
    tenders = List(Nested(RefundTenderOut), metadata={
        "description": "In the refund response: every refund record the request made, one per method the money "
                       "went back by (this record first; `amount` above is its share)"})

    present = staticmethod(presenters.refund)


class OrderOut(_Presented):
    id = WholeNumber(required=True)
    uuid = String(required=True)
    order_number = String(required=True)
    outlet_id = WholeNumber(required=True)
    terminal = WholeNumber()
    shift_id = WholeNumber(allow_none=True)
    business_date = Date()
    status = String(required=True, validate=OneOf(ORDER_STATUSES))
    source = String(required=True)
    customer_id = WholeNumber(allow_none=True)
    customer_name = String(required=True)
    customer_phone = String()
    table = String(attribute="table_label")
    note = String()
    promo_codes = List(String())
    items = List(Nested(ItemOut), required=True)
    subtotal = Money(required=True)
    discount_amount = Money(required=True)
    service_charge = Money(required=True)
    tax_amount = Money(required=True)
    rounding_amount = Money(required=True, allow_negative=True)
    total_amount = Money(required=True)
    paid_amount = Money(required=True)
    change_amount = Money(required=True)
    balance_due = Money(required=True)
    voided_amount = Money(required=True)
    refunded_amount = Money(required=True)
    overpaid_amount = Money(required=True, metadata={
        "description": "Paid beyond the amount due and not given back (a QRIS / e-wallet payment that landed "
                       "after its QR was cancelled or expired): a manager gives it back"})
    promotions = List(Nested(AppliedPromotionOut), required=True)
    payments = List(Nested(PaymentOut), required=True)
    refunds = List(Nested(RefundOut))
    receipt_url = Function(lambda order: receipt_links.link_for(order.uuid), allow_none=True, metadata={
        "type": "string", "description": "The e-receipt link the receipt's QR encodes (signed by this till; its page "
                                         "answers once the order has synced); null before enrollment"})
    version = WholeNumber()
    sync_status = String(required=True, validate=OneOf(("pending", "synced")))
    cancel_reason = String()
    created_at = UTCDateTime(required=True)
    updated_at = UTCDateTime(required=True)
    confirmed_at = UTCDateTime(allow_none=True)
    preparing_at = UTCDateTime(allow_none=True)
    ready_at = UTCDateTime(allow_none=True)
    served_at = UTCDateTime(allow_none=True)
    completed_at = UTCDateTime(allow_none=True)
    cancelled_at = UTCDateTime(allow_none=True)

    present = staticmethod(presenters.order)


class RejectionOut(Schema):
    code = String(required=True)
    reason = String(required=True)
    message = String(required=True)


class QuoteLineOut(Schema):
    product_id = WholeNumber(required=True)
    product_name = String(required=True)
    quantity = WholeNumber(required=True)
    unit_price = Money(required=True)
    gross = Money(required=True)
    discount_amount = Money(required=True)
    total_price = Money(required=True)
    service_charge = Money(required=True)
    tax_amount = Money(required=True)
    line_total = Money(required=True)


class QuoteOut(Schema):
    items = List(Nested(QuoteLineOut), required=True)
    promotions = List(Nested(AppliedPromotionOut), required=True)
    rejections = List(Nested(RejectionOut), required=True)
    subtotal = Money(required=True)
    discount_amount = Money(required=True)
    service_charge = Money(required=True)
    tax_amount = Money(required=True)
    rounding_amount = Money(required=True, allow_negative=True)
    total_amount = Money(required=True)


class OrderListQuery(ListQuery):
    status = String(validate=OneOf(ORDER_STATUSES))
    date = Day(metadata={"description": "Business day (outlet local date)"})
    shift_id = WholeNumber(validate=ROW_ID)
    sync_status = String(validate=OneOf(("pending", "synced")))


class ReasonIn(Schema):
    reason = String(required=True, validate=Length(min=1, max=500))


class LineIn(Schema):
    item_id = WholeNumber(required=True, validate=ROW_ID)
    quantity = Quantity()


class RefundIn(Schema):
    reason = String(required=True, validate=Length(min=1, max=500))
    lines = List(Nested(LineIn), validate=Length(max=100))
    method = String(validate=OneOf(PAYMENT_METHODS))
    restock = Boolean(load_default=False, metadata={
        "description": "The refunded items went back into stock: their recipes' stock comes back (default: not)"})


class RefundPreviewIn(Schema):
    lines = List(Nested(LineIn), validate=Length(max=100))
    method = String(validate=OneOf(PAYMENT_METHODS))


class PreviewTenderOut(Schema):
    method = String(required=True)
    amount = Money(required=True)


class PreviewLineOut(Schema):
    item_id = WholeNumber(required=True)
    line_no = WholeNumber(required=True)
    product_name = String(required=True)
    quantity = WholeNumber(required=True)
    amount = Money(required=True)


class RefundPreviewOut(Schema):
    method = String(required=True, metadata={"description": "The method asked for (or the default) that goes first"})
    amount = Money(required=True, metadata={"description": "The whole amount that would go back"})
    tenders = List(Nested(PreviewTenderOut), required=True, metadata={
        "description": "Per method, what would go back by it (the asked method first)"})
    spills = Boolean(required=True, metadata={"description": "Some of it goes back by another method than asked"})
    gives_cash = Boolean(required=True, metadata={"description": "Cash goes back (this terminal's shift must be open)"})
    lines = List(Nested(PreviewLineOut), required=True)


class VoidIn(Schema):
    reason = String(required=True, validate=Length(min=1, max=500))
    lines = List(Nested(LineIn), validate=Length(max=100))


class EReceiptIn(Schema):
    channel = String(required=True, validate=OneOf(NOTIFY_CHANNELS))
    recipient = String(required=True, validate=Length(min=1, max=254),
                       metadata={"description": "The customer's phone number (WhatsApp) or email address"})


class EReceiptOut(Schema):
    uuid = String(required=True, metadata={"description": "The request's id (the cloud sends it once)"})
    order_id = WholeNumber(required=True)
    order_number = String(required=True)
    channel = String(required=True)
    recipient = String(required=True, metadata={"description": "Normalised (a phone as 0812…)"})
    receipt_url = String(required=True)
    status = String(required=True, metadata={"description": "queued: in the outbox; sent by the cloud once synced"})
    created_at = UTCDateTime(required=True)


class CancelIn(Schema):
    reason = String(load_default="", validate=Length(max=500))


class PaymentIn(Schema):
    order_id = WholeNumber(required=True, validate=ROW_ID)
    method = String(required=True, validate=OneOf(PAYMENT_METHODS))
    amount = Money(metadata={"description": "Applied to the order; default: the balance (cash: up to tendered)"})
    tendered = Money()
    reference = String(load_default="", validate=Length(max=120))
    channel = String(load_default=None, allow_none=True, validate=Length(max=20), metadata={
        "description": "e-wallet only: gopay, shopeepay, ovo, dana (what the business's gateway offers)"})


class PrintIn(Schema):
    kind = String(required=True, validate=OneOf(PRINTER_ROLES))


class ReceiptQuery(Schema):
    format = String(load_default="json", validate=OneOf(("json", "text")))


class ReceiptOut(Schema):
    receipt = Dict(required=True, metadata={"description": "The receipt's values (money in minor units)"})


class PrintedOut(Schema):
    jobs = List(Dict(), required=True)
