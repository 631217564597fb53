"""Bodies of the gateway payment endpoints: charges for devices, accounts for owners."""
from apiflask import Schema
from apiflask.fields import Boolean, List, String
from apiflask.validators import Length, OneOf, Range, Regexp

from cloud.api.schemas.common import UTCDateTime
from cloud.gateways import PROVIDERS, base
from cloud.services.charge_waits import MAX_WAIT_S
from cloud.services.gateway_charges import METHODS
from sync.web.fields import UUID_PATTERN, Money, WholeNumber
from sync.web.lists import ListQuery

UUID = Regexp(UUID_PATTERN, error="Must be a UUID")


class ChargeIn(Schema):
    payment_uuid = String(required=True, validate=UUID, metadata={"description": "The edge's payment uuid"})
    order_uuid = String(required=True, validate=UUID)
    method = String(required=True, validate=OneOf(METHODS))
    amount = Money(required=True, positive=True)
    channel = String(load_default=None, allow_none=True, validate=Length(max=20), metadata={
        "description": "e-wallet: gopay, shopeepay (Midtrans); ovo, dana, shopeepay (Xendit); default gopay/dana"})
    customer_phone = String(load_default=None, allow_none=True, validate=Length(max=20))


class ChargeOut(Schema):
    payment_uuid = String(required=True)
    outlet_id = WholeNumber(metadata={"description": "The outlet whose edge asked for it"})
    order_uuid = String(required=True)
    provider = String(required=True)
    method = String(required=True)
    channel = String(required=True)
    gateway_id = String(required=True)
    amount = Money(required=True)
    currency = String(required=True)
    status = String(required=True, metadata={"description": "pending, paid, failed, cancelled, expired, refunded"})
    qr_string = String(allow_none=True)
    deeplink_url = String(allow_none=True)
    expires_at = UTCDateTime(allow_none=True)
    paid_at = UTCDateTime(allow_none=True)
    late_payment = Boolean(required=True, metadata={
        "description": "Paid after it was cancelled or expired: the outlet holds money to give back"})
    refunded_amount = Money(required=True)


class ChargeQuery(Schema):
    check = Boolean(load_default=False, metadata={"description": "Ask the gateway now (\"check now\")"})
    wait = WholeNumber(load_default=0, validate=Range(0, MAX_WAIT_S), metadata={
        "description": "Long-poll: answer as soon as a pending charge changes, or after this many seconds "
                       "(at once when the cloud's long-poll slots are all taken)"})


class ChargeListQuery(ListQuery):
    status = String(validate=OneOf(base.STATUSES))
    outlet_id = WholeNumber(validate=Range(min=1))
    late_payment = Boolean(metadata={"description": "true: only charges paid after they were cancelled or expired"})


class GatewayRefundIn(Schema):
    refund_uuid = String(required=True, validate=UUID)
    amount = Money(required=True, positive=True)
    reason = String(load_default="", validate=Length(max=500))


class GatewayRefundOut(Schema):
    refund_uuid = String(required=True)
    gateway_refund_id = String(required=True)
    amount = Money(required=True)
    status = String(required=True, metadata={"description": "succeeded, pending or failed"})


class GatewayAccountIn(Schema):
    server_key = String(load_default=None, allow_none=True, validate=Length(max=200),
                        metadata={"description": "Midtrans: write-only"})
    secret_key = String(load_default=None, allow_none=True, validate=Length(max=200),
                        metadata={"description": "Xendit: write-only"})
    callback_token = String(load_default=None, allow_none=True, validate=Length(max=200),
                            metadata={"description": "Xendit: write-only"})
    is_primary = Boolean(load_default=False)


class GatewayAccountOut(Schema):
    provider = String(required=True, validate=OneOf(PROVIDERS))
    is_primary = Boolean(required=True)
    credentials_set = List(String(), required=True, metadata={"description": "Which credentials are stored"})
    updated_at = UTCDateTime(required=True)

