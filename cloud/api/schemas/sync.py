from apiflask import Schema
from apiflask.fields import Boolean, Dict, List, Nested, String
from apiflask.validators import Length, OneOf, Range

from cloud.api.schemas.common import ID, ListQuery, UTCDateTime
from sync.schemas.pull import ENTITIES, OutletData, TenantData
from sync.web.fields import WholeNumber


class EnrollIn(Schema):
    enrollment_key = String(required=True, validate=Length(min=1, max=200))
    device_name = String(required=True, validate=Length(min=1, max=120))


class EnrollOut(Schema):
    device_id = WholeNumber(required=True)
    device_token = String(required=True)
    number_space = WholeNumber(required=True, metadata={
        "description": "This device's order-numbering space in its outlet: its order numbers carry terminals "
                       "(number_space - 1) * 100 + 1 to 99"})
    outlet = Nested(OutletData, required=True)
    tenant = Nested(TenantData, required=True)


class DeviceOut(Schema):
    device_id = WholeNumber(required=True)
    name = String(required=True)
    outlet_id = WholeNumber(required=True)
    number_space = WholeNumber(required=True)
    last_pushed_seq = WholeNumber(required=True, metadata={
        "description": "The highest outbox seq the cloud has seen from this device: a database holding less went "
                       "back (a restored backup, a lost write)"})
    forked_from_id = WholeNumber(allow_none=True, required=True)


class ForkIn(Schema):
    seq_high = WholeNumber(required=True, validate=Range(min=0, max=2**31 - 1),
                       metadata={"description": "The highest outbox seq this copy of the database holds"})
    device_name = String(load_default=None, allow_none=True, validate=Length(min=1, max=120))


class ForkOut(EnrollOut):
    forked_from_id = WholeNumber(required=True)


class RecoveryQuery(Schema):
    after_seq = WholeNumber(required=True, validate=Range(min=0, max=2**31 - 1),
                        metadata={"description": "The highest outbox seq the asking database still holds"})
    after_id = WholeNumber(load_default=0, validate=Range(min=0, max=2**31 - 1))
    limit = WholeNumber(load_default=200, validate=Range(min=1, max=500))


class RecoveredOrder(Schema):
    order = Dict(required=True, metadata={"description": "an order.snapshot payload"})
    payments = List(Dict(), required=True, metadata={"description": "payment.recorded payloads"})
    refunds = List(Dict(), required=True, metadata={"description": "refund.recorded payloads"})


class RecoveryOut(Schema):
    orders = List(Nested(RecoveredOrder), required=True)
    shifts = List(Dict(), required=True, metadata={"description": "shift.snapshot payloads (first page only)"})
    next_after_id = WholeNumber(allow_none=True, required=True)


class PullQuery(Schema):
    since = WholeNumber(load_default=0, validate=Range(min=0))
    limit = WholeNumber(load_default=500, validate=Range(min=1, max=1000))


class ChangeOut(Schema):
    entity = String(required=True, validate=OneOf(ENTITIES))
    op = String(required=True, validate=OneOf(("upsert", "delete")))
    id = WholeNumber(required=True)
    version = WholeNumber(required=True)
    data = Dict(allow_none=True, required=True)


class PullOut(Schema):
    changes = List(Nested(ChangeOut), required=True)
    cursor = WholeNumber(required=True)
    has_more = Boolean(required=True)


class AllowanceOut(Schema):
    promotion_id = WholeNumber(required=True)
    granted = WholeNumber(required=True)
    used = WholeNumber(required=True)


class AllowancesOut(Schema):
    allowances = List(Nested(AllowanceOut), required=True)


class DeviceTokenIn(Schema):
    device_id = WholeNumber(required=True, validate=ID)
    device_token = String(required=True, validate=Length(min=1, max=200))


class DeviceTokenOut(Schema):
    access_token = String(required=True)
    expires_in = WholeNumber(required=True)


class PushIn(Schema):
    events = List(Dict(), required=True, metadata={"description": "Outbox events in seq order"})


class EventResultOut(Schema):
    event_id = String(required=True)
    status = String(required=True, validate=OneOf(("applied", "duplicate", "conflict", "rejected")))
    reason = String(allow_none=True, required=True)


class PushOut(Schema):
    results = List(Nested(EventResultOut), required=True)
    last_seq = WholeNumber(allow_none=True, required=True)
    device_last_seq = WholeNumber(required=True, metadata={
        "description": "The highest seq the cloud has seen from this device, this push included: more than the "
                       "device holds means its database went back"})
    seq_reused_from = WholeNumber(allow_none=True, load_default=None, metadata={
        "description": "The lowest seq of this push the device had already used for another event (its database "
                       "went back and numbers events again), else null"})


DISCREPANCY_KINDS = ("sequence_regressed", "stale_snapshot", "overpaid", "order_number_taken")


class DiscrepancyQuery(ListQuery):
    outlet_id = WholeNumber(load_default=None, validate=ID)
    kind = String(load_default=None, validate=OneOf(DISCREPANCY_KINDS))


class DiscrepancyOut(Schema):
    id = WholeNumber(required=True)
    outlet_id = WholeNumber(required=True)
    device_id = WholeNumber(allow_none=True)
    kind = String(required=True, validate=OneOf(DISCREPANCY_KINDS))
    order_uuid = String(allow_none=True)
    message = String(required=True)
    detail = Dict()
    detected_at = UTCDateTime(required=True)
